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

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/metrics"
)

// BackupReconciler takes the backup a MySQLBackup asks for: it picks a member, asks its agent to
// stream a physical backup into the cluster's store, follows it, retries from another member, and
// verifies the result in a throwaway Job. Everything it learns goes into the MySQLBackup's status.
type BackupReconciler struct {
	client.Client
	// APIReader reads clusters and Secrets uncached.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	Options   desired.Options
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// How backups are followed.
const (
	// backupAttempts is how many members a backup is tried on before it fails.
	backupAttempts = 3
	// backupPoll is how often a running backup or verification is looked at.
	backupPoll = 2 * time.Second
	// agentCallTimeout bounds one call to an agent.
	agentCallTimeout = 5 * time.Second
)

// +kubebuilder:rbac:groups=mysql.ordinal.dev,resources=mysqlbackups,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=mysql.ordinal.dev,resources=mysqlbackups/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Reconcile moves one MySQLBackup one step on and writes its status.
func (r *BackupReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	b := &v1alpha1.MySQLBackup{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, b); err != nil || !b.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	before := b.Status.DeepCopy()
	after := r.step(ctx, b)
	b.Status.ObservedGeneration = b.Generation
	setBackupConditions(b, r.now())
	if !equality.Semantic.DeepEqual(before, &b.Status) {
		if err := r.Status().Update(ctx, b); err != nil {
			return reconcile.Result{}, fmt.Errorf("update status of MySQLBackup %s: %w", b.Name, err)
		}
	}
	return reconcile.Result{RequeueAfter: after}, nil
}

// step does what the backup's phase calls for and returns when to look again (0: never).
func (r *BackupReconciler) step(ctx context.Context, b *v1alpha1.MySQLBackup) time.Duration {
	switch b.Status.Phase {
	case v1alpha1.BackupFailed:
		return 0
	case v1alpha1.BackupSucceeded:
		return r.verify(ctx, b)
	}
	c := &v1alpha1.MySQLCluster{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: b.Namespace, Name: b.Spec.Cluster}, c); err != nil {
		return r.waiting(b, "ClusterNotFound", fmt.Sprintf("MySQLCluster %s: %v", b.Spec.Cluster, err))
	}
	if c.Spec.Backup == nil {
		r.fail(b, "NoBackupStore", fmt.Sprintf("MySQLCluster %s has no spec.backup: set its store first", c.Name))
		return 0
	}
	if b.Status.Phase == v1alpha1.BackupRunning {
		return r.follow(ctx, c, b)
	}
	return r.start(ctx, c, b)
}

// waiting keeps the backup Pending with why, and looks again later.
func (r *BackupReconciler) waiting(b *v1alpha1.MySQLBackup, reason, msg string) time.Duration {
	b.Status.Phase = v1alpha1.BackupPending
	b.Status.Error = reason + ": " + msg
	return stalledRetry
}

// fail ends the backup and tells the user.
func (r *BackupReconciler) fail(b *v1alpha1.MySQLBackup, reason, msg string) {
	b.Status.Phase = v1alpha1.BackupFailed
	b.Status.Error = reason + ": " + msg
	metrics.BackupFailed(b.Namespace, b.Spec.Cluster)
	r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, "BackupFailed", "Backup", "%s", b.Status.Error)
}

func (r *BackupReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// SetupWithManager registers the reconciler: it follows MySQLBackups and their verification Jobs.
func (r *BackupReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.MySQLBackup{}).
		Owns(&batchv1.Job{}).
		Named("mysqlbackup").
		Complete(r)
}

// isGone says an object was not found.
func isGone(err error) bool { return apierrors.IsNotFound(err) }
