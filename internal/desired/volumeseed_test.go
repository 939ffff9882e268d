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
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// A new member's seed snapshot is of the donor's claim, in the spec's class; the claim restored
// from it is the StatefulSet's claim for that member plus the snapshot as data source.
func TestVolumeSeed(t *testing.T) {
	c := mariadbCluster()
	if SeedVolumeSnapshot(c, 2, 1) != nil {
		t.Fatal("a seed snapshot without spec.storage.seedFromVolumeSnapshot")
	}
	c.Spec.Storage.SeedFromVolumeSnapshot = &v1alpha1.VolumeSnapshotSeed{VolumeSnapshotClassName: "csi-snaps"}
	vs := SeedVolumeSnapshot(c, 2, 1)
	class, _, _ := unstructured.NestedString(vs.Object, "spec", "volumeSnapshotClassName")
	source, _, _ := unstructured.NestedString(vs.Object, "spec", "source", "persistentVolumeClaimName")
	if vs.GetName() != c.Name+"-2-seed" || vs.GetNamespace() != c.Namespace || class != "csi-snaps" ||
		source != "data-"+c.Name+"-1" || vs.GetKind() != "VolumeSnapshot" || vs.GetLabels()[v1alpha1.LabelCluster] != c.Name {
		t.Errorf("seed snapshot %s/%s class %q source %q kind %q labels %v", vs.GetNamespace(), vs.GetName(), class, source, vs.GetKind(), vs.GetLabels())
	}

	pvc := SeededClaim(c, 2)
	tmpl := claimTemplate(c)
	ds := pvc.Spec.DataSource
	if pvc.Name != "data-"+c.Name+"-2" || pvc.Namespace != c.Namespace || ds == nil || ds.Kind != "VolumeSnapshot" ||
		ds.Name != vs.GetName() || ds.APIGroup == nil || *ds.APIGroup != "snapshot.storage.k8s.io" {
		t.Errorf("seeded claim %s/%s data source %+v", pvc.Namespace, pvc.Name, ds)
	}
	if pvc.Annotations[v1alpha1.AnnotationSeedSnapshot] != vs.GetName() {
		t.Errorf("seeded claim annotations %v", pvc.Annotations)
	}
	pvc.Spec.DataSource = nil
	if !equality.Semantic.DeepEqual(pvc.Spec, tmpl.Spec) || !equality.Semantic.DeepEqual(pvc.Labels, tmpl.Labels) {
		t.Errorf("seeded claim differs from the claim template:\n%+v\n%+v", pvc.Spec, tmpl.Spec)
	}
	if got := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; got.Cmp(c.StorageSize()) != 0 {
		t.Errorf("seeded claim size %s", got.String())
	}
}
