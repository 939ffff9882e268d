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

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// retain deletes the scheduled backups the policy expires (store objects first, then the
// MySQLBackup) and the archived binary logs no kept backup needs. Backups a user created are
// never deleted by retention. Failures are events; the next pass tries again.
func (r *ScheduleReconciler) retain(ctx context.Context, c *v1alpha1.MySQLCluster, backups []v1alpha1.MySQLBackup) {
	if !slices.ContainsFunc(backups, func(b v1alpha1.MySQLBackup) bool { return b.Status.Phase == v1alpha1.BackupSucceeded }) {
		return
	}
	store, err := storeOf(ctx, r.APIReader, c, c.Spec.Backup.Store)
	if err != nil {
		return // the backups themselves report the store's problem
	}
	bucket, err := objstore.New(store.Config())
	if err != nil {
		return
	}
	expired := backup.Expired(records(backups), retentionOf(c), r.now())
	for _, name := range expired {
		if err := r.deleteBackup(ctx, c, bucket, name); err != nil {
			r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "RetentionFailed", "Retention", "%v", err)
			return
		}
	}
	if len(expired) == 0 {
		return // the oldest kept backup did not change: neither did what the binary logs need
	}
	if err := r.pruneBinlogs(ctx, bucket, kept(backups, expired)); err != nil {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "RetentionFailed", "Retention", "%v", err)
	}
}

// records are the scheduled backups as retention sees them.
func records(backups []v1alpha1.MySQLBackup) []backup.Record {
	var out []backup.Record
	for _, b := range backups {
		if b.Labels[v1alpha1.LabelScheduled] != "true" || !b.DeletionTimestamp.IsZero() {
			continue
		}
		rec := backup.Record{Name: b.Name, End: b.CreationTimestamp.Time, Succeeded: b.Status.Phase == v1alpha1.BackupSucceeded,
			Verified: b.Status.Verification != nil && b.Status.Verification.Phase == v1alpha1.VerificationVerified}
		if b.Status.CompletionTime != nil {
			rec.End = b.Status.CompletionTime.Time
		}
		if rec.Succeeded || b.Status.Phase == v1alpha1.BackupFailed { // running ones are not judged yet
			out = append(out, rec)
		}
	}
	return out
}

func retentionOf(c *v1alpha1.MySQLCluster) backup.Retention {
	r := backup.Retention{KeepLast: int(c.Spec.Backup.Retention.KeepLast)}
	if c.Spec.Backup.Retention.MaxAge != nil {
		r.MaxAge = c.Spec.Backup.Retention.MaxAge.Duration
	}
	return r
}

// deleteBackup removes a backup's objects (manifest first: a backup without one is incomplete,
// never restored from), then its MySQLBackup.
func (r *ScheduleReconciler) deleteBackup(ctx context.Context, c *v1alpha1.MySQLCluster, bucket *objstore.Bucket, name string) error {
	for _, key := range []string{backup.ManifestKey(name), backup.DataKey(name)} {
		if err := bucket.Delete(ctx, key); err != nil {
			return fmt.Errorf("retention: delete %s: %w", key, err)
		}
	}
	b := &v1alpha1.MySQLBackup{}
	b.Name, b.Namespace = name, c.Namespace
	if err := r.Delete(ctx, b); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("retention: delete MySQLBackup %s: %w", name, err)
	}
	log.FromContext(ctx).Info("retention deleted a backup", "backup", name)
	r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "BackupExpired", "Retention", "deleted backup %s and its objects", name)
	return nil
}

// kept is the oldest succeeded backup that stays, as a manifest (the fields pruning reads).
func kept(backups []v1alpha1.MySQLBackup, expired []string) *backup.Manifest {
	var oldest *backup.Manifest
	for _, b := range backups {
		if b.Status.Phase != v1alpha1.BackupSucceeded || b.Status.CompletionTime == nil || slices.Contains(expired, b.Name) {
			continue
		}
		if oldest == nil || b.Status.CompletionTime.Time.Before(oldest.End) {
			oldest = &backup.Manifest{Name: b.Name, End: b.Status.CompletionTime.Time, GTIDPosition: b.Status.GTIDPosition}
		}
	}
	return oldest
}

// pruneBinlogs deletes the archived files older than the oldest kept backup (manifest first).
func (r *ScheduleReconciler) pruneBinlogs(ctx context.Context, bucket *objstore.Bucket, oldest *backup.Manifest) error {
	if oldest == nil {
		return nil
	}
	files, err := backup.ListBinlogs(ctx, bucket)
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	for _, f := range backup.PrunableBinlogs(files, *oldest) {
		for _, key := range []string{f.Key + backup.ManifestSuffix, f.Key} {
			if err := bucket.Delete(ctx, key); err != nil {
				return fmt.Errorf("retention: delete %s: %w", key, err)
			}
		}
	}
	return nil
}
