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

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/metrics"
)

// archiveCallTimeout bounds the archive call of a pass: the agent answers from memory.
const archiveCallTimeout = 2 * time.Second

// defaultArchiveInterval is spec.backup.archiveInterval's schema default.
const defaultArchiveInterval = 5 * time.Second

// archive tells the primary's agent where to archive its binary logs (on every pass: an agent
// that restarted or a new primary learns it within a pass) and records how far it got. Other
// members stop archiving on their own: an agent archives only while its server is writable.
func (r *ClusterReconciler) archive(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	if c.Spec.Backup == nil || c.Status.CurrentPrimary == "" || w.secret == nil {
		return
	}
	var primary *member
	for _, m := range w.members {
		if m.name == c.Status.CurrentPrimary && m.pod != nil && m.pod.Status.PodIP != "" {
			primary = m
		}
	}
	if primary == nil {
		return
	}
	w.archive = &v1alpha1.ArchiveStatus{Member: primary.name}
	store, err := storeOf(ctx, r.secretReader(), c, c.Spec.Backup.Store)
	if err != nil {
		w.archive.Error = err.Error()
		return
	}
	agent, err := agentClient(c, primary.pod, agentAuthOf(c, w), archiveCallTimeout)
	if err != nil {
		w.archive.Error = err.Error()
		return
	}
	st, err := agent.Archive(ctx, agentAddr(primary.pod), agentapi.ArchiveRequest{Namespace: c.Namespace,
		Cluster: c.Name, Store: store, Interval: archiveInterval(c)})
	if err != nil {
		w.archive.Error = err.Error()
		return
	}
	w.archive.LastFile, w.archive.LastGTID, w.archive.Error = st.LastFile, st.LastState, st.Error
	if !st.LastTime.IsZero() {
		t := metav1.NewTime(st.LastTime)
		w.archive.LastTime = &t
		if st.Error == "" {
			metrics.ArchiveSucceeded(c.Namespace, c.Name, st.LastTime)
		}
	}
}

// backupsRunning names the members a store backup of c runs on (MySQLBackups read from the cache).
func (r *ClusterReconciler) backupsRunning(ctx context.Context, c *v1alpha1.MySQLCluster) (map[string]bool, error) {
	if c.Spec.Backup == nil {
		return nil, nil
	}
	list := &v1alpha1.MySQLBackupList{}
	if err := r.List(ctx, list, client.InNamespace(c.Namespace)); err != nil {
		return nil, fmt.Errorf("list backups of %s: %w", c.Name, err)
	}
	out := map[string]bool{}
	for _, b := range list.Items {
		if b.Spec.Cluster == c.Name && b.Status.Phase == v1alpha1.BackupRunning && b.Status.Member != "" {
			out[b.Status.Member] = true
		}
	}
	return out, nil
}

func archiveInterval(c *v1alpha1.MySQLCluster) time.Duration {
	if d := c.Spec.Backup.ArchiveInterval; d != nil && d.Duration > 0 {
		return d.Duration
	}
	return defaultArchiveInterval
}

// backupStatus keeps what the schedule recorded and updates the archive from this pass; when the
// primary was not asked (it does not answer) the last known archive position stays.
func backupStatus(c *v1alpha1.MySQLCluster, w *world) *v1alpha1.BackupStatus {
	if c.Spec.Backup == nil {
		return nil
	}
	s := &v1alpha1.BackupStatus{}
	if c.Status.Backup != nil {
		s = c.Status.Backup.DeepCopy()
	}
	if a := w.archive; a != nil {
		if a.LastFile == "" && s.Archive != nil && s.Archive.Member == a.Member {
			a.LastFile, a.LastGTID, a.LastTime = s.Archive.LastFile, s.Archive.LastGTID, s.Archive.LastTime
		}
		s.Archive = a
	}
	return s
}

// setBackupsReady sets (or, without spec.backup, removes) the BackupsReady condition.
func setBackupsReady(c *v1alpha1.MySQLCluster, w *world, conds *[]metav1.Condition) {
	if c.Spec.Backup == nil {
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionBackupsReady)
		return
	}
	cond := metav1.Condition{Type: v1alpha1.ConditionBackupsReady, Status: metav1.ConditionTrue, Reason: "Archiving",
		Message: "the primary archives its binary logs to the store", ObservedGeneration: c.Generation}
	if _, err := backup.ParseSchedule(c.Spec.Backup.Schedule); c.Spec.Backup.Schedule != "" && err != nil {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "InvalidSchedule", err.Error()
	} else if a := w.archive; a != nil && a.Error != "" {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "ArchiveFailed",
			fmt.Sprintf("%s cannot archive its binary logs: %s", a.Member, a.Error)
	} else if w.archive == nil {
		return // the primary was not asked this pass: keep what was known
	}
	meta.SetStatusCondition(conds, cond)
}
