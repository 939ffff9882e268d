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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// writeStatus rebuilds status from the observed world and writes it only when it changed.
func (r *ClusterReconciler) writeStatus(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	next := clusterStatus(c, w)
	if equality.Semantic.DeepEqual(c.Status, next) {
		return nil
	}
	before := c.DeepCopy()
	c.Status = next
	if err := r.Status().Patch(ctx, c, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("patch status of %s: %w", c.Name, err)
	}
	w.writes++
	return nil
}

// clusterStatus is the status the observed world implies. Conditions keep their transition times
// while their status does not change.
func clusterStatus(c *v1alpha1.MySQLCluster, w *world) v1alpha1.MySQLClusterStatus {
	desiredN := c.DesiredReplicas()
	s := v1alpha1.MySQLClusterStatus{
		ObservedGeneration: c.Generation,
		Conditions:         append([]metav1.Condition(nil), c.Status.Conditions...),
		CurrentPrimary:     c.Status.CurrentPrimary,
		Selector:           labels.SelectorFromSet(desired.SelectorLabels(c)).String(),
		Members:            members(c, w),
	}
	for _, m := range s.Members {
		if m.Ready {
			s.ReadyMembers++
		}
	}
	s.Replicas = int32(len(w.pods))
	s.MembersSummary = fmt.Sprintf("%d/%d", s.ReadyMembers, desiredN)
	for _, cond := range conditions(c, w, &s) {
		cond.ObservedGeneration = c.Generation
		meta.SetStatusCondition(&s.Conditions, cond)
	}
	return s
}

// members has one entry per existing member pod, in ordinal order.
func members(c *v1alpha1.MySQLCluster, w *world) []v1alpha1.MemberStatus {
	out := make([]v1alpha1.MemberStatus, 0, len(w.pods))
	for i := range w.pods {
		p := &w.pods[i]
		role := p.Labels[v1alpha1.LabelRole]
		if role == "" {
			role = v1alpha1.RoleUnknown
		}
		out = append(out, v1alpha1.MemberStatus{Name: p.Name, Role: role, Ready: podReady(p)})
	}
	return out
}

// conditions derives the kstatus conditions (Ready, Reconciling, Stalled) and Available/Degraded.
func conditions(c *v1alpha1.MySQLCluster, w *world, s *v1alpha1.MySQLClusterStatus) []metav1.Condition {
	available := primaryServing(s)
	ready := w.blocker == nil && available && rolledOut(c, w) && s.ReadyMembers == c.DesiredReplicas()
	conds := []metav1.Condition{
		cond(v1alpha1.ConditionAvailable, available, "PrimaryServing", "NoPrimary",
			"a writable primary serves "+c.PrimaryServiceName(), "no ready primary yet"),
		cond(v1alpha1.ConditionDegraded, int32(len(w.pods)) > s.ReadyMembers, "MembersNotReady", "AllMembersReady",
			fmt.Sprintf("%d of %d members are not ready", int32(len(w.pods))-s.ReadyMembers, len(w.pods)),
			"every member is ready"),
		cond(v1alpha1.ConditionReady, ready, "ClusterReady", "NotReady",
			fmt.Sprintf("%d/%d members ready", s.ReadyMembers, c.DesiredReplicas()), notReadyMessage(c, w, s)),
	}
	if w.blocker != nil {
		conds = append(conds,
			metav1.Condition{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue,
				Reason: w.blocker.Reason, Message: w.blocker.Message},
			metav1.Condition{Type: v1alpha1.ConditionReconciling, Status: metav1.ConditionFalse,
				Reason: w.blocker.Reason, Message: "waiting for the user: " + w.blocker.Message})
		return conds
	}
	return append(conds,
		cond(v1alpha1.ConditionStalled, false, "", "Progressing", "", "the operator can make progress"),
		cond(v1alpha1.ConditionReconciling, !ready, "RollingOut", "Reconciled",
			notReadyMessage(c, w, s), "the cluster matches its spec"))
}

func cond(t string, ok bool, trueReason, falseReason, trueMsg, falseMsg string) metav1.Condition {
	if ok {
		return metav1.Condition{Type: t, Status: metav1.ConditionTrue, Reason: trueReason, Message: trueMsg}
	}
	return metav1.Condition{Type: t, Status: metav1.ConditionFalse, Reason: falseReason, Message: falseMsg}
}

// notReadyMessage says what the cluster is waiting for.
func notReadyMessage(c *v1alpha1.MySQLCluster, w *world, s *v1alpha1.MySQLClusterStatus) string {
	switch {
	case w.blocker != nil:
		return w.blocker.Message
	case !rolledOut(c, w):
		return "StatefulSet " + c.StatefulSetName() + " is rolling out"
	case s.ReadyMembers < c.DesiredReplicas():
		return fmt.Sprintf("%d/%d members ready", s.ReadyMembers, c.DesiredReplicas())
	case !primaryServing(s):
		return "no ready primary yet"
	}
	return "ready"
}

// rolledOut is true when the StatefulSet controller has seen the latest StatefulSet spec and
// created every member.
func rolledOut(c *v1alpha1.MySQLCluster, w *world) bool {
	sts := w.statefulSet
	return sts != nil && sts.Status.ObservedGeneration >= sts.Generation &&
		sts.Status.Replicas == c.DesiredReplicas()
}

// primaryServing is true when status names a primary and that member is ready.
func primaryServing(s *v1alpha1.MySQLClusterStatus) bool {
	for _, m := range s.Members {
		if m.Name == s.CurrentPrimary && m.Role == v1alpha1.RolePrimary && m.Ready {
			return true
		}
	}
	return false
}

func podReady(p *corev1.Pod) bool {
	if !p.DeletionTimestamp.IsZero() {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
