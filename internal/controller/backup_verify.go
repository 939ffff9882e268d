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
	"encoding/json"
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// verify runs the verification Job of a succeeded backup when the cluster asks for it, and
// records its outcome.
func (r *BackupReconciler) verify(ctx context.Context, b *v1alpha1.MySQLBackup) time.Duration {
	v := b.Status.Verification
	if v != nil && v.Phase != v1alpha1.VerificationRunning {
		return 0
	}
	c := &v1alpha1.MySQLCluster{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: b.Namespace, Name: b.Spec.Cluster}, c); err != nil ||
		!verifyEnabled(c) {
		return 0 // nothing to verify against; the backup itself stands
	}
	job := &batchv1.Job{}
	err := r.Get(ctx, client.ObjectKey{Namespace: b.Namespace, Name: desired.VerifyJobName(b.Name)}, job)
	if isGone(err) {
		return r.createVerifyJob(ctx, c, b)
	}
	if err != nil {
		return backupPoll
	}
	return r.verifyOutcome(ctx, b, job)
}

func (r *BackupReconciler) createVerifyJob(ctx context.Context, c *v1alpha1.MySQLCluster, b *v1alpha1.MySQLBackup) time.Duration {
	job := desired.VerifyJob(c, b, r.Options)
	if err := controllerutil.SetControllerReference(b, job, r.Scheme); err != nil {
		return backupPoll
	}
	if _, err := (applier{client: r.Client}).apply(ctx, job, nil); err != nil {
		r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, "VerificationFailed", "Verify", "create Job: %v", err)
		return stalledRetry
	}
	b.Status.Verification = &v1alpha1.Verification{Phase: v1alpha1.VerificationRunning, Job: job.Name,
		Message: "restoring the backup into a throwaway instance"}
	return backupPoll
}

// verifyOutcome reads the finished Job: its pod's termination message is the check's report.
func (r *BackupReconciler) verifyOutcome(ctx context.Context, b *v1alpha1.MySQLBackup, job *batchv1.Job) time.Duration {
	done := func(t batchv1.JobConditionType) bool {
		for _, c := range job.Status.Conditions {
			if c.Type == t && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	}
	v := &v1alpha1.Verification{Phase: v1alpha1.VerificationRunning, Job: job.Name,
		Message: "restoring the backup into a throwaway instance"}
	switch {
	case done(batchv1.JobComplete):
		v.Phase, v.Message = v1alpha1.VerificationVerified, r.report(ctx, job, "the restored backup checked out")
		r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "BackupVerified", "Verify", "%s", v.Message)
	case done(batchv1.JobFailed) && r.storeUnavailable(ctx, job):
		return r.verifyAgain(ctx, b, job, r.report(ctx, job, ""))
	case done(batchv1.JobFailed):
		v.Phase, v.Message = v1alpha1.VerificationFailed, r.report(ctx, job, "the verification Job failed: see its logs")
		r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, "BackupVerificationFailed", "Verify", "%s", v.Message)
	default:
		b.Status.Verification = v
		return backupPoll
	}
	now := metav1.NewTime(r.now())
	v.CompletionTime = &now
	b.Status.Verification = v
	return 0
}

// verifyAgain deletes a verification Job that could not read the store, so that the next pass
// runs it again: nothing was learnt of the backup.
func (r *BackupReconciler) verifyAgain(ctx context.Context, b *v1alpha1.MySQLBackup, job *batchv1.Job, why string) time.Duration {
	if err := r.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground)); client.IgnoreNotFound(err) != nil {
		return stalledRetry
	}
	b.Status.Verification = &v1alpha1.Verification{Phase: v1alpha1.VerificationRunning, Job: job.Name,
		Message: "the store could not be read; verifying again: " + why}
	r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, "VerificationDeferred", "Verify", "%s", b.Status.Verification.Message)
	return stalledRetry
}

