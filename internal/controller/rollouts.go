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

package controller

import (
	"context"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// rolloutGate lets one cluster at a time roll out a pod template the operator changed on its own,
// i.e. an operator upgrade that needs new pods: a bad version then stops at the first cluster
// instead of restarting every database at once. Changes a user asked for never wait here. The
// gate lives in the leader's memory: a new leader finishes the rollouts already applied and
// queues the rest again.
type rolloutGate struct {
	mu     sync.Mutex
	holder string // namespace/name of the cluster rolling out, "" when none
}

// acquire gives the gate to key if it is free or already key's; it returns the holder.
func (g *rolloutGate) acquire(key string) (bool, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.holder == "" {
		g.holder = key
	}
	return g.holder == key, g.holder
}

// release frees the gate if key holds it.
func (g *rolloutGate) release(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.holder == key {
		g.holder = ""
	}
}

// gateStatefulSet decides whether the operator's own template change of sts may be applied now.
// It returns false, and the pass leaves the pods' template and config alone, while another
// cluster rolls out.
func (r *ClusterReconciler) gateStatefulSet(ctx context.Context, c *v1alpha1.MySQLCluster, sts *appsv1.StatefulSet, w *world) bool {
	change := desired.CompareTemplates(sts, w.statefulSet)
	w.templateCurrent = w.statefulSet != nil && change == desired.TemplateUnchanged
	w.templateChanging = change != desired.TemplateUnchanged
	if change != desired.TemplateChangedByOperator {
		return true
	}
	key := c.Namespace + "/" + c.Name
	ok, holder := r.rollouts.acquire(key)
	if !ok {
		logf(ctx)("Operator's pod template change waits for another cluster's rollout", "rollingOut", holder)
		w.templateChanging = false // the pods keep their template meanwhile: the cluster stays Ready
		return false
	}
	r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "OperatorRollout", "RollOut",
		"this operator version changes the pod template: members restart in order, one cluster at a time")
	return true
}

// releaseRollout frees the gate once the cluster's pods all run the template applied before this
// pass and the cluster is ready again.
func (r *ClusterReconciler) releaseRollout(c *v1alpha1.MySQLCluster, w *world) {
	if !w.templateCurrent || !rolledOut(c, w) {
		return
	}
	for _, m := range w.topology.Members {
		if !m.PodReady {
			return
		}
	}
	r.rollouts.release(c.Namespace + "/" + c.Name)
}
