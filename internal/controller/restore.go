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
	"errors"
	"fmt"
	"time"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// restoreCheckTimeout bounds reading the store's catalog before a restore.
const restoreCheckTimeout = 20 * time.Second

// checkRestore refuses, before any pod exists, a restore the store cannot carry out: a store it
// cannot read, a target outside what it holds (the message says which range it holds), or a
// backup of another engine. Once the StatefulSet exists the restore is init's.
func (r *ClusterReconciler) checkRestore(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	if c.Spec.Restore == nil || w.statefulSet != nil || w.blocker != nil {
		return
	}
	if msg, reason := planRestore(ctx, r, c); msg != "" {
		w.blocker = &condition{reason, msg}
	}
}

// planRestore returns why the restore cannot be done and a reason, "" when it can.
func planRestore(ctx context.Context, r *ClusterReconciler, c *v1alpha1.MySQLCluster) (string, string) {
	ctx, cancel := context.WithTimeout(ctx, restoreCheckTimeout)
	defer cancel()
	store, err := storeOf(ctx, r.secretReader(), c, c.Spec.Restore.Store)
	if err != nil {
		return err.Error(), "RestoreStoreUnavailable"
	}
	bucket, err := objstore.New(store.Config())
	if err != nil {
		return err.Error(), "RestoreStoreUnavailable"
	}
	plan, err := backup.PlanFromStore(ctx, bucket, restoreTarget(c.Spec.Restore))
	switch {
	case err == nil:
	case errors.Is(err, objstore.ErrNotFound) || objstore.Classify(err) != objstore.ReasonOther:
		return err.Error(), "RestoreStoreUnavailable"
	default:
		return fmt.Sprintf("cannot restore from %s/%s: %v", store.Bucket, store.Prefix, err), "RestoreTargetUnavailable"
	}
	if plan.Base.Engine != string(c.Flavor()) {
		return fmt.Sprintf("backup %s is of a %s server (%s); this cluster runs %s", plan.Base.Name, plan.Base.Engine,
			plan.Base.ServerVersion, c.Flavor()), "RestoreEngineMismatch"
	}
	return "", ""
}

// restoreTarget is spec.restore as the planner reads it.
func restoreTarget(r *v1alpha1.Restore) backup.Target {
	t := backup.Target{Backup: r.Backup}
	if p := r.PointInTime; p != nil {
		t.GTID, t.Latest = p.GTID, p.Latest
		if p.Time != nil {
			tt := p.Time.UTC()
			t.Time = &tt
		}
	}
	return t
}