// storeUnavailable says a failed verification Job could not read the store.
func (r *BackupReconciler) storeUnavailable(ctx context.Context, job *batchv1.Job) bool {
	t := r.verifyTerminated(ctx, job)
	if t == nil {
		return false
	}
	res, _ := parseReport(t.Message)
	return res.StoreUnavailable
}

// report is what the verify container said: the message of its JSON result line when there
// is one, else the end of its termination message (where the error is), else fallback.
func (r *BackupReconciler) report(ctx context.Context, job *batchv1.Job, fallback string) string {
	if t := r.verifyTerminated(ctx, job); t != nil && strings.TrimSpace(t.Message) != "" {
		return reportOf(t.Message)
	}
	return fallback
}

// verifyTerminated is the verify container's terminated state, nil when none is known.
func (r *BackupReconciler) verifyTerminated(ctx context.Context, job *batchv1.Job) *corev1.ContainerStateTerminated {
	pods := &corev1.PodList{}
	if err := r.List(ctx, pods, client.InNamespace(job.Namespace), client.MatchingLabels{"job-name": job.Name}); err != nil {
		return nil
	}
	for _, p := range pods.Items {
		for _, s := range p.Status.ContainerStatuses {
			if s.Name == desired.ContainerVerify && s.State.Terminated != nil {
				return s.State.Terminated
			}
		}
	}
	return nil
}

// verifyReport is the part of "ordinal verify-backup"'s JSON result line the operator reads.
type verifyReport struct {
	Message          string `json:"message"`
	StoreUnavailable bool   `json:"storeUnavailable"`
}

// parseReport finds the JSON result line in a termination message.
func parseReport(msg string) (verifyReport, bool) {
	for _, line := range strings.Split(msg, "\n") {
		var res verifyReport
		if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &res) == nil && res.Message != "" {
			return res, true
		}
	}
	return verifyReport{}, false
}

// reportOf is the result line's message, else the message's last 1 KiB.
func reportOf(msg string) string {
	if res, ok := parseReport(msg); ok {
		return res.Message
	}
	msg = strings.TrimSpace(msg)
	if len(msg) > 1024 {
		return "…" + msg[len(msg)-1024:]
	}
	return msg
}

// setBackupConditions derives the conditions from the phase: Ready (kstatus) once succeeded,
// Stalled once failed, Reconciling meanwhile; Complete, Failed and Verified say the outcome.
func setBackupConditions(b *v1alpha1.MySQLBackup, now time.Time) {
	s := &b.Status
	set := func(t string, ok bool, reason, msg string) {
		st := metav1.ConditionFalse
		if ok {
			st = metav1.ConditionTrue
		}
		meta.SetStatusCondition(&s.Conditions, metav1.Condition{Type: t, Status: st, Reason: reason, Message: msg,
			ObservedGeneration: b.Generation, LastTransitionTime: metav1.NewTime(now)})
	}
	succeeded, failed := s.Phase == v1alpha1.BackupSucceeded, s.Phase == v1alpha1.BackupFailed
	reason := map[bool]string{true: s.Phase, false: "InProgress"}[succeeded || failed]
	set(v1alpha1.ConditionReady, succeeded, reason, s.Error)
	set(v1alpha1.ConditionComplete, succeeded, reason, "")
	set(v1alpha1.ConditionFailed, failed, reason, s.Error)
	set(v1alpha1.ConditionStalled, failed, reason, s.Error)
	set(v1alpha1.ConditionReconciling, !succeeded && !failed, reason, fmt.Sprintf("phase %s", orPending(s.Phase)))
	if v := s.Verification; v != nil && v.Phase != v1alpha1.VerificationRunning {
		set(v1alpha1.ConditionVerified, v.Phase == v1alpha1.VerificationVerified, v.Phase, v.Message)
	}
}

func orPending(p string) string {
	if p == "" {
		return v1alpha1.BackupPending
	}
	return p
}
