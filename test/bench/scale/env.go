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

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/localkube"
)

// env is the running localkube and the clients the bench uses.
type env struct {
	own        bool // the bench's own localkube, not the shared one
	root       string
	lk         *localkube.Cluster
	cs         kubernetes.Interface
	c          client.Client
	kubeconfig string
	log        *slog.Logger
	// paused are the in-cluster operator Deployments scaled to 0 for the
	// run, with their replica counts, restored by restore.
	paused map[client.ObjectKey]int32
	hollow *localkube.HollowNode
}

// ownCluster is the bench's own localkube: its own state directory, ports
// and address ranges, so it runs beside the shared one (and whatever e2e
// run uses it) and starts empty.
func ownCluster(root string) localkube.Options {
	return localkube.Options{RepoRoot: root, Dir: filepath.Join(root, ".localkube", "bench-scale"), Nodes: 1,
		EtcdPort: 18679, EtcdPeerPort: 18680, APIServerPort: 18743, ControllerManagerPort: 18557, SchedulerPort: 18559,
		KubeletPort: 18550, PodCIDR: "127.12.0.0/16", ServiceCIDR: "127.98.0.0/16",
		// Thousands of PVCs and pods: the default 20 requests/s per controller
		// makes 1,000 clusters take most of an hour to create.
		ControllerManagerQPS: 200}
}

// attach starts the bench's own localkube (shared false: a fresh one,
// stopped and removed by detach) or finds the shared one (started by
// "localkube up" or an e2e run; started the way "make demo" does when down).
func attach(ctx context.Context, root string, shared bool, log *slog.Logger) (*env, error) {
	var lk *localkube.Cluster
	var err error
	if shared {
		lk, err = attachShared(ctx, root, log)
	} else {
		o := ownCluster(root)
		_ = localkube.Down(o, time.Minute) // a run that was killed left it running
		_ = os.RemoveAll(o.Dir)
		log.Info("Starting the bench's own localkube", "dir", o.Dir)
		lk, err = localkube.Start(ctx, o)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := lk.RESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	return &env{own: !shared, root: root, lk: lk, cs: cs, c: c, kubeconfig: lk.Kubeconfig(), log: log, paused: map[client.ObjectKey]int32{}}, nil
}

func attachShared(ctx context.Context, root string, log *slog.Logger) (*localkube.Cluster, error) {
	o := localkube.Options{RepoRoot: root}
	if lk, err := localkube.Attach(o); err == nil {
		return lk, nil
	}
	log.Info("Starting localkube (go run ./test/localkube/cmd/localkube up)")
	cmd := exec.CommandContext(ctx, "go", "run", "./test/localkube/cmd/localkube", "up")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("localkube up: %w: %s", err, out)
	}
	return localkube.Attach(o)
}

// detach stops and removes the bench's own cluster.
func (e *env) detach() {
	if !e.own {
		return
	}
	if err := e.lk.Stop(); err != nil {
		e.log.Error("Stopping the bench's localkube failed", "err", err)
	}
	_ = os.RemoveAll(e.lk.Options().Dir)
}

// ensureCRDs applies config/crd when the MySQLCluster CRD is missing (an
// e2e run installs it with the chart).
func (e *env) ensureCRDs(ctx context.Context) error {
	var list v1alpha1.MySQLClusterList
	if err := e.c.List(ctx, &list, client.Limit(1)); err == nil {
		return nil
	}
	cmd := exec.CommandContext(ctx, filepath.Join(e.root, "bin", "kubectl"), "--kubeconfig", e.kubeconfig,
		"apply", "--server-side", "-f", filepath.Join(e.root, "config", "crd", "bases"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("applying the CRDs: %w: %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var list v1alpha1.MySQLClusterList
		if err := e.c.List(ctx, &list, client.Limit(1)); err == nil {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("the MySQLCluster CRD is not served 30 s after applying it")
}

// operatorPods selects the chart's operator Deployment and its pods.
var operatorPods = client.MatchingLabels{"app.kubernetes.io/name": "ordinal", "app.kubernetes.io/component": "operator"}

// pauseInClusterOperators scales every Deployment running the operator
// (the chart's labels) to 0: two operators must not
// reconcile the bench clusters. restore scales them back.
func (e *env) pauseInClusterOperators(ctx context.Context) error {
	var list appsv1.DeploymentList
	if err := e.c.List(ctx, &list, operatorPods); err != nil {
		return fmt.Errorf("listing operator deployments: %w", err)
	}
	for i := range list.Items {
		d := &list.Items[i]
		if ptr.Deref(d.Spec.Replicas, 1) == 0 {
			continue
		}
		e.paused[client.ObjectKeyFromObject(d)] = ptr.Deref(d.Spec.Replicas, 1)
		e.log.Info("Pausing the in-cluster operator", "deployment", d.Namespace+"/"+d.Name)
		patch := client.MergeFrom(d.DeepCopy())
		d.Spec.Replicas = ptr.To[int32](0)
		if err := e.c.Patch(ctx, d, patch); err != nil {
			return fmt.Errorf("scaling %s/%s to 0: %w", d.Namespace, d.Name, err)
		}
	}
	return e.waitNoOperatorPods(ctx)
}

func (e *env) waitNoOperatorPods(ctx context.Context) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var pods corev1.PodList
		if err := e.c.List(ctx, &pods, operatorPods); err != nil {
			return err
		}
		running := len(pods.Items)
		if running == 0 {
			return nil
		}
		if err := waitCtx(ctx, time.Second); err != nil {
			return err
		}
	}
	return fmt.Errorf("in-cluster operator pods still present after 2 minutes")
}

// restore scales the paused Deployments back.
func (e *env) restore(ctx context.Context) {
	for key, n := range e.paused {
		var d appsv1.Deployment
		if err := e.c.Get(ctx, key, &d); err != nil {
			e.log.Error("Restoring the in-cluster operator failed", "deployment", key, "err", err)
			continue
		}
		patch := client.MergeFrom(d.DeepCopy())
		d.Spec.Replicas = ptr.To(n)
		if err := e.c.Patch(ctx, &d, patch); err != nil {
			e.log.Error("Restoring the in-cluster operator failed", "deployment", key, "err", err)
			continue
		}
		e.log.Info("Restored the in-cluster operator", "deployment", key, "replicas", n)
		delete(e.paused, key)
	}
}

// createNamespaces makes the bench namespaces (existing ones are reused).
func (e *env) createNamespaces(ctx context.Context, names []string) error {
	for _, n := range names {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: map[string]string{"ordinal.dev/bench": "scale"}}}
		if err := e.c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", n, err)
		}
	}
	return nil
}

// deleteNamespaces deletes the bench namespaces and waits (at most
// timeout) until they are gone; the operator must still run (finalizers).
func (e *env) deleteNamespaces(ctx context.Context, names []string, timeout time.Duration) error {
	for _, n := range names {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}
		if err := e.c.Delete(ctx, ns); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		left := 0
		for _, n := range names {
			var ns corev1.Namespace
			if err := e.c.Get(ctx, client.ObjectKey{Name: n}, &ns); err == nil {
				left++
			}
		}
		if left == 0 {
			return nil
		}
		if err := waitCtx(ctx, 2*time.Second); err != nil {
			return err
		}
	}
	return fmt.Errorf("bench namespaces not gone after %s", timeout)
}
