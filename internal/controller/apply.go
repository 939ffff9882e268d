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
	"encoding/json"
	"fmt"
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// FieldOwner is the server-side apply field manager of everything the operator writes.
const FieldOwner = "ordinal"

// applier writes desired objects with server-side apply, and skips the request entirely when the
// fields the operator owns on the live object already hold the desired values: a reconcile that
// changes nothing writes nothing.
type applier struct {
	client client.Client
	// reader reads whole an object the cache keeps trimmed (DigestOwnedFields) when it must be
	// compared field by field; nil compares live as given.
	reader client.Reader
	// memo, when set, skips the field-by-field comparison of an object unchanged since applied;
	// cluster owns the objects applied.
	memo    *appliedMemo
	cluster types.UID
}

// apply returns whether it sent a write. live is the object as last read (nil when absent). obj
// gets the applied annotation (the hash of obj as built).
func (a applier) apply(ctx context.Context, obj, live client.Object) (bool, error) {
	hash, err := appliedHash(obj)
	if err != nil {
		return false, err
	}
	obj.SetAnnotations(withAnnotation(obj.GetAnnotations(), v1alpha1.AnnotationApplied, hash))
	if live != nil {
		if a.memo != nil && a.memo.same(a.cluster, live, hash) {
			return false, nil
		}
		if live, err = a.whole(ctx, live); err != nil {
			return false, err
		}
		same, err := ownedFieldsMatch(obj, live)
		if err != nil {
			return false, err
		}
		if same {
			if a.memo != nil {
				a.memo.matched(a.cluster, live)
			}
			return false, nil
		}
	}
	u, err := desired.ForApply(obj)
	if err != nil {
		return false, err
	}
	ac := client.ApplyConfigurationFromUnstructured(u)
	if err := a.client.Apply(ctx, ac, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return false, fmt.Errorf("apply %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	if a.memo != nil {
		// u now holds the object as applied: remembering its owned fields here, not at the next
		// pass, lets that pass notice a field another writer removed in between.
		a.memo.matched(a.cluster, u)
	}
	return true, nil
}

// whole returns live as the API server holds it when the cache kept it trimmed: a comparison
// needs every field the operator owns. Only an object another writer changed after the operator's
// last apply (or one applied by an older version) is read so.
func (a applier) whole(ctx context.Context, live client.Object) (client.Object, error) {
	if a.reader == nil || !ownedFieldsDigested(live) {
		return live, nil
	}
	// A new object: decoding into the trimmed one would keep map entries the server no longer has.
	full, ok := reflect.New(reflect.TypeOf(live).Elem()).Interface().(client.Object)
	if !ok {
		return nil, fmt.Errorf("read %s whole: %T is not an object", live.GetName(), live)
	}
	if err := a.reader.Get(ctx, client.ObjectKeyFromObject(live), full); err != nil {
		return nil, fmt.Errorf("read %s whole: %w", live.GetName(), err)
	}
	return full, nil
}

// ownedFieldsMatch compares the desired object with the live object's fields managed by FieldOwner.
// A kind the operator has no Go types for (cert-manager's Certificate) is compared as plain data:
// live must hold every field of desired with the same value.
func ownedFieldsMatch(desired, live client.Object) (bool, error) {
	if u, ok := desired.(*unstructured.Unstructured); ok {
		l, ok := live.(*unstructured.Unstructured)
		return ok && contains(l.Object, u.Object), nil
	}
	owned, err := extractOwned(live)
	if err != nil || owned == nil {
		return false, err
	}
	want, err := comparable(desired)
	if err != nil {
		return false, err
	}
	got, err := comparable(owned)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(want, got), nil
}

// extractOwned returns the apply configuration of the fields the operator owns on live, or nil
// when it owns none (an object another manager created).
func extractOwned(live client.Object) (any, error) {
	if len(live.GetManagedFields()) == 0 {
		return nil, nil
	}
	if ownedFieldsDigested(live) {
		// Extraction would fail on the digest (the schema walk even panics): read it whole first.
		return nil, fmt.Errorf("%s holds only the digest of the fields %s owns", live.GetName(), FieldOwner)
	}
	var (
		out any
		err error
	)
	switch o := live.(type) {
	case *appsv1.StatefulSet:
		out, err = appsv1ac.ExtractStatefulSet(o, FieldOwner)
	case *corev1.Service:
		out, err = corev1ac.ExtractService(o, FieldOwner)
	case *corev1.ConfigMap:
		out, err = corev1ac.ExtractConfigMap(o, FieldOwner)
	case *corev1.ServiceAccount:
		out, err = corev1ac.ExtractServiceAccount(o, FieldOwner)
	case *policyv1.PodDisruptionBudget:
		out, err = policyv1ac.ExtractPodDisruptionBudget(o, FieldOwner)
	default:
		return nil, fmt.Errorf("no field extractor for %T", live)
	}
	if err != nil {
		return nil, fmt.Errorf("extract fields of %s owned by %s: %w", live.GetName(), FieldOwner, err)
	}
	return out, nil
}

// comparable renders an object as plain JSON values with empty and null values removed, so a typed
// object and an apply configuration of the same content compare equal.
func comparable(obj any) (any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", obj, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("unmarshal %T: %w", obj, err)
	}
	delete(m, "status")
	dropClaimTemplateStatus(m)
	if md, ok := m["metadata"].(map[string]any); ok {
		// Extraction always reports name and namespace; the rest of metadata is compared as owned.
		delete(md, "managedFields")
	}
	return prune(m), nil
}

// dropClaimTemplateStatus removes the status the apiserver stores in each StatefulSet claim
// template: volumeClaimTemplates is an atomic list, so the operator "owns" that server-filled field.
func dropClaimTemplateStatus(m map[string]any) {
	spec, _ := m["spec"].(map[string]any)
	templates, _ := spec["volumeClaimTemplates"].([]any)
	for _, t := range templates {
		if tm, ok := t.(map[string]any); ok {
			delete(tm, "status")
		}
	}
}

// prune removes nulls, empty maps and empty lists, recursively.
func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			e = prune(e)
			if e == nil || isEmpty(e) {
				continue
			}
			out[k] = e
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			out = append(out, prune(e))
		}
		return out
	default:
		return v
	}
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

// contains reports whether live holds every field of want with the same value (lists element by
// element, of the same length): what the API server or another controller added does not count as
// a difference.
func contains(live, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !contains(l[k], v) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(w) {
			return false
		}
		for i := range w {
			if !contains(l[i], w[i]) {
				return false
			}
		}
		return true
	}
	return fmt.Sprint(live) == fmt.Sprint(want)
}

// isNoMatch is true when the API server does not serve a kind (e.g. policy/v1 on an old cluster).
func isNoMatch(err error) bool { return meta.IsNoMatchError(err) }
