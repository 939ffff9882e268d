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
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// +kubebuilder:rbac:groups=snapshot.storage.k8s.io,resources=volumesnapshots,verbs=get;create;patch;delete

// Reasons of the conditions and events of seeding new members' volumes from snapshots.
const (
	reasonSnapshotAPIMissing = "VolumeSnapshotsUnavailable"
	reasonSeedingVolume      = "SeedingVolume"
	reasonVolumeSeedFailed   = "VolumeSeedFailed"
)

// volumeSeed is what a pass made of the volume of the next member the StatefulSet would create.
type volumeSeed struct {
	// capped: the StatefulSet may have at most limit replicas (the members before the one whose
	// volume is not ready yet).
	capped bool
	limit  int32
	// pending says what the new member waits for; problem, what only the user can fix.
	pending, problem *condition
}

// volumeSeedView is what a pass read for it.
type volumeSeedView struct {
	target int // the ordinal whose volume is missing; -1 when no member about to be created lacks one
	// needed: the cluster holds data, so the volume is restored from a snapshot (VolumeSeedDonor).
	needed      bool
	donor, note string
	kindMissing bool                       // the API server does not serve VolumeSnapshot
	snapshot    *unstructured.Unstructured // the target's seed snapshot as read; nil when absent
}

// volumeSeedAction is the one write a pass makes for it.
type volumeSeedAction int

const (
	seedNothing volumeSeedAction = iota
	seedSnapshot
	seedClaim
)

// decideVolumeSeed is the pure decision of a pass: snapshot the donor's volume, wait for the
// snapshot, then create the new member's claim from it; the StatefulSet grows past the new member
// only once its claim exists.
func decideVolumeSeed(c *v1alpha1.MySQLCluster, v volumeSeedView) (volumeSeed, volumeSeedAction) {
	if v.target < 0 || !v.needed {
		return volumeSeed{}, seedNothing
	}
	held := func(reason, msg string) volumeSeed {
		return volumeSeed{capped: true, limit: int32(v.target), pending: &condition{Reason: reason, Message: msg}}
	}
	member, name := c.PodName(v.target), c.SeedSnapshotName(v.target)
	switch {
	case v.kindMissing:
		return volumeSeed{capped: true, limit: int32(v.target), problem: &condition{Reason: reasonSnapshotAPIMissing, Message: fmt.Sprintf(
			"new member %s waits: spec.storage.seedFromVolumeSnapshot needs the VolumeSnapshot API (snapshot.storage.k8s.io), "+
				"which this cluster does not serve; install a CSI snapshot controller, or remove the field to seed by streaming a backup", member)}}, seedNothing
	case v.snapshot == nil && v.donor == "":
		return held(reasonSeedingVolume, fmt.Sprintf("new member %s waits for its volume: no member can be snapshotted now "+
			"(the primary does not answer, or no member serves)", member)), seedNothing
	case v.snapshot == nil:
		return held(reasonSeedingVolume, fmt.Sprintf("snapshotting %s's volume for new member %s (VolumeSnapshot %s)%s",
			v.donor, member, name, v.note)), seedSnapshot
	}
	if ready, why := snapshotReady(v.snapshot); !ready {
		return held(reasonSeedingVolume, fmt.Sprintf("new member %s waits for VolumeSnapshot %s: %s", member, name, why)), seedNothing
	}
	s := held(reasonSeedingVolume, fmt.Sprintf("restoring new member %s's volume from VolumeSnapshot %s", member, name))
	s.limit++
	return s, seedClaim
}

// snapshotReady reports whether the snapshot can be restored from, else why not.
func snapshotReady(u *unstructured.Unstructured) (bool, string) {
	if ready, _, _ := unstructured.NestedBool(u.Object, "status", "readyToUse"); ready {
		return true, ""
	}
	if msg, ok, _ := unstructured.NestedString(u.Object, "status", "error", "message"); ok && msg != "" {
		return false, "the snapshot controller reports: " + msg
	}
	return false, "not ready to use yet"
}

// seedNextVolume runs before the StatefulSet is applied, when spec.storage.seedFromVolumeSnapshot
// is set: it prepares the volume of the next member the StatefulSet would create, and records in
// w how far the StatefulSet may grow. Seed snapshots whose claim is bound are released first.
func (r *ClusterReconciler) seedNextVolume(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	r.releaseSeedSnapshots(ctx, c, w)
	v, err := r.observeVolumeSeed(ctx, c, w)
	if err != nil {
		w.volumeSeed = volumeSeed{capped: v.target >= 0, limit: int32(max(v.target, 0)),
			pending: &condition{Reason: reasonVolumeSeedFailed, Message: err.Error()}}
		return
	}
	seed, action := decideVolumeSeed(c, v)
	switch action {
	case seedSnapshot:
		err = r.createSeedSnapshot(ctx, c, v)
	case seedClaim:
		err = r.createSeededClaim(ctx, c, v.target)
	}
	if err != nil {
		seed = volumeSeed{capped: true, limit: int32(v.target), pending: &condition{Reason: reasonVolumeSeedFailed, Message: err.Error()}}
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, reasonVolumeSeedFailed, "Seed", "%v", err)
	}
	if p := seed.problem; p != nil && !stalledWith(c, p.Message) {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, p.Reason, "Seed", "%s", p.Message)
	}
	w.volumeSeed = seed
}

// observeVolumeSeed finds the first member the StatefulSet would create that has no claim yet,
// its donor, and its seed snapshot (read from the API server only then: nothing watches the kind,
// which may not be installed).
func (r *ClusterReconciler) observeVolumeSeed(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) (volumeSeedView, error) {
	v := volumeSeedView{target: -1}
	if c.Spec.Storage.SeedFromVolumeSnapshot == nil {
		return v, nil
	}
	var live int32
	if w.statefulSet != nil && w.statefulSet.Spec.Replicas != nil {
		live = *w.statefulSet.Spec.Replicas
	}
	for i := max(1, live); i < c.DesiredReplicas(); i++ {
		if w.claims[c.PVCName(int(i))] == nil {
			v.target = int(i)
			break
		}
	}
	if v.target < 0 {
		return v, nil
	}
	if v.donor, v.note, v.needed = topology.VolumeSeedDonor(w.topology, c.PodName(v.target)); !v.needed {
		return v, nil
	}
	u, err := r.readOptional(ctx, desired.VolumeSnapshotGVK, c.Namespace, c.SeedSnapshotName(v.target))
	if meta.IsNoMatchError(err) {
		v.kindMissing = true
		return v, nil
	}
	v.snapshot = u
	return v, err
}
