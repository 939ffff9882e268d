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
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// ForApply converts a built object into the apply configuration the operator sends with
// server-side apply (client.ApplyConfigurationFromUnstructured). It drops what typed Go structs
// cannot leave out but the operator must not claim: the zero status (non-omitempty counters such as
// a StatefulSet's status.replicas), the claim templates' empty status, and every null
// (creationTimestamp: null at any depth).
func ForApply(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("convert %T to unstructured: %w", obj, err)
	}
	u := &unstructured.Unstructured{Object: dropNulls(m)}
	if u.GetAPIVersion() == "" || u.GetKind() == "" {
		return nil, fmt.Errorf("convert %T %q: apiVersion and kind must be set", obj, u.GetName())
	}
	unstructured.RemoveNestedField(u.Object, "status")
	claims, found, err := unstructured.NestedSlice(u.Object, "spec", "volumeClaimTemplates")
	if err != nil {
		return nil, fmt.Errorf("convert %T %q: volumeClaimTemplates: %w", obj, u.GetName(), err)
	}
	if !found {
		return u, nil
	}
	for _, claim := range claims {
		if cm, ok := claim.(map[string]any); ok {
			delete(cm, "status")
		}
	}
	if err := unstructured.SetNestedSlice(u.Object, claims, "spec", "volumeClaimTemplates"); err != nil {
		return nil, fmt.Errorf("convert %T %q: %w", obj, u.GetName(), err)
	}
	return u, nil
}

// dropNulls removes null values from a JSON-like map, recursively.
func dropNulls(m map[string]any) map[string]any {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			dropNulls(t)
		case []any:
			for _, e := range t {
				if em, ok := e.(map[string]any); ok {
					dropNulls(em)
				}
			}
		}
	}
	return m
}
