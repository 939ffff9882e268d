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
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// writeStatus rebuilds status from the observed world and writes it only when it differs from
// the status last written or read (w.written), with an optimistic lock: a status based on an older
// read is never written over a newer one.
func (r *ClusterReconciler) writeStatus(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	next := clusterStatus(c, w)
	if equality.Semantic.DeepEqual(w.written.Status, next) {
		return nil
	}
	c.Status = next
	patch := client.MergeFromWithOptions(w.written, client.MergeFromWithOptimisticLock{})
	if err := r.Status().Patch(ctx, c, patch); err != nil {
		return fmt.Errorf("patch status of %s: %w", c.Name, err)
	}
	w.written = c.DeepCopy()
	return nil
}

// clusterStatus is the status the observed world implies. Conditions keep their transition times
// while their status does not change.
func clusterStatus(c *v1alpha1.MySQLCluster, w *world) v1alpha1.MySQLClusterStatus {
	desiredN := c.DesiredReplicas()
	s := v1alpha1.MySQLClusterStatus{
		ObservedGeneration:      c.Generation,
		Conditions:              append([]metav1.Condition(nil), c.Status.Conditions...),
		CurrentPrimary:          c.Status.CurrentPrimary,
		PrimaryUnreachableSince: c.Status.PrimaryUnreachableSince,
		Selector:                labels.SelectorFromSet(desired.SelectorLabels(c)).String(),
		Members:                 members(c, w),
		CompletedSwitchover:     c.Status.CompletedSwitchover,
		Backup:                  backupStatus(c, w),
		Config:                  configStatus(c, w),
		TLS:                     tlsStatus(c, w),
	}
	for _, m := range s.Members {
		if m.Ready {
			s.ReadyMembers++
		}
	}
	s.Replicas = int32(len(w.pods))
	s.MembersSummary = fmt.Sprintf("%d/%d", s.ReadyMembers, desiredN)
	for _, cond := range conditions(c, w) {
		cond.ObservedGeneration = c.Generation
		meta.SetStatusCondition(&s.Conditions, cond)
	}
	setBackupsReady(c, w, &s.Conditions)
	return s
}

// members is the topology engine's per-member summary, as API status. Where a member's errant
// binary logs were kept aside is carried over while the member exists.
func members(c *v1alpha1.MySQLCluster, w *world) []v1alpha1.MemberStatus {
	tms := topology.Members(w.topology)
	out := make([]v1alpha1.MemberStatus, 0, len(tms))
	received := map[string]string{}
	for _, m := range w.topology.Members {
		if extra := m.Received.Subtract(m.Executed); !extra.IsEmpty() {
			received[m.Name] = extra.String()
		}
	}
	for _, m := range tms {
		ms := v1alpha1.MemberStatus{
			Name: m.Name, Role: string(m.Role), Ready: m.Ready, Serving: m.Serving,
			GTIDExecuted: m.Executed, GTIDReceived: received[m.Name], Errant: m.Errant, ErrantTransactions: m.ErrantTransactions,
			Message: m.Message, KeptAside: previousStatus(c, m.Name).KeptAside,
		}
		if st := answered(w, m.Name); st != nil {
			ms.SemiSync = semiSyncSummary(m.Role == topology.RolePrimary, st.SemiSync)
		}
		if kept := w.keptAside[m.Name]; kept != "" {
			ms.KeptAside = kept
		}
		if m.LagKnown {
			lag := int64(m.Lag / time.Second)
			ms.LagSeconds = &lag
		}
		out = append(out, ms)
	}
	return out
}

