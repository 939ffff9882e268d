//go:build envtest

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

package chart

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestKustomizeAndChartInstallTheSame keeps the two install paths from drifting apart: helm
// template with default values and kubectl kustomize config/default give the same objects (kind,
// namespace, name), the same RBAC rules and bindings, the same CRD and the same operator pod.
// Labels differ by design (helm.sh/chart, managed-by), and config/default also creates the
// namespace, which helm does with --create-namespace.
func TestKustomizeAndChartInstallTheSame(t *testing.T) {
	out := kubectl(t, "kustomize", filepath.Join(repo, "config", "default"))
	kz, err := decode(out)
	if err != nil {
		t.Fatal(err)
	}
	kz = slices.DeleteFunc(kz, func(o *unstructured.Unstructured) bool {
		return o.GetKind() == "Namespace" && o.GetName() == "ordinal-system"
	})
	hm := render(t)
	if k, h := ids(kz), ids(hm); !slices.Equal(k, h) {
		t.Fatalf("different objects:\n  config/default: %v\n  chart:          %v", k, h)
	}
	for _, k := range kz {
		h := find(hm, k.GetKind(), k.GetNamespace(), k.GetName())
		for _, diff := range compare(t, k, h) {
			t.Errorf("%s %s: %s", k.GetKind(), k.GetName(), diff)
		}
	}
}

// ids lists objects as sorted kind/namespace/name strings.
func ids(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		out = append(out, fmt.Sprintf("%s/%s/%s", o.GetKind(), o.GetNamespace(), o.GetName()))
	}
	slices.Sort(out)
	return out
}

// compare returns the differences that matter between config/default's object k and the
// chart's h, by kind.
func compare(t *testing.T, k, h *unstructured.Unstructured) []string {
	switch k.GetKind() {
	case "ClusterRole", "Role":
		if !sameRules(t, k, h) {
			return []string{fmt.Sprintf("rules differ:\n%v\n%v", k.Object["rules"], h.Object["rules"])}
		}
		return nil
	case "ClusterRoleBinding", "RoleBinding":
		return diffFields(k, h, "roleRef", "subjects")
	case "CustomResourceDefinition":
		return diffFields(k, h, "spec")
	case "Deployment":
		return compareDeployments(t, k, h)
	case "Service":
		return diffFields(k, h, "spec.selector", "spec.ports", "spec.type")
	case "ServiceAccount":
		return nil
	}
	return []string{"no comparison for this kind: add one"}
}

func compareDeployments(t *testing.T, k, h *unstructured.Unstructured) []string {
	diffs := diffFields(k, h, "spec.replicas", "spec.selector",
		"spec.template.spec.serviceAccountName", "spec.template.spec.terminationGracePeriodSeconds",
		"spec.template.spec.securityContext", "spec.template.spec.affinity")
	kc, hc := managerContainer(t, []*unstructured.Unstructured{k}), managerContainer(t, []*unstructured.Unstructured{h})
	for _, f := range []string{"image", "command", "args", "env", "ports", "livenessProbe", "readinessProbe", "resources", "securityContext"} {
		if !reflect.DeepEqual(kc[f], hc[f]) {
			diffs = append(diffs, fmt.Sprintf("manager container %s differs:\n  config/default: %v\n  chart:          %v", f, kc[f], hc[f]))
		}
	}
	return diffs
}

// diffFields compares dotted paths of two objects.
func diffFields(k, h *unstructured.Unstructured, paths ...string) []string {
	var diffs []string
	for _, p := range paths {
		kv, _, _ := unstructured.NestedFieldNoCopy(k.Object, strings.Split(p, ".")...)
		hv, _, _ := unstructured.NestedFieldNoCopy(h.Object, strings.Split(p, ".")...)
		if !reflect.DeepEqual(kv, hv) {
			diffs = append(diffs, fmt.Sprintf("%s differs:\n  config/default: %v\n  chart:          %v", p, kv, hv))
		}
	}
	return diffs
}

// sameRules compares two roles' rules as sets of (apiGroup, resource, verb) grants, so that the
// same permissions written in another order or grouping compare equal.
func sameRules(t *testing.T, a, b *unstructured.Unstructured) bool {
	t.Helper()
	if a == nil || b == nil {
		t.Fatalf("sameRules: missing role (%v, %v)", a, b)
	}
	ga, gb := grants(a), grants(b)
	if len(ga) == 0 {
		t.Fatalf("%s %s grants nothing", a.GetKind(), a.GetName())
	}
	return slices.Equal(ga, gb)
}

func grants(role *unstructured.Unstructured) []string {
	rules, _, _ := unstructured.NestedSlice(role.Object, "rules")
	var out []string
	for _, r := range rules {
		m, _ := r.(map[string]any)
		groups, _, _ := unstructured.NestedStringSlice(m, "apiGroups")
		resources, _, _ := unstructured.NestedStringSlice(m, "resources")
		verbs, _, _ := unstructured.NestedStringSlice(m, "verbs")
		urls, _, _ := unstructured.NestedStringSlice(m, "nonResourceURLs")
		for _, u := range urls {
			for _, v := range verbs {
				out = append(out, u+":"+v)
			}
		}
		for _, g := range groups {
			for _, r := range resources {
				for _, v := range verbs {
					out = append(out, g+"/"+r+":"+v)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
