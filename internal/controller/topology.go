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
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// Requeue intervals: SQL-level changes (a broken replica, a lost primary) raise no Kubernetes
// event, so a healthy cluster is still looked at regularly.
const (
	steadyPoll   = 5 * time.Second
	progressPoll = 500 * time.Millisecond
)

// unreachableClock remembers since when each cluster's primary has failed the SQL probe. It is in
// memory: an operator restart restarts the failover delay, which errs on the safe side.
type unreachableClock struct {
	mu    sync.Mutex
	since map[types.UID]unreachableSince
}

type unreachableSince struct {
	primary string
	at      time.Time
}

// observe records whether the primary answered and returns for how long it has not.
func (u *unreachableClock) observe(uid types.UID, primary string, reachable bool, now time.Time) time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.since == nil {
		u.since = map[types.UID]unreachableSince{}
	}
	if primary == "" || reachable {
		delete(u.since, uid)
		return 0
	}
	s, ok := u.since[uid]
	if !ok || s.primary != primary {
		s = unreachableSince{primary: primary, at: now}
		u.since[uid] = s
	}
	return max(now.Sub(s.at), time.Nanosecond)
}

// observeMembers builds the member list and, when credentials exist, probes each server.
func (r *ClusterReconciler) observeMembers(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) ([]*member, error) {
	pvcs, err := r.dataVolumes(ctx, c)
	if err != nil {
		return nil, err
	}
	byName := map[string]*corev1.Pod{}
	for i := range w.pods {
		byName[w.pods[i].Name] = &w.pods[i]
	}
	var ms []*member
	for _, i := range memberOrdinals(c, w.pods, pvcs) {
		ms = append(ms, &member{ordinal: i, name: c.PodName(i), pod: byName[c.PodName(i)], hasPVC: pvcs[c.PVCName(i)]})
	}
	if w.secret != nil && w.blocker == nil {
		r.probeMembers(ctx, c, ms, string(w.secret.Data[v1alpha1.SecretKeyOperatorPassword]))
	}
	return ms, nil
}

// reconcileTopology decides and executes one topology step. It records a promotion in status.
func (r *ClusterReconciler) reconcileTopology(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	step := topology.Decide(w.topology)
	w.step = step
	if step.Kind == topology.Wait {
		return r.applyRoles(ctx, c, w)
	}
	if step.Kind == topology.Refuse {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "PromotionRefused", "Decide", step.Reason)
		return r.applyRoles(ctx, c, w)
	}
	logf(ctx)("Topology step", "kind", step.Kind, "target", step.Target, "source", step.Source, "rule", step.Rule, "reason", step.Reason)
	a := actor{r: r, c: c, members: membersByName(w.members), secret: w.secret}
	promoted, err := a.run(ctx, step)
	if err != nil {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "StepFailed", string(step.Kind), "%s %s: %v", step.Kind, step.Target, err)
		return fmt.Errorf("%s %s: %w", step.Kind, step.Target, err)
	}
	w.acted = true
	r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, string(step.Kind), string(step.Kind), "%s", step.Reason)
	if promoted {
		c.Status.CurrentPrimary = step.Target
		if to := c.Annotations[v1alpha1.AnnotationSwitchoverTo]; to == step.Target {
			c.Status.CompletedSwitchover = to
		}
	}
	return nil
}

// applyRoles labels each pod with its role and whether it serves reads; the Services select on
// these labels. Pods whose labels already match are not written.
func (r *ClusterReconciler) applyRoles(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	byName := membersByName(w.members)
	for _, as := range topology.Roles(w.topology) {
		m := byName[as.Name]
		if m == nil || m.pod == nil || !m.pod.DeletionTimestamp.IsZero() {
			continue
		}
		serving := "false"
		if as.Serving {
			serving = "true"
		}
		if m.pod.Labels[v1alpha1.LabelRole] == string(as.Role) && m.pod.Labels[v1alpha1.LabelServing] == serving {
			continue
		}
		patch := client.MergeFrom(m.pod.DeepCopy())
		if m.pod.Labels == nil {
			m.pod.Labels = map[string]string{}
		}
		m.pod.Labels[v1alpha1.LabelRole], m.pod.Labels[v1alpha1.LabelServing] = string(as.Role), serving
		if err := r.Patch(ctx, m.pod, patch); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("label pod %s: %w", m.name, err)
		}
		logf(ctx)("Labelled Pod", "name", m.name, "role", as.Role, "serving", serving)
	}
	return nil
}

func membersByName(ms []*member) map[string]*member {
	out := make(map[string]*member, len(ms))
	for _, m := range ms {
		out[m.name] = m
	}
	return out
}

// requeueAfter says when to look at the cluster again.
func requeueAfter(w *world) time.Duration {
	switch {
	case w.blocker != nil:
		return stalledRetry
	case w.acted:
		return progressPoll
	case w.step.After > 0:
		return min(w.step.After, steadyPoll)
	}
	return steadyPoll
}

// opener is the source of SQL connections (a fake in unit tests).
func (r *ClusterReconciler) opener() mysql.Opener {
	if r.Opener != nil {
		return r.Opener
	}
	return mysql.DefaultOpener
}
