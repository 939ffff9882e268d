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

// report is the verify container's termination message, else fallback.
func (r *BackupReconciler) report(ctx context.Context, job *batchv1.Job, fallback string) string {
	pods := &corev1.PodList{}
	if err := r.List(ctx, pods, client.InNamespace(job.Namespace), client.MatchingLabels{"job-name": job.Name}); err != nil {
		return fallback
	}
	for _, p := range pods.Items {
		for _, s := range p.Status.ContainerStatuses {
			if t := s.State.Terminated; s.Name == desired.ContainerVerify && t != nil && strings.TrimSpace(t.Message) != "" {
				return truncate(strings.TrimSpace(t.Message), 1024)
			}
		}
	}
	return fallback
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
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
