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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// ScheduleReconciler creates a cluster's scheduled MySQLBackups and applies its retention policy
// to them and to the store. It is apart from the cluster's reconciler so object-store calls never
// slow a failover.
type ScheduleReconciler struct {
	client.Client
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// scheduleIdle is how often a cluster with backups is looked at when nothing is due sooner.
const scheduleIdle = time.Minute

// Reconcile creates the backup of the latest schedule slot that has passed, then applies retention.
func (r *ScheduleReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	c := &v1alpha1.MySQLCluster{}
	// Most clusters take no backups: the cache, which has seen at least the change that queued
	// this pass, says so without a read from the API server (a thousand of them at every start).
	if err := r.Get(ctx, req.NamespacedName, c); err != nil || c.Spec.Backup == nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	// Uncached for the rest: the slot recorded by the previous pass decides what is due.
	if err := r.APIReader.Get(ctx, req.NamespacedName, c); err != nil || c.Spec.Backup == nil || !c.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	list := &v1alpha1.MySQLBackupList{}
	if err := r.List(ctx, list, client.InNamespace(c.Namespace), client.MatchingLabels{v1alpha1.LabelCluster: c.Name}); err != nil {
		return reconcile.Result{}, fmt.Errorf("list backups of %s: %w", c.Name, err)
	}
	next, err := r.schedule(ctx, c)
	if err != nil {
		return reconcile.Result{}, err
	}
	r.retain(ctx, c, list.Items)
	return reconcile.Result{RequeueAfter: min(next, scheduleIdle)}, nil
}

// schedule creates the backup of the newest slot at or before now that has none yet, and returns
// how long until the next slot. An invalid schedule takes no backup (the cluster's BackupsReady
// condition says why).
func (r *ScheduleReconciler) schedule(ctx context.Context, c *v1alpha1.MySQLCluster) (time.Duration, error) {
	if c.Spec.Backup.Schedule == "" {
		return scheduleIdle, nil
	}
	sched, err := backup.ParseSchedule(c.Spec.Backup.Schedule)
	if err != nil {
		return scheduleIdle, nil
	}
	last := c.CreationTimestamp.Time
	if s := c.Status.Backup; s != nil && s.LastScheduleTime != nil {
		last = s.LastScheduleTime.Time
	}
	now := r.now()
	slot, due := backup.LatestSlot(sched, last, now)
	if !due {
		return time.Until(sched.Next(now)) + time.Second, nil
	}
	if err := r.createScheduled(ctx, c, slot); err != nil {
		return 0, err
	}
	return time.Until(sched.Next(now)) + time.Second, r.recordSlot(ctx, c, slot)
}

// createScheduled creates the slot's MySQLBackup; its name comes from the slot, so creating it
// twice (a retried pass) finds it there.
func (r *ScheduleReconciler) createScheduled(ctx context.Context, c *v1alpha1.MySQLCluster, slot time.Time) error {
	b := &v1alpha1.MySQLBackup{
		ObjectMeta: desired.Inherit(c, metav1.ObjectMeta{Name: backup.ScheduledName(c.Name, slot), Namespace: c.Namespace,
			Labels: map[string]string{v1alpha1.LabelCluster: c.Name, v1alpha1.LabelScheduled: "true"}}),
		Spec: v1alpha1.MySQLBackupSpec{Cluster: c.Name},
	}
	if err := controllerutil.SetOwnerReference(c, b, r.Scheme); err != nil {
		return err
	}
	if err := r.Create(ctx, b); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create scheduled backup %s: %w", b.Name, err)
	}
	r.Recorder.Eventf(c, b, corev1.EventTypeNormal, "BackupScheduled", "Schedule", "created MySQLBackup %s", b.Name)
	return nil
}

// recordSlot writes status.backup.lastScheduleTime (a merge patch of that field alone).
func (r *ScheduleReconciler) recordSlot(ctx context.Context, c *v1alpha1.MySQLCluster, slot time.Time) error {
	before := c.DeepCopy()
	if c.Status.Backup == nil {
		c.Status.Backup = &v1alpha1.BackupStatus{}
	}
	t := metav1.NewTime(slot)
	c.Status.Backup.LastScheduleTime = &t
	if err := r.Status().Patch(ctx, c, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("record schedule of %s: %w", c.Name, err)
	}
	return nil
}

func (r *ScheduleReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// SetupWithManager registers the reconciler for clusters (their spec) and their backups.
func (r *ScheduleReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.MySQLCluster{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&v1alpha1.MySQLBackup{}).
		Named("mysqlcluster-backups").
		Complete(r)
}
