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
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/ordinal-dev/ordinal/test/localkube/csi"
	"github.com/ordinal-dev/ordinal/test/localkube/images"
	"github.com/ordinal-dev/ordinal/test/localkube/node"
	"github.com/ordinal-dev/ordinal/test/localkube/services"
)

// bootstrap creates the client, the default StorageClass and the API of the
// snapshot-capable CSI storage.
func (s *supervisor) bootstrap(ctx context.Context) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", s.o.Kubeconfig())
	if err != nil {
		return fmt.Errorf("loading kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	if s.client, err = kubernetes.NewForConfig(cfg); err != nil {
		return fmt.Errorf("creating client: %w", err)
	}
	sc := &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: "standard", Annotations: map[string]string{
			"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner:       "kubernetes.io/host-path",
		ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate),
	}
	_, err = s.client.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating StorageClass standard: %w", err)
	}
	return s.bootstrapStorage(ctx, cfg)
}

// startNodes starts the Service registry and proxy, the nodes and the pod
// watch that feeds them, and waits until every node is Ready.
func (s *supervisor) startNodes(ctx context.Context) error {
	o := s.o
	cg, err := node.NewCgroups(cgroupBase(o))
	if err != nil {
		s.log.Warn("no cgroup v2: falling back to process groups", "err", err)
	}
	s.cgroups = cg
	factory := informers.NewSharedInformerFactory(s.client, 10*time.Minute)
	reg, err := services.NewRegistry(factory)
	if err != nil {
		return err
	}
	s.proxy = services.NewProxy(reg, fmt.Sprintf("127.0.0.1:%d", o.APIServerPort), s.log)
	ipam, err := node.NewIPAM(o.PodCIDR)
	if err != nil {
		return err
	}
	mapping, err := images.Load(o.path("images.json"), images.Default(o.RepoRoot))
	if err != nil {
		return err
	}
	if _, err := os.Stat(o.path("images.json")); err != nil {
		_ = mapping.Save(o.path("images.json")) // written once so it can be edited
	}
	sh := &node.Shared{Client: s.client, Helper: o.Helper, Dir: o.path("pods"), Images: mapping,
		APIServerHost: "127.0.0.1", APIServerPort: o.APIServerPort, Hosts: reg.Hosts, IPAM: ipam, Cgroups: cg,
		PathMap: map[string]string{"/tmp/hostpath_pv": o.hostpathDir()}, BackoffBase: o.BackoffBase, BackoffMax: o.BackoffMax, Log: s.log,
		CSIDrivers: map[string]node.VolumePublisher{csi.DriverName: s.csiClient}}
	if err := s.makeNodes(ctx, sh); err != nil {
		return err
	}
	reg.Subscribe(func() {
		for _, n := range s.nodes {
			n.RefreshNames()
		}
	})
	if err := s.watchPods(ctx); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return s.waitNodesReady(ctx)
}

func (s *supervisor) makeNodes(ctx context.Context, sh *node.Shared) error {
	o := s.o
	p := pki{dir: o.path("pki")}
	cert, err := tls.LoadX509KeyPair(p.path("kubelet.crt"), p.path("kubelet.key"))
	if err != nil {
		return fmt.Errorf("loading kubelet certificate: %w", err)
	}
	pool, err := o.caPool()
	if err != nil {
		return err
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS12}
	for i := 1; i <= o.Nodes; i++ {
		n := node.New(sh, node.Config{Name: o.nodeName(i), IP: o.nodeIP(i), KubeletPort: o.KubeletPort,
			CPU: "4", Memory: "8Gi", MaxPods: 110, TLS: tlsCfg, KubeletVersion: kubeVersion})
		s.nodes = append(s.nodes, n)
		go func() {
			if err := n.Run(ctx); err != nil {
				s.log.Error("node stopped", "node", n.Name(), "err", err)
			}
		}()
	}
	return nil
}

// watchPods feeds every bound pod to its node.
func (s *supervisor) watchPods(ctx context.Context) error {
	byName := map[string]*node.Node{}
	for _, n := range s.nodes {
		byName[n.Name()] = n
	}
	factory := informers.NewSharedInformerFactoryWithOptions(s.client, 10*time.Minute,
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) {
			lo.FieldSelector = fields.OneTermNotEqualSelector("spec.nodeName", "").String()
		}))
	inf := factory.Core().V1().Pods().Informer()
	pod := func(obj any) *corev1.Pod {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		p, _ := obj.(*corev1.Pod)
		return p
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.dispatch(byName, pod(obj), false) },
		UpdateFunc: func(_, obj any) { s.dispatch(byName, pod(obj), false) },
		DeleteFunc: func(obj any) { s.dispatch(byName, pod(obj), true) },
	})
	if err != nil {
		return fmt.Errorf("watching pods: %w", err)
	}
	factory.Start(ctx.Done())
	return nil
}

func (s *supervisor) dispatch(byName map[string]*node.Node, p *corev1.Pod, deleted bool) {
	if p == nil {
		return
	}
	n, ok := byName[p.Spec.NodeName]
	switch {
	case !ok:
	case deleted:
		n.Forget(p)
	default:
		n.Sync(p)
	}
}

func (s *supervisor) waitNodesReady(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		list, err := s.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		ready := 0
		for _, n := range list.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		if err == nil && ready >= len(s.nodes) {
			return nil
		}
		if !sleep(ctx, 250*time.Millisecond) {
			return ctx.Err()
		}
	}
	return fmt.Errorf("nodes not Ready after a minute (see logs/localkube.log)")
}

// cgroupBase names this state directory's cgroup.
func cgroupBase(o Options) string {
	sum := sha256.Sum256([]byte(o.Dir))
	return "localkube-" + hex.EncodeToString(sum[:4])
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
