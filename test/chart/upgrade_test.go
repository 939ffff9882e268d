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
	"context"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// mysqlCluster is a minimal MySQLCluster; with replicasService it sets the field the previous
// chart's CRD lacks.
func mysqlCluster(ns, name string, replicasService bool) string {
	s := fmt.Sprintf(`apiVersion: mysql.ordinal.dev/v1alpha1
kind: MySQLCluster
metadata:
  name: %s
  namespace: %s
spec:
  replicas: 3
  engine:
    flavor: mariadb
    version: "11.4"
  storage:
    size: 1Gi
`, name, ns)
	if replicasService {
		s += "  replicasService:\n    type: NodePort\n"
	}
	return s
}

// apply server-side applies a manifest with kubectl, which validates fields strictly unless
// told otherwise.
func apply(manifest string) (string, error) {
	return runBinStdin(manifest, "kubectl", "apply", "--server-side", "-f", "-")
}

func getCluster(t *testing.T, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "mysql.ordinal.dev", Version: "v1alpha1", Kind: "MySQLCluster"})
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
		t.Fatalf("get MySQLCluster %s/%s: %v", ns, name, err)
	}
	return u
}

// TestUpgradeFromPreviousChart: helm upgrade from chart 0.1.0 (testdata) to this one upgrades the
// CRD in place, after which the new field is accepted, and leaves the clusters created before it
// exactly as they were.
func TestUpgradeFromPreviousChart(t *testing.T) {
	reset(t)
	system, apps := newNamespace(t, "upgrade-system"), newNamespace(t, "upgrade-apps")
	helm(t, "install", "ordinal", fixture(), "-n", system)
	before := established(t)
	if _, err := apply(mysqlCluster(apps, "old", false)); err != nil {
		t.Fatal(err)
	}
	refusedThenPruned(t, apps)
	old := getCluster(t, apps, "old")

	out := helm(t, "upgrade", "ordinal", chartDir(), "-n", system)
	if !strings.Contains(out, "has been upgraded") {
		t.Fatalf("helm upgrade:\n%s", out)
	}
	after := established(t)
	if after.UID != before.UID {
		t.Errorf("the CRD was replaced (UID %s → %s): every MySQLCluster would have been deleted", before.UID, after.UID)
	}
	if _, ok := after.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["replicasService"]; !ok {
		t.Fatal("the upgraded CRD has no spec.replicasService")
	}
	if out, err := apply(mysqlCluster(apps, "new", true)); err != nil {
		t.Fatalf("after the upgrade spec.replicasService is still refused: %v\n%s", err, out)
	}
	if v, _, _ := unstructured.NestedString(getCluster(t, apps, "new").Object, "spec", "replicasService", "type"); v != "NodePort" {
		t.Errorf("stored spec.replicasService.type = %q, want NodePort", v)
	}
	untouched(t, old, getCluster(t, apps, "old"))
	if rs := releases(t); len(rs) != 1 || rs[0].Chart != "ordinal-0.2.0" || rs[0].Revision != 2 || rs[0].Status != "deployed" {
		t.Errorf("releases after the upgrade = %+v, want ordinal-0.2.0, revision 2, deployed", rs)
	}
}

// withoutDefaultTLS is spec without spec.tls when that holds only its default.
func withoutDefaultTLS(spec any) any {
	m, ok := spec.(map[string]any)
	if !ok || !reflect.DeepEqual(m["tls"], map[string]any{"enabled": true}) {
		return spec
	}
	m = maps.Clone(m)
	delete(m, "tls")
	return m
}

// refusedThenPruned shows what the previous CRD does with the new field: server-side apply and
// strict validation refuse it, and a client that does not validate gets it silently pruned.
func refusedThenPruned(t *testing.T, ns string) {
	t.Helper()
	out, err := apply(mysqlCluster(ns, "early", true))
	if err == nil || !strings.Contains(out, ".spec.replicasService: field not declared in schema") {
		t.Fatalf("chart 0.1.0: server-side apply of spec.replicasService was not refused (err=%v):\n%s", err, out)
	}
	out, err = runBinStdin(mysqlCluster(ns, "early", true), "kubectl", "create", "-f", "-")
	if err == nil || !strings.Contains(out, `unknown field "spec.replicasService"`) {
		t.Fatalf("chart 0.1.0: strict create of spec.replicasService was not refused (err=%v):\n%s", err, out)
	}
	if out, err := runBinStdin(mysqlCluster(ns, "early", true), "kubectl", "create", "--validate=false", "-f", "-"); err != nil {
		t.Fatalf("create without validation: %v\n%s", err, out)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(getCluster(t, ns, "early").Object, "spec", "replicasService"); found {
		t.Fatal("chart 0.1.0's CRD stored spec.replicasService instead of pruning it")
	}
}

// untouched: the upgrade wrote nothing to a cluster created before it.
func untouched(t *testing.T, before, after *unstructured.Unstructured) {
	t.Helper()
	if before.GetUID() != after.GetUID() || before.GetResourceVersion() != after.GetResourceVersion() ||
		before.GetGeneration() != after.GetGeneration() {
		t.Errorf("%s changed: uid %s → %s, resourceVersion %s → %s, generation %d → %d", before.GetName(),
			before.GetUID(), after.GetUID(), before.GetResourceVersion(), after.GetResourceVersion(),
			before.GetGeneration(), after.GetGeneration())
	}
	// The new schema's defaults appear when a stored object is read (resourceVersion and
	// generation above show nothing was written): spec.tls, on by default.
	if b, a := withoutDefaultTLS(before.Object["spec"]), withoutDefaultTLS(after.Object["spec"]); !reflect.DeepEqual(b, a) {
		t.Errorf("%s spec changed:\n  before %v\n  after  %v", before.GetName(), b, a)
	}
}
