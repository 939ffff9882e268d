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
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/bench/simmember"
)

// failover freezes r's primary in the simulator and returns the time until
// status.currentPrimary names another member AND the primary Service
// selects only that member's pod (what localkube's proxy routes to: it
// computes endpoints from the Service's selector and pod readiness). Then
// it thaws the old primary and waits until the cluster is Ready again.
func (e *env) failover(ctx context.Context, fleet *simmember.Fleet, r clusterRef) (time.Duration, error) {
	var c v1alpha1.MySQLCluster
	if err := e.c.Get(ctx, r.key(), &c); err != nil {
		return 0, err
	}
	old := c.Status.CurrentPrimary
	if got, err := e.primaryPods(ctx, r); err != nil || len(got) != 1 || got[0] != old {
		return 0, fmt.Errorf("%s before the failover: primary %q, the primary Service selects %v (%v)", r, old, got, err)
	}
	if err := fleet.Freeze(r.ns + "/" + old); err != nil {
		return 0, err
	}
	began := time.Now()
	defer func() { _ = fleet.Thaw(r.ns + "/" + old) }()
	took, err := e.waitNewPrimary(ctx, r, old, began)
	if err != nil {
		return 0, err
	}
	_ = fleet.Thaw(r.ns + "/" + old)
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if err := e.c.Get(ctx, r.key(), &c); err == nil && clusterReady(&c) {
			return took, nil
		}
		if err := waitCtx(ctx, time.Second); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("%s not Ready again 3 minutes after its failover", r)
}

func (e *env) waitNewPrimary(ctx context.Context, r clusterRef, old string, began time.Time) (time.Duration, error) {
	deadline := began.Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var c v1alpha1.MySQLCluster
		if err := e.c.Get(ctx, r.key(), &c); err == nil {
			now := c.Status.CurrentPrimary
			if now != "" && now != old {
				if got, err := e.primaryPods(ctx, r); err == nil && len(got) == 1 && got[0] == now {
					return time.Since(began), nil
				}
			}
		}
		if err := waitCtx(ctx, 100*time.Millisecond); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("%s: no new primary behind the primary Service 2 minutes after freezing %s", r, old)
}

// primaryPods are the ready, not terminating pods the primary Service
// selects, sorted.
func (e *env) primaryPods(ctx context.Context, r clusterRef) ([]string, error) {
	var svc corev1.Service
	if err := e.c.Get(ctx, client.ObjectKey{Namespace: r.ns, Name: r.name + "-primary"}, &svc); err != nil {
		return nil, err
	}
	if len(svc.Spec.Selector) == 0 {
		return nil, fmt.Errorf("service %s-primary has no selector", r.name)
	}
	var pods corev1.PodList
	if err := e.c.List(ctx, &pods, client.InNamespace(r.ns), client.MatchingLabels(svc.Spec.Selector)); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Status.PodIP != "" && podReady(&p) {
			out = append(out, p.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// durations formats a list of durations in seconds for logs.
func durations(ds []float64) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.2fs", d)
	}
	return strings.Join(parts, " ")
}
