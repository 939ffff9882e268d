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
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/localkube/node"
)

// clusterRef names bench cluster i (0-based): spread over the namespaces.
type clusterRef struct{ ns, name string }

func (r clusterRef) key() client.ObjectKey { return client.ObjectKey{Namespace: r.ns, Name: r.name} }

func (r clusterRef) String() string { return r.ns + "/" + r.name }

func refOf(namespaces []string, i int) clusterRef {
	return clusterRef{ns: namespaces[i%len(namespaces)], name: fmt.Sprintf("c%04d", i)}
}

// benchCluster is a 3-member MariaDB cluster on the hollow node, without
// backups, with the smallest storage, and without TLS: the simulated members
// answer plain SQL (the cost of TLS is measured on real servers).
func benchCluster(r clusterRef) *v1alpha1.MySQLCluster {
	size := resource.MustParse("16Mi")
	return &v1alpha1.MySQLCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: r.ns, Name: r.name},
		Spec: v1alpha1.MySQLClusterSpec{
			Replicas: ptr.To[int32](3),
			Engine:   v1alpha1.Engine{Flavor: v1alpha1.FlavorMariaDB, Version: "11.4"},
			Storage:  v1alpha1.Storage{Size: &size, StorageClassName: ptr.To(benchStorageClass)},
			TLS:      v1alpha1.TLS{Enabled: ptr.To(false)},
			Pod: v1alpha1.PodOverrides{
				NodeSelector: map[string]string{node.HollowLabel: "true"},
				Tolerations:  []corev1.Toleration{{Key: node.HollowTaint, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			},
		},
	}
}

// createClusters creates clusters [from, to) with a pool of workers.
func (e *env) createClusters(ctx context.Context, namespaces []string, from, to, workers int) error {
	jobs := make(chan int)
	errs := make(chan error, to-from)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				err := e.c.Create(ctx, benchCluster(refOf(namespaces, i)))
				if err != nil && !apierrors.IsAlreadyExists(err) {
					errs <- fmt.Errorf("creating %s: %w", refOf(namespaces, i), err)
				}
			}
		}()
	}
	for i := from; i < to; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs // nil when none failed
}

// waitReady waits until clusters [0, n) are all Ready, at most timeout; it
// logs progress every 30 s.
func (e *env) waitReady(ctx context.Context, namespaces []string, n int, timeout time.Duration) error {
	deadline, lastLog := time.Now().Add(timeout), time.Now()
	for {
		ready, err := e.countReady(ctx, namespaces, n)
		if err != nil {
			// An apiserver busy with thousands of writes may reset a stream: look again.
			e.log.Warn("Counting Ready clusters failed", "err", err)
			ready = 0
		}
		if ready >= n {
			return nil
		}
		if time.Since(lastLog) > 30*time.Second {
			e.log.Info("Waiting for clusters to be Ready", "ready", ready, "of", n)
			lastLog = time.Now()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d clusters Ready after %s", ready, n, timeout)
		}
		if err := waitCtx(ctx, 2*time.Second); err != nil {
			return err
		}
	}
}

func (e *env) countReady(ctx context.Context, namespaces []string, n int) (int, error) {
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		want[refOf(namespaces, i).String()] = true
	}
	ready := 0
	for _, ns := range namespaces {
		var list v1alpha1.MySQLClusterList
		if err := e.c.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return 0, err
		}
		for _, c := range list.Items {
			if want[c.Namespace+"/"+c.Name] && clusterReady(&c) {
				ready++
			}
		}
	}
	return ready, nil
}

// clusterReady: Ready, every member ready, the status up to date.
func clusterReady(c *v1alpha1.MySQLCluster) bool {
	return meta.IsStatusConditionTrue(c.Status.Conditions, v1alpha1.ConditionReady) &&
		c.Status.ReadyMembers == 3 && c.Status.CurrentPrimary != "" && c.Status.ObservedGeneration == c.Generation
}
