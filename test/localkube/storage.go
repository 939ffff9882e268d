/*
Copyright 2026 The Ordinal Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package localkube

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/ordinal-dev/ordinal/test/localkube/csi"
)

// SnapshotClass names both the StorageClass whose volumes can be snapshotted
// and cloned (localkube's CSI driver) and its VolumeSnapshotClass.
const SnapshotClass = "localkube-csi"

// csiSidecars are the upstream binaries that drive the CSI driver, built by
// hack/build-csi.sh; csiCRDs are the snapshot CRDs it copies beside them.
var (
	csiSidecars = []string{"csi-provisioner", "csi-snapshotter", "snapshot-controller"}
	csiCRDs     = []string{"volumesnapshotclasses", "volumesnapshotcontents", "volumesnapshots"}
)

func (o Options) csiSocket() string { return o.path("run", "csi.sock") }

func (o Options) storage() csi.Filesystem {
	return csi.Filesystem{Image: o.path("volumes", "csi.img"), Dir: o.path("volumes", "csi"), Size: o.StorageSize}
}

func (o Options) crdPath(name string) string {
	return filepath.Join(o.BinDir, "csi-crds", "snapshot.storage.k8s.io_"+name+".yaml")
}

// sidecarArgs runs each sidecar against the driver's socket with the admin
// kubeconfig; one replica of each, so no leader election.
func (o Options) sidecarArgs(name string) []string {
	args := []string{o.bin(name), "--kubeconfig=" + o.Kubeconfig(), "--leader-election=false", "--v=2"}
	if name != "snapshot-controller" {
		args = append(args, "--csi-address="+o.csiSocket(), "--timeout=60s")
	}
	return args
}

// startStorage mounts the volumes' filesystem, serves the CSI driver and
// starts its sidecars. It runs after bootstrapStorage has made their API.
func (s *supervisor) startStorage(ctx context.Context) error {
	fs := s.o.storage()
	if err := fs.Mount(ctx); err != nil {
		return err
	}
	s.storageMounted = true
	d := &csi.Driver{FS: fs, NodeID: "localkube", Log: s.log}
	if err := d.Serve(ctx, s.o.csiSocket()); err != nil {
		return err
	}
	client, err := csi.Dial(s.o.csiSocket())
	if err != nil {
		return err
	}
	s.csiClient = client
	for _, name := range csiSidecars {
		if _, err := s.run(name, s.o.sidecarArgs(name), nil); err != nil {
			return err
		}
	}
	return nil
}

// stopStorage unmounts the volumes' filesystem once nothing runs on it.
func (s *supervisor) stopStorage() {
	if s.csiClient != nil {
		_ = s.csiClient.Close()
	}
	if !s.storageMounted {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.o.storage().Unmount(ctx); err != nil {
		s.log.Warn("unmounting CSI volumes", "err", err)
	}
}

// bootstrapStorage installs the snapshot CRDs, the CSIDriver, the
// StorageClass and the VolumeSnapshotClass.
func (s *supervisor) bootstrapStorage(ctx context.Context, cfg *rest.Config) error {
	if err := s.installCRDs(ctx, cfg); err != nil {
		return err
	}
	storage := s.client.StorageV1()
	driver := &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: csi.DriverName},
		Spec: storagev1.CSIDriverSpec{AttachRequired: ptr.To(false), PodInfoOnMount: ptr.To(false)}}
	if _, err := storage.CSIDrivers().Create(ctx, driver, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating CSIDriver: %w", err)
	}
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: SnapshotClass},
		Provisioner: csi.DriverName, ReclaimPolicy: ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate)}
	if _, err := storage.StorageClasses().Create(ctx, sc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating StorageClass %s: %w", SnapshotClass, err)
	}
	return s.createSnapshotClass(ctx, cfg)
}

func (s *supervisor) installCRDs(ctx context.Context, cfg *rest.Config) error {
	client, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	crds := client.ApiextensionsV1().CustomResourceDefinitions()
	for _, name := range csiCRDs {
		b, err := os.ReadFile(s.o.crdPath(name))
		if err != nil {
			return fmt.Errorf("reading snapshot CRD (hack/build-csi.sh copies them): %w", err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(b, &crd); err != nil {
			return fmt.Errorf("decoding %s: %w", s.o.crdPath(name), err)
		}
		if _, err := crds.Create(ctx, &crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating CRD %s: %w", crd.Name, err)
		}
		if err := waitEstablished(ctx, client, crd.Name); err != nil {
			return err
		}
	}
	return nil
}

func waitEstablished(ctx context.Context, client apiextensionsclient.Interface, name string) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		crd, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil //nolint:nilerr // retried until the timeout
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for CRD %s to be established: %w", name, err)
	}
	return nil
}

func (s *supervisor) createSnapshotClass(ctx context.Context, cfg *rest.Config) error {
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	gvr := schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1", Resource: "volumesnapshotclasses"}
	vsc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotClass",
		"metadata": map[string]any{"name": SnapshotClass},
		"driver":   csi.DriverName, "deletionPolicy": "Delete",
	}}
	if _, err := client.Resource(gvr).Create(ctx, vsc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating VolumeSnapshotClass %s: %w", SnapshotClass, err)
	}
	return nil
}
