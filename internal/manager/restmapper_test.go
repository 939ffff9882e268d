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

package manager

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// countingMapper counts the mappings it is asked for.
type countingMapper struct {
	*meta.DefaultRESTMapper
	asked int
}

func (c *countingMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	c.asked++
	return c.DefaultRESTMapper.RESTMapping(gk, versions...)
}

// A found mapping is asked for once; a kind not found is asked again, so one installed later is found.
func TestTheMapperRemembersFoundMappingsOnly(t *testing.T) {
	pods := schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	certs := schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}
	inner := &countingMapper{DefaultRESTMapper: meta.NewDefaultRESTMapper(nil)}
	inner.Add(pods, meta.RESTScopeNamespace)
	m := &memoMapper{RESTMapper: inner, found: map[mappingKey]meta.RESTMapping{}}
	for range 3 {
		got, err := m.RESTMapping(pods.GroupKind(), "v1")
		if err != nil || got.Scope.Name() != meta.RESTScopeNameNamespace || got.Resource.Resource != "pods" {
			t.Fatalf("pods: %+v, %v", got, err)
		}
		got.Resource.Resource = "changed by a caller"
	}
	if inner.asked != 1 {
		t.Errorf("the pod mapping was looked up %d times, want 1", inner.asked)
	}
	if _, err := m.RESTMapping(certs.GroupKind(), "v1"); !meta.IsNoMatchError(err) {
		t.Fatalf("certificates before their CRD: %v", err)
	}
	inner.Add(certs, meta.RESTScopeNamespace)
	if got, err := m.RESTMapping(certs.GroupKind(), "v1"); err != nil || got.GroupVersionKind != certs {
		t.Errorf("certificates after their CRD: %+v, %v", got, err)
	}
}
