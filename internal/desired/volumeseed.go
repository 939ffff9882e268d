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

package desired

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// VolumeSnapshotGVK is the CSI snapshot API's VolumeSnapshot, built as unstructured data: the
// API is optional (installed with a CSI snapshot controller, or not), as cert-manager's is.
var VolumeSnapshotGVK = schema.GroupVersionKind{Group: "snapshot.storage.k8s.io", Version: "v1", Kind: "VolumeSnapshot"}

// SeedVolumeSnapshot is the VolumeSnapshot of donor's volume that the volume of member ordinal
// is restored from (spec.storage.seedFromVolumeSnapshot): NAME-N-seed, in the snapshot class the
// spec names. Nil when the spec names none.
func SeedVolumeSnapshot(c *v1alpha1.MySQLCluster, ordinal, donor int) *unstructured.Unstructured {
	seed := c.Spec.Storage.SeedFromVolumeSnapshot
	if seed == nil {
		return nil
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"volumeSnapshotClassName": seed.VolumeSnapshotClassName,
			"source":                  map[string]any{"persistentVolumeClaimName": c.PVCName(donor)},
		},
	}}
	u.SetGroupVersionKind(VolumeSnapshotGVK)
	meta := objectMeta(c, c.SeedSnapshotName(ordinal))
	u.SetName(meta.Name)
	u.SetNamespace(meta.Namespace)
	u.SetLabels(meta.Labels)
	u.SetAnnotations(meta.Annotations)
	return u
}

// SeededClaim is member ordinal's data PVC restored from its seed snapshot: what the
// StatefulSet's claim template would create (the StatefulSet adopts a claim of that name), plus
// the snapshot as its data source, recorded in AnnotationSeedSnapshot.
func SeededClaim(c *v1alpha1.MySQLCluster, ordinal int) *corev1.PersistentVolumeClaim {
	t := claimTemplate(c)
	snapshot := c.SeedSnapshotName(ordinal)
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: t.ObjectMeta,
		Spec:       t.Spec,
	}
	pvc.Name, pvc.Namespace = c.PVCName(ordinal), c.Namespace
	pvc.Annotations = merged(pvc.Annotations, map[string]string{v1alpha1.AnnotationSeedSnapshot: snapshot})
	group := VolumeSnapshotGVK.Group
	pvc.Spec.DataSource = &corev1.TypedLocalObjectReference{APIGroup: &group, Kind: VolumeSnapshotGVK.Kind, Name: snapshot}
	return pvc
}
