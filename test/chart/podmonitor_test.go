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
	"os"
	"path/filepath"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// TestPodMonitor: no PodMonitor by default; with metrics.podMonitor.enabled one that selects the
// database pods by labels the operator puts on them, on their metrics port, in every namespace or
// only the watched ones, and that scrapes what config/prometheus/podmonitor.yaml scrapes.
func TestPodMonitor(t *testing.T) {
	const name = "ordinal-database"
	if o := find(render(t), "PodMonitor", "ordinal-system", name); o != nil {
		t.Fatal("PodMonitor rendered by default")
	}
	pm := find(render(t, "--set", "metrics.podMonitor.enabled=true", "--set", "metrics.podMonitor.labels.release=kps"),
		"PodMonitor", "ordinal-system", name)
	if pm == nil {
		t.Fatal("no PodMonitor with metrics.podMonitor.enabled")
	}
	if pm.GetLabels()["release"] != "kps" {
		t.Errorf("labels %v lack release=kps", pm.GetLabels())
	}
	if anyNS, _, _ := unstructured.NestedBool(pm.Object, "spec", "namespaceSelector", "any"); !anyNS {
		t.Errorf("namespaceSelector %v, want any", pm.Object["spec"].(map[string]any)["namespaceSelector"])
	}
	sel, _, _ := unstructured.NestedStringMap(pm.Object, "spec", "selector", "matchLabels")
	pod := desired.Labels(&v1alpha1.MySQLCluster{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns"}})
	for k, v := range sel {
		if pod[k] != v {
			t.Errorf("selector %s=%s, but database pods have %s=%q", k, v, k, pod[k])
		}
	}
	eps, _, _ := unstructured.NestedSlice(pm.Object, "spec", "podMetricsEndpoints")
	if len(eps) != 1 || eps[0].(map[string]any)["port"] != desired.PortNameMetrics {
		t.Errorf("endpoints %v, want one on port %q", eps, desired.PortNameMetrics)
	}

	b, err := os.ReadFile(filepath.Join(repo, "config", "prometheus", "podmonitor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kz, err := decode(string(b))
	if err != nil || len(kz) != 1 {
		t.Fatalf("config/prometheus/podmonitor.yaml: %d objects, %v", len(kz), err)
	}
	for _, f := range []string{"selector", "podMetricsEndpoints", "namespaceSelector"} {
		if k, h := kz[0].Object["spec"].(map[string]any)[f], pm.Object["spec"].(map[string]any)[f]; !reflect.DeepEqual(k, h) {
			t.Errorf("spec.%s differs:\n  config/prometheus: %v\n  chart:             %v", f, k, h)
		}
	}

	watched := find(render(t, "--set", "metrics.podMonitor.enabled=true", "--set", "watchNamespaces={team-a,team-b}"),
		"PodMonitor", "ordinal-system", name)
	got, _, _ := unstructured.NestedStringSlice(watched.Object, "spec", "namespaceSelector", "matchNames")
	if !reflect.DeepEqual(got, []string{"team-a", "team-b"}) {
		t.Errorf("with watchNamespaces: namespaceSelector.matchNames %v", got)
	}
}
