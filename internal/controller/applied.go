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
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// Comparing the fields the operator owns on a live object with what it would apply walks both
// through the API's schema: about a millisecond per object, eight objects per cluster, all of them
// on every cluster's first pass after the operator starts. The applied annotation makes that
// comparison needless when nothing changed: it holds the hash of what was applied, so an equal
// hash means the operator would apply the same again, and when no other writer has touched the
// object since (every other manager's entry is older than the operator's), the object still holds
// it. Anything else (another writer, a new desired object, an object applied before the
// annotation existed) falls back to the comparison.

// appliedMemo remembers, per applied object, the fields the operator owned the last time they were
// found to hold what it applies: a writer that only removed one of them leaves no entry of its own
// whose time would tell, but changes that set. Objects first seen since the operator started are
// taken as they are (docs/architecture.md says what that leaves).
type appliedMemo struct {
	mu     sync.Mutex
	fields map[types.UID]map[types.UID][sha256.Size]byte // cluster → object → its owned fields
}

// same reports whether live (a child of cluster) holds what the operator applies with hash,
// without comparing field by field; see unchangedSinceApplied.
func (m *appliedMemo) same(cluster types.UID, live client.Object, hash string) bool {
	fields, ok := ownedFieldsHash(live)
	if !ok || !unchangedSinceApplied(live, hash) {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if known, seen := m.fields[cluster][live.GetUID()]; seen && known != fields {
		return false
	}
	m.remember(cluster, live.GetUID(), fields)
	return true
}

// matched records that live was found, field by field, to hold what the operator applies.
func (m *appliedMemo) matched(cluster types.UID, live client.Object) {
	if fields, ok := ownedFieldsHash(live); ok {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.remember(cluster, live.GetUID(), fields)
	}
}

func (m *appliedMemo) remember(cluster, obj types.UID, fields [sha256.Size]byte) {
	if m.fields == nil {
		m.fields = map[types.UID]map[types.UID][sha256.Size]byte{}
	}
	if m.fields[cluster] == nil {
		m.fields[cluster] = map[types.UID][sha256.Size]byte{}
	}
	m.fields[cluster][obj] = fields
}

// forget drops what is remembered of a deleted cluster's objects.
func (m *appliedMemo) forget(cluster types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.fields, cluster)
}

// ownedFieldsHash is the hash of the set of fields the operator's apply owns on live, whether
// live holds the set itself or only its digest (DigestOwnedFields).
func ownedFieldsHash(live client.Object) ([sha256.Size]byte, bool) {
	for _, e := range live.GetManagedFields() {
		if isOurApply(e) && e.FieldsV1 != nil {
			if d, ok := bytes.CutPrefix(e.FieldsV1.Raw, fieldsDigest); ok && len(d) == sha256.Size {
				return [sha256.Size]byte(d), true
			}
			return sha256.Sum256(e.FieldsV1.Raw), true
		}
	}
	return [sha256.Size]byte{}, false
}

// fieldsDigest starts a field set replaced by its digest: a real one is JSON, and starts with '{'.
var fieldsDigest = []byte("sha256:")

// DigestOwnedFields replaces the field set of the operator's apply entry on obj with its digest,
// for a cache that keeps an applied object without what only a field-by-field comparison reads
// (the memo needs the digest alone). The applier reads such an object whole before it compares.
func DigestOwnedFields(obj client.Object) {
	entries := obj.GetManagedFields()
	for i, e := range entries {
		if isOurApply(e) && e.FieldsV1 != nil && !digestOnly(e) {
			sum := sha256.Sum256(e.FieldsV1.Raw)
			entries[i].FieldsV1 = &metav1.FieldsV1{Raw: append(slices.Clip(fieldsDigest), sum[:]...)}
		}
	}
	obj.SetManagedFields(entries)
}

// ownedFieldsDigested reports whether live holds only the digest of the operator's field set.
func ownedFieldsDigested(live client.Object) bool {
	return slices.ContainsFunc(live.GetManagedFields(), func(e metav1.ManagedFieldsEntry) bool {
		return isOurApply(e) && digestOnly(e)
	})
}

func digestOnly(e metav1.ManagedFieldsEntry) bool {
	return e.FieldsV1 != nil && bytes.HasPrefix(e.FieldsV1.Raw, fieldsDigest)
}

// appliedHash is the hash of obj as built, before the applied annotation is added to it.
func appliedHash(obj client.Object) (string, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", obj.GetName(), err)
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:18]), nil
}

func withAnnotation(annotations map[string]string, key, value string) map[string]string {
	out := maps.Clone(annotations)
	if out == nil {
		out = map[string]string{}
	}
	out[key] = value
	return out
}

// unchangedSinceApplied reports whether live holds what the operator applied with hash: it carries
// that hash, and every other writer's last change is older than the operator's last apply (whole
// seconds: a change in the same second counts as later). Status writes do not count; a scale
// (spec.replicas) does.
func unchangedSinceApplied(live client.Object, hash string) bool {
	if live.GetAnnotations()[v1alpha1.AnnotationApplied] != hash {
		return false
	}
	var ours *metav1.Time
	entries := live.GetManagedFields()
	for _, e := range entries {
		if isOurApply(e) {
			ours = e.Time
		}
	}
	if ours == nil {
		return false
	}
	for _, e := range entries {
		if isOurApply(e) || e.Subresource == "status" {
			continue
		}
		if e.Time == nil || !e.Time.Before(ours) {
			return false
		}
	}
	return true
}

func isOurApply(e metav1.ManagedFieldsEntry) bool {
	return e.Manager == FieldOwner && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == ""
}
