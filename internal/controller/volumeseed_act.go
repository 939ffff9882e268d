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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// createSeedSnapshot snapshots the donor's volume for the target member. The snapshot is the
// cluster's child, so it goes with the cluster if the seed never finishes.
func (r *ClusterReconciler) createSeedSnapshot(ctx context.Context, c *v1alpha1.MySQLCluster, v volumeSeedView) error {
	donor, ok := c.Ordinal(v.donor)
	if !ok {
		return fmt.Errorf("seed donor %s is not a member of %s", v.donor, c.Name)
	}
	want := desired.SeedVolumeSnapshot(c, v.target, donor)
	if err := controllerutil.SetControllerReference(c, want, r.Scheme); err != nil {
		return fmt.Errorf("own VolumeSnapshot %s: %w", want.GetName(), err)
	}
	if _, err := r.applier(c).apply(ctx, want, nil); err != nil {
		return fmt.Errorf("snapshot %s's volume for %s: %w", v.donor, c.PodName(v.target), err)
	}
	r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "VolumeSnapshotRequested", "Seed",
		"VolumeSnapshot %s of %s's volume %s seeds new member %s", want.GetName(), v.donor, c.PVCName(donor), c.PodName(v.target))
	logf(ctx)("Created VolumeSnapshot", "name", want.GetName(), "donor", v.donor)
	return nil
}

// createSeededClaim creates the target member's claim from its seed snapshot. Like the
// StatefulSet's own claims it has no owner: it follows the retention policy.
func (r *ClusterReconciler) createSeededClaim(ctx context.Context, c *v1alpha1.MySQLCluster, target int) error {
	pvc := desired.SeededClaim(c, target)
	err := r.Create(ctx, pvc)
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create PVC %s from VolumeSnapshot %s: %w", pvc.Name, c.SeedSnapshotName(target), err)
	}
	r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "VolumeRestored", "Seed",
		"PVC %s of new member %s is restored from VolumeSnapshot %s", pvc.Name, c.PodName(target), c.SeedSnapshotName(target))
	logf(ctx)("Created PersistentVolumeClaim from a snapshot", "name", pvc.Name, "snapshot", c.SeedSnapshotName(target))
	return nil
}

// releaseSeedSnapshots deletes the seed snapshot of every claim restored from one that is bound
// now (its volume no longer needs it), then drops the claim's annotation: at rest, nothing is read
// or written.
func (r *ClusterReconciler) releaseSeedSnapshots(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	for _, pvc := range w.claims {
		name := pvc.Annotations[v1alpha1.AnnotationSeedSnapshot]
		if name == "" || pvc.Status.Phase != corev1.ClaimBound {
			continue
		}
		if err := r.releaseSeedSnapshot(ctx, c, pvc, name); err != nil {
			logf(ctx)("Could not release a seed snapshot; retrying on the next pass", "name", name, "err", err.Error())
		}
	}
}

func (r *ClusterReconciler) releaseSeedSnapshot(ctx context.Context, c *v1alpha1.MySQLCluster, pvc *corev1.PersistentVolumeClaim, name string) error {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(desired.VolumeSnapshotGVK)
	u.SetNamespace(c.Namespace)
	u.SetName(name)
	if err := r.Delete(ctx, u); err != nil && !apierrors.IsNotFound(err) && !meta.IsNoMatchError(err) {
		return fmt.Errorf("delete VolumeSnapshot %s: %w", name, err)
	}
	patch := client.MergeFrom(pvc.DeepCopy())
	delete(pvc.Annotations, v1alpha1.AnnotationSeedSnapshot)
	if err := r.Patch(ctx, pvc, patch); err != nil {
		return fmt.Errorf("patch PVC %s: %w", pvc.Name, err)
	}
	logf(ctx)("Deleted the seed VolumeSnapshot of a bound claim", "name", name, "claim", pvc.Name)
	return nil
}

// stalledWith reports whether the cluster's Stalled condition already says msg (its event was
// recorded then).
func stalledWith(c *v1alpha1.MySQLCluster, msg string) bool {
	prev := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionStalled)
	return prev != nil && prev.Message == msg
}
