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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// appliedObject is a live object the operator applied at t with hash, owning fields.
func appliedObject(hash string, t time.Time, fields string, others ...metav1.ManagedFieldsEntry) *corev1.ConfigMap {
	at := metav1.NewTime(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "mysql-config", UID: "cm-1",
		Annotations: map[string]string{v1alpha1.AnnotationApplied: hash}}}
	cm.ManagedFields = append([]metav1.ManagedFieldsEntry{{Manager: FieldOwner, Operation: metav1.ManagedFieldsOperationApply,
		Time: &at, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(fields)}}}, others...)
	return cm
}

func otherWriter(manager, subresource string, t time.Time) metav1.ManagedFieldsEntry {
	at := metav1.NewTime(t)
	return metav1.ManagedFieldsEntry{Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, Subresource: subresource,
		Time: &at, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte("{}")}}
}

// An object is taken as holding what the operator applies only while it carries the hash of what
// would be applied and no other writer changed it since the operator's apply.
func TestUnchangedSinceApplied(t *testing.T) {
	applied := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	const fields = `{"f:data":{"f:my.cnf":{}}}`
	for name, tc := range map[string]struct {
		live *corev1.ConfigMap
		want bool
	}{
		"applied, untouched since":           {appliedObject("h1", applied, fields), true},
		"another writer, before the apply":   {appliedObject("h1", applied, fields, otherWriter("kubectl-edit", "", applied.Add(-time.Minute))), true},
		"a status write after it":            {appliedObject("h1", applied, fields, otherWriter("kube-controller-manager", "status", applied.Add(time.Minute))), true},
		"another writer, after the apply":    {appliedObject("h1", applied, fields, otherWriter("kubectl-edit", "", applied.Add(time.Minute))), false},
		"another writer, in the same second": {appliedObject("h1", applied, fields, otherWriter("kubectl-edit", "", applied)), false},
		"a scale after it (spec.replicas)":   {appliedObject("h1", applied, fields, otherWriter("kubectl", "scale", applied.Add(time.Minute))), false},
		"the operator would apply another":   {appliedObject("h0", applied, fields), false},
		"applied before the annotation": {func() *corev1.ConfigMap {
			cm := appliedObject("h1", applied, fields)
			cm.Annotations = nil
			return cm
		}(), false},
		"not the operator's": {func() *corev1.ConfigMap {
			cm := appliedObject("h1", applied, fields)
			cm.ManagedFields = []metav1.ManagedFieldsEntry{otherWriter("helm", "", applied.Add(-time.Hour))}
			return cm
		}(), false},
	} {
		if got := unchangedSinceApplied(tc.live, "h1"); got != tc.want {
			t.Errorf("%s: unchanged %v, want %v", name, got, tc.want)
		}
	}
}

// A writer that only removes a field the operator owns leaves no entry of its own, but shrinks the
// operator's: once the operator has seen the object's owned fields, a different set is compared
// field by field.
func TestTheMemoNoticesAFieldRemovedFromTheOperatorsSet(t *testing.T) {
	applied := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	var m appliedMemo
	cluster := types.UID("cluster-1")
	whole := appliedObject("h1", applied, `{"f:data":{"f:a":{},"f:b":{}}}`)
	if !m.same(cluster, whole, "h1") {
		t.Fatal("an untouched object is compared field by field")
	}
	if !m.same(cluster, whole, "h1") {
		t.Fatal("an untouched object is compared field by field the second time")
	}
	shrunk := appliedObject("h1", applied, `{"f:data":{"f:a":{}}}`)
	if m.same(cluster, shrunk, "h1") {
		t.Fatal("a field removed by another writer went unnoticed")
	}
	m.matched(cluster, whole) // restored and compared equal
	if !m.same(cluster, whole, "h1") {
		t.Error("the restored object is not taken as unchanged")
	}
	m.forget(cluster)
	if len(m.fields) != 0 {
		t.Errorf("a deleted cluster's objects are still remembered: %v", m.fields)
	}
}