// conditions derives the kstatus conditions (Ready, Reconciling, Stalled) and Available/Degraded
// from the topology engine's health summary and the rollout of the StatefulSet.
func conditions(c *v1alpha1.MySQLCluster, w *world) []metav1.Condition {
	h := topology.ClusterHealth(w.topology)
	ready := h.Ready
	switch {
	case w.blocker != nil:
		ready = topology.Condition{Reason: w.blocker.Reason, Message: w.blocker.Message}
	case w.tls.problem != nil:
		ready = topology.Condition{Reason: w.tls.problem.Reason, Message: w.tls.problem.Message}
	case w.tls.pending != nil:
		ready = topology.Condition{Reason: w.tls.pending.Reason, Message: w.tls.pending.Message}
	case w.volumeSeed.problem != nil:
		ready = topology.Condition{Reason: w.volumeSeed.problem.Reason, Message: w.volumeSeed.problem.Message}
	case w.volumeSeed.pending != nil:
		ready = topology.Condition{Reason: w.volumeSeed.pending.Reason, Message: w.volumeSeed.pending.Message}
	case w.applyErr != nil:
		ready = topology.Condition{Reason: "ApplyFailed", Message: w.applyErr.Error()}
	case w.stepErr != nil:
		ready = topology.Condition{Reason: "StepFailed", Message: w.stepErr.Error()}
	case ready.Status && !rolledOut(c, w):
		ready = topology.Condition{Reason: "RollingOut", Message: "StatefulSet " + c.StatefulSetName() + " is rolling out"}
	}
	conds := []metav1.Condition{
		fromTopology(v1alpha1.ConditionAvailable, h.Available),
		fromTopology(v1alpha1.ConditionDegraded, h.Degraded),
		fromTopology(v1alpha1.ConditionReady, ready),
	}
	stalled := stalledCondition(w)
	conds = append(conds, fromTopology(v1alpha1.ConditionStalled, stalled))
	reconciling := topology.Condition{Status: !ready.Status && !stalled.Status, Reason: "Reconciled", Message: "the cluster matches its spec"}
	switch {
	case stalled.Status:
		reconciling.Reason, reconciling.Message = stalled.Reason, "waiting for the user: "+stalled.Message
	case reconciling.Status:
		reconciling.Reason, reconciling.Message = "Progressing", ready.Message
	}
	return append(conds, fromTopology(v1alpha1.ConditionReconciling, reconciling))
}

// stalledCondition is True when the operator cannot go on without the user.
func stalledCondition(w *world) topology.Condition {
	switch {
	case w.blocker != nil:
		return topology.Condition{Status: true, Reason: w.blocker.Reason, Message: w.blocker.Message}
	case w.step.Kind == topology.Refuse:
		return topology.Condition{Status: true, Reason: "PromotionRefused", Message: w.step.Reason}
	case w.tls.problem != nil:
		return topology.Condition{Status: true, Reason: w.tls.problem.Reason, Message: w.tls.problem.Message}
	case w.volumeSeed.problem != nil:
		return topology.Condition{Status: true, Reason: w.volumeSeed.problem.Reason, Message: w.volumeSeed.problem.Message}
	case needsUser(w.applyErr):
		return topology.Condition{Status: true, Reason: "ApplyRefused", Message: w.applyErr.Error()}
	}
	return topology.Condition{Reason: "Progressing", Message: "the operator can make progress"}
}

// needsUser reports whether the API server refused a child object for a reason only a change of
// the spec or of the Kubernetes cluster can fix (e.g. a storage class without volume expansion).
func needsUser(err error) bool {
	return err != nil && (apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsBadRequest(err))
}

func fromTopology(t string, tc topology.Condition) metav1.Condition {
	st := metav1.ConditionFalse
	if tc.Status {
		st = metav1.ConditionTrue
	}
	reason := tc.Reason
	if reason == "" {
		reason = "Unknown"
	}
	return metav1.Condition{Type: t, Status: st, Reason: reason, Message: tc.Message}
}

// rolledOut is true when the StatefulSet controller has seen the latest StatefulSet spec, created
// every member, and every member runs its template: a rolling restart is not over between two
// members (kstatus would read Current there, and a GitOps tool would move on too early). A
// template applied in this pass has not rolled out either.
func rolledOut(c *v1alpha1.MySQLCluster, w *world) bool {
	sts := w.statefulSet
	if sts == nil || w.templateChanging || sts.Status.ObservedGeneration < sts.Generation ||
		sts.Status.Replicas != c.DesiredReplicas() || sts.Status.UpdatedReplicas != sts.Status.Replicas {
		return false
	}
	for _, m := range w.topology.Members {
		if m.Outdated {
			return false
		}
	}
	return true
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

// answered is the SQL status of the named member, nil when it did not answer this pass.
func answered(w *world, name string) *mysql.Status {
	for _, m := range w.members {
		if m.name == name {
			return m.status
		}
	}
	return nil
}

// semiSyncSummary says how a member takes part in semi-synchronous replication.
func semiSyncSummary(primary bool, s mysql.SemiSync) string {
	switch {
	case primary && s.SourceEnabled:
		return fmt.Sprintf("waiting, %d replicas acknowledging", s.SourceClients)
	case primary:
		return "off"
	case s.ReplicaActive:
		return "acknowledging"
	case s.ReplicaEnabled:
		return "enabled, not acknowledging"
	}
	return "off"
}
