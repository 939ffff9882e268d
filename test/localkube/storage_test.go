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

package localkube_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ordinal-dev/ordinal/test/localkube"
)

var snapshotsGVR = schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1", Resource: "volumesnapshots"}

// snapshotStorage runs the CSI chain as a cloud cluster would: a PVC of the
// snapshot class provisioned by the external-provisioner, a VolumeSnapshot
// cut by the snapshot-controller and the csi-snapshotter while its pod keeps
// writing, a PVC restored from the snapshot (which must hold the volume as it
// was at the snapshot, not after), a PVC cloned from the live volume, and
// every volume's subvolume gone once its PVC is deleted.
func snapshotStorage(t *testing.T, c *localkube.Cluster, cs kubernetes.Interface) {
	cfg, err := c.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(cfg)
	createClaim(t, cs, "snap-src", nil)
	// The writer appends a line every 10 ms from before the snapshot to after it.
	runPod(t, cs, "writer", "snap-src", `i=0; while [ $i -lt 100000 ]; do echo $i >> /data/lines; i=$((i+1)); sleep 0.01; done; sleep 600`)
	eventually(t, 2*time.Minute, "the writer writes", func() error { return linesAtLeast(t, c, "writer", 50) })
	createSnapshot(t, dyn, "snap", "snap-src")
	eventually(t, 2*time.Minute, "snapshot ready", func() error { return snapshotReady(dyn, "snap") })
	eventually(t, time.Minute, "the writer writes on", func() error { return linesAtLeast(t, c, "writer", 300) })

	createClaim(t, cs, "restored", &corev1.TypedLocalObjectReference{APIGroup: ptr.To("snapshot.storage.k8s.io"), Kind: "VolumeSnapshot", Name: "snap"})
	createClaim(t, cs, "clone", &corev1.TypedLocalObjectReference{Kind: "PersistentVolumeClaim", Name: "snap-src"})
	runPod(t, cs, "reader", "restored", "sleep 600")
	runPod(t, cs, "cloner", "clone", "sleep 600")
	restored := readLines(t, c, "reader")
	live := readLines(t, c, "writer")
	if len(restored) == 0 || len(restored) >= len(live) {
		t.Fatalf("restored volume holds %d lines, the live one %d: want a point in time between", len(restored), len(live))
	}
	for i, l := range restored {
		if l != live[i] {
			t.Fatalf("restored line %d is %q, the live volume's %q", i, l, live[i])
		}
	}
	if cloned := readLines(t, c, "cloner"); len(cloned) < len(restored) {
		t.Fatalf("clone holds %d lines, fewer than the older snapshot's %d", len(cloned), len(restored))
	}
	t.Logf("snapshot holds %d lines of the writer's %d", len(restored), len(live))
	deleteAllStorage(t, c, cs, dyn)
}

func createClaim(t *testing.T, cs kubernetes.Interface, name string, source *corev1.TypedLocalObjectReference) {
	t.Helper()
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, StorageClassName: ptr.To(localkube.SnapshotClass),
		Resources:  corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("64Mi")}},
		DataSource: source}}
	if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Create(context.Background(), pvc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating PVC %s: %v", name, err)
	}
}

// runPod runs a shell script in a pod mounting claim at /data, and waits for it to run.
func runPod(t *testing.T, cs kubernetes.Interface, name, claim, script string) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: corev1.PodSpec{
		TerminationGracePeriodSeconds: ptr.To[int64](1),
		Containers: []corev1.Container{{Name: "main", Image: "busybox", Command: []string{"/bin/sh", "-c", script},
			VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}}},
		Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating pod %s: %v", name, err)
	}
	eventually(t, 2*time.Minute, "pod "+name+" running", func() error {
		if got := pod(t, cs, name); got.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", got.Status.Phase)
		}
		return nil
	})
}

func readLines(t *testing.T, c *localkube.Cluster, podName string) []string {
	t.Helper()
	out, err := kubectl(t, c, "exec", podName, "--", "cat", "/data/lines")
	if err != nil {
		t.Fatalf("reading /data/lines in %s: %v: %s", podName, err, out)
	}
	return strings.Fields(out)
}

func linesAtLeast(t *testing.T, c *localkube.Cluster, podName string, n int) error {
	out, err := kubectl(t, c, "exec", podName, "--", "cat", "/data/lines")
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	if got := len(strings.Fields(out)); got < n {
		return fmt.Errorf("%d lines", got)
	}
	return nil
}

func createSnapshot(t *testing.T, dyn dynamic.Interface, name, claim string) {
	t.Helper()
	vs := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{"volumeSnapshotClassName": localkube.SnapshotClass,
			"source": map[string]any{"persistentVolumeClaimName": claim}},
	}}
	if _, err := dyn.Resource(snapshotsGVR).Namespace(ns).Create(context.Background(), vs, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating VolumeSnapshot %s: %v", name, err)
	}
}

func snapshotReady(dyn dynamic.Interface, name string) error {
	vs, err := dyn.Resource(snapshotsGVR).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if ready, _, _ := unstructured.NestedBool(vs.Object, "status", "readyToUse"); !ready {
		return fmt.Errorf("not ready: %v", vs.Object["status"])
	}
	return nil
}

// deleteAllStorage deletes the pods, the snapshot and the PVCs, and waits
// until the driver has removed every subvolume.
func deleteAllStorage(t *testing.T, c *localkube.Cluster, cs kubernetes.Interface, dyn dynamic.Interface) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []string{"writer", "reader", "cloner"} {
		_ = cs.CoreV1().Pods(ns).Delete(ctx, p, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
	}
	if err := dyn.Resource(snapshotsGVR).Namespace(ns).Delete(ctx, "snap", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"snap-src", "restored", "clone"} {
		if err := cs.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(c.Options().Dir, "volumes", "csi")
	eventually(t, 2*time.Minute, "subvolumes removed", func() error {
		var left []string
		for _, d := range []string{"volumes", "snapshots"} {
			entries, _ := os.ReadDir(filepath.Join(root, d))
			for _, e := range entries {
				left = append(left, d+"/"+e.Name())
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("left: %v", left)
		}
		return nil
	})
}