// The apply itself tells the memo the fields the operator now owns, so a field another writer
// removes before the next pass is noticed by that pass.
func TestAnApplyTellsTheMemoItsOwnedFields(t *testing.T) {
	c := fake.NewClientBuilder().WithScheme(restScheme()).WithReturnManagedFields().Build()
	var m appliedMemo
	a := applier{client: c, memo: &m, cluster: "cluster-1"}
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "mysql-config", Namespace: "db"}, Data: map[string]string{"a": "1", "b": "2"}}
	if wrote, err := a.apply(t.Context(), cm.DeepCopy(), nil); err != nil || !wrote {
		t.Fatalf("apply: wrote %v, %v", wrote, err)
	}
	live := &corev1.ConfigMap{}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(cm), live); err != nil {
		t.Fatal(err)
	}
	if len(m.fields["cluster-1"]) != 1 {
		t.Fatalf("the apply left the memo %v", m.fields)
	}
	hash := live.Annotations[v1alpha1.AnnotationApplied]
	shrunk := live.DeepCopy()
	for i, e := range shrunk.ManagedFields {
		if isOurApply(e) {
			shrunk.ManagedFields[i].FieldsV1 = &metav1.FieldsV1{Raw: []byte(`{"f:data":{"f:a":{}}}`)}
		}
	}
	if m.same("cluster-1", shrunk, hash) {
		t.Error("a field removed right after the apply went unnoticed")
	}
	if !m.same("cluster-1", live, hash) {
		t.Error("the object as applied is compared field by field")
	}
}

// A cache may keep only the digest of the operator's field set (DigestOwnedFields): the memo takes
// it for the set it hashes.
func TestTheMemoTakesTheDigestOfTheFieldSetForTheSet(t *testing.T) {
	applied := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	whole := appliedObject("h1", applied, `{"f:data":{"f:a":{},"f:b":{}}}`)
	digested := whole.DeepCopy()
	DigestOwnedFields(digested)
	DigestOwnedFields(digested) // a digest is not digested again
	full, ok1 := ownedFieldsHash(whole)
	short, ok2 := ownedFieldsHash(digested)
	if !ok1 || !ok2 || full != short || !ownedFieldsDigested(digested) || ownedFieldsDigested(whole) {
		t.Fatalf("digest %x (%v), whole %x (%v)", short, ok2, full, ok1)
	}
	var m appliedMemo
	if !m.same("cluster-1", digested, "h1") || !m.same("cluster-1", whole, "h1") {
		t.Error("the digested and the whole object are not the same to the memo")
	}
	shrunk := appliedObject("h1", applied, `{"f:data":{"f:a":{}}}`)
	DigestOwnedFields(shrunk)
	if m.same("cluster-1", shrunk, "h1") {
		t.Error("a field removed by another writer went unnoticed behind a digest")
	}
}

// An object the cache keeps trimmed is read whole before it is compared field by field: compared
// as cached, it would look changed and be written on every pass.
func TestTheApplierReadsATrimmedObjectWholeToCompare(t *testing.T) {
	c := fake.NewClientBuilder().WithScheme(restScheme()).WithReturnManagedFields().Build()
	reader := &countingReader{Reader: c}
	a := applier{client: c, reader: reader, memo: &appliedMemo{}, cluster: "cluster-1"}
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "mysql-config", Namespace: "db"}, Data: map[string]string{"a": "1"}}
	if wrote, err := a.apply(t.Context(), cm.DeepCopy(), nil); err != nil || !wrote {
		t.Fatalf("apply: wrote %v, %v", wrote, err)
	}
	live := &corev1.ConfigMap{}
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(cm), live); err != nil {
		t.Fatal(err)
	}
	// As cached: without its data, only the digest of the operator's fields, and a later writer
	// (a label added by hand) so the memo does not vouch for it.
	cached := live.DeepCopy()
	cached.Data = nil
	DigestOwnedFields(cached)
	cached.ManagedFields = append(cached.ManagedFields, otherWriter("kubectl-label", "", time.Now().Add(time.Hour)))
	wrote, err := a.apply(t.Context(), cm.DeepCopy(), cached)
	if err != nil || wrote {
		t.Errorf("a trimmed object holding what is applied: wrote %v, %v", wrote, err)
	}
	if reader.gets != 1 {
		t.Errorf("%d reads of the trimmed object, want 1", reader.gets)
	}
	reader.gets = 0
	if wrote, err := a.apply(t.Context(), cm.DeepCopy(), live); err != nil || wrote || reader.gets != 0 {
		t.Errorf("an object cached whole: wrote %v, %v, %d reads, want none", wrote, err, reader.gets)
	}
}
