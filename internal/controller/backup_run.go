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
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/metrics"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// start checks the store, then asks a member's agent to take the backup.
func (r *BackupReconciler) start(ctx context.Context, c *v1alpha1.MySQLCluster, b *v1alpha1.MySQLBackup) time.Duration {
	store, err := storeOf(ctx, r.APIReader, c, c.Spec.Backup.Store)
	if err != nil {
		return r.waiting(b, "StoreCredentials", err.Error())
	}
	if reason, err := checkStore(ctx, store); err != nil {
		// Not a member's fault: another member would fail the same way.
		r.fail(b, "Store"+string(reason), err.Error())
		return 0
	}
	pod, err := r.pickMember(ctx, c, b)
	if err != nil {
		return r.waiting(b, "NoMember", err.Error())
	}
	agent, err := operatorAgent(ctx, r.APIReader, c, pod, agentCallTimeout)
	if err != nil {
		return r.waiting(b, "Credentials", err.Error())
	}
	req := agentapi.StoreBackupRequest{Name: b.Name, Namespace: c.Namespace, Cluster: c.Name, Store: store,
		Checksums: verifyEnabled(c)}
	if _, err := agent.StartStoreBackup(ctx, agentAddr(pod), req); agentapi.IsBusy(err) {
		// Another backup (or a seed) runs there: no attempt lost, wait for it.
		return r.waiting(b, "MemberBusy", fmt.Sprintf("%s is taking another backup: %v", pod.Name, err))
	} else if err != nil {
		return r.attemptFailed(b, pod.Name, err.Error())
	}
	now := metav1.NewTime(r.now())
	b.Status.Phase, b.Status.Member, b.Status.StartTime, b.Status.Error = v1alpha1.BackupRunning, pod.Name, &now, ""
	b.Status.Key = desired.StorePrefix(c, c.Spec.Backup.Store) + "/" + backup.DataKey(b.Name)
	r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "BackupStarted", "Backup", "taking the backup from %s", pod.Name)
	return backupPoll
}

// checkStore says whether the credentials work and the bucket exists.
func checkStore(ctx context.Context, s agentapi.Store) (objstore.Reason, error) {
	b, err := objstore.New(s.Config())
	if err != nil {
		return objstore.ReasonOther, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := b.Check(ctx); err != nil {
		return objstore.Classify(err), err
	}
	return "", nil
}

// follow asks the member's agent how the backup is going.
func (r *BackupReconciler) follow(ctx context.Context, c *v1alpha1.MySQLCluster, b *v1alpha1.MySQLBackup) time.Duration {
	pod := &corev1.Pod{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: b.Status.Member}, pod); err != nil {
		return r.attemptFailed(b, b.Status.Member, fmt.Sprintf("its pod is gone: %v", err))
	}
	agent, err := operatorAgent(ctx, r.APIReader, c, pod, agentCallTimeout)
	if err != nil {
		return backupPoll
	}
	job, err := agent.StoreBackupStatus(ctx, agentAddr(pod))
	switch {
	case err != nil:
		return r.attemptFailed(b, b.Status.Member, err.Error())
	case job.Name != b.Name:
		return r.attemptFailed(b, b.Status.Member, "its agent no longer runs this backup (it restarted)")
	case job.Phase == agentapi.JobFailed:
		return r.attemptFailed(b, b.Status.Member, job.Error)
	case job.Phase == agentapi.JobSucceeded && job.Manifest != nil:
		r.succeeded(b, *job.Manifest)
		return backupPoll
	}
	b.Status.Size = job.Bytes
	return backupPoll
}

// succeeded records what the manifest says.
func (r *BackupReconciler) succeeded(b *v1alpha1.MySQLBackup, m backup.Manifest) {
	end := metav1.NewTime(m.End)
	b.Status.Phase, b.Status.CompletionTime, b.Status.Error = v1alpha1.BackupSucceeded, &end, ""
	b.Status.Size, b.Status.GTIDPosition, b.Status.ServerVersion = m.Size, m.GTIDPosition, m.ServerVersion
	b.Status.Duration = m.End.Sub(m.Start).Round(time.Millisecond).String()
	metrics.BackupSucceeded(b.Namespace, b.Spec.Cluster, m.End)
	r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "BackupSucceeded", "Backup",
		"%d bytes from %s in %s, GTID position %s", m.Size, m.Member, b.Status.Duration, m.GTIDPosition)
}

// attemptFailed records a failed attempt; the next pass tries another member, up to backupAttempts.
func (r *BackupReconciler) attemptFailed(b *v1alpha1.MySQLBackup, member, msg string) time.Duration {
	b.Status.Attempts = append(b.Status.Attempts, v1alpha1.BackupAttempt{Member: member, Error: msg})
	r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, "BackupAttemptFailed", "Backup", "on %s: %s", member, msg)
	if len(b.Status.Attempts) >= backupAttempts {
		r.fail(b, "AttemptsExhausted", fmt.Sprintf("%d attempts failed, the last on %s: %s", len(b.Status.Attempts), member, msg))
		return 0
	}
	b.Status.Phase, b.Status.Member = v1alpha1.BackupPending, ""
	return backupPoll
}

// pickMember is a ready replica that serves and was not tried yet, highest ordinal first (the
// least likely failover target); the primary only when it is the cluster's only member.
func (r *BackupReconciler) pickMember(ctx context.Context, c *v1alpha1.MySQLCluster, b *v1alpha1.MySQLBackup) (*corev1.Pod, error) {
	pods := &corev1.PodList{}
	if err := r.List(ctx, pods, client.InNamespace(c.Namespace), client.MatchingLabels(desired.SelectorLabels(c))); err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	tried := func(name string) bool {
		return slices.ContainsFunc(b.Status.Attempts, func(a v1alpha1.BackupAttempt) bool { return a.Member == name })
	}
	var best *corev1.Pod
	for i := range pods.Items {
		p := &pods.Items[i]
		if !podReady(p) || tried(p.Name) || p.Labels[v1alpha1.LabelRole] != v1alpha1.RoleReplica ||
			p.Labels[v1alpha1.LabelServing] != "true" {
			continue
		}
		if best == nil || p.Name > best.Name {
			best = p
		}
	}
	if best != nil {
		return best, nil
	}
	return r.alonePrimary(c, pods.Items, tried)
}

// alonePrimary is the primary of a one-member cluster: nobody else can take the backup.
func (r *BackupReconciler) alonePrimary(c *v1alpha1.MySQLCluster, pods []corev1.Pod, tried func(string) bool) (*corev1.Pod, error) {
	for i := range pods {
		p := &pods[i]
		if c.DesiredReplicas() == 1 && p.Name == c.Status.CurrentPrimary && podReady(p) && !tried(p.Name) {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no ready, serving replica of %s that was not tried yet can take the backup "+
		"(the primary takes it only when it is the only member)", c.Name)
}

// verifyEnabled says the cluster's backups are verified (the default).
func verifyEnabled(c *v1alpha1.MySQLCluster) bool {
	return c.Spec.Backup != nil && (c.Spec.Backup.Verify == nil || *c.Spec.Backup.Verify)
}
