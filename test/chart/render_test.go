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
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// TestLint runs helm lint --strict with the default values and with each value that changes what
// the chart renders.
func TestLint(t *testing.T) {
	for name, args := range map[string][]string{
		"defaults":        nil,
		"watchNamespaces": {"--set", "watchNamespaces={team-a,team-b}"},
		"digest":          {"--set", "image.digest=" + digest},
		"tag and digest":  {"--set", "image.tag=0.2.0", "--set", "image.digest=" + digest},
		"metrics":         {"--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.dashboard.enabled=true"},
		"no metrics":      {"--set", "metrics.enabled=false"},
		"no CRD":          {"--set", "crds.install=false"},
	} {
		t.Run(name, func(t *testing.T) {
			out := helm(t, append([]string{"lint", "--strict", chartDir()}, args...)...)
			if !strings.Contains(out, "1 chart(s) linted, 0 chart(s) failed") {
				t.Errorf("helm lint:\n%s", out)
			}
		})
	}
}

// TestValuesRefused: the schema and the templates refuse values that would install something
// other than what was asked.
func TestValuesRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"unknown top-level key":     {[]string{"--set", "watchNamespace=a"}, "additional properties 'watchNamespace' not allowed"},
		"unknown nested key":        {[]string{"--set", "crds.kep=false"}, "additional properties 'kep' not allowed"},
		"wrong type":                {[]string{"--set", "replicaCount=two"}, "/replicaCount"},
		"invalid namespace":         {[]string{"--set", "watchNamespaces={Team_A}"}, "/watchNamespaces/0"},
		"invalid digest":            {[]string{"--set", "image.digest=latest"}, "/image/digest"},
		"latest tag":                {[]string{"--set", "image.tag=latest"}, "must be pinned"},
		"monitor without metrics":   {[]string{"--set", "metrics.enabled=false", "--set", "metrics.serviceMonitor.enabled=true"}, "needs metrics.enabled"},
		"metrics on the probe port": {[]string{"--set", "metrics.enabled=true", "--set", "metrics.port=8081"}, "/metrics/port"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := runBin("helm", append([]string{"template", "ordinal", chartDir()}, tc.args...)...)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("helm template %v: err=%v, want a failure saying %q; output:\n%s", tc.args, err, tc.want, out)
			}
		})
	}
}

// TestImageReference: the manager's container and --image (OPERATOR_IMAGE, the database pods'
// image) get the same reference, pinned by tag, digest or both.
func TestImageReference(t *testing.T) {
	const repo = "ghcr.io/ordinal-dev/ordinal"
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"default: the appVersion": {nil, repo + ":0.2.0"},
		"tag":                     {[]string{"--set", "image.tag=0.2.1"}, repo + ":0.2.1"},
		"digest alone":            {[]string{"--set", "image.digest=" + digest}, repo + "@" + digest},
		"tag and digest":          {[]string{"--set", "image.tag=0.2.1", "--set", "image.digest=" + digest}, repo + ":0.2.1@" + digest},
		"other repository":        {[]string{"--set", "image.repository=registry.local/ordinal"}, "registry.local/ordinal:0.2.0"},
	} {
		t.Run(name, func(t *testing.T) {
			c := managerContainer(t, render(t, tc.args...))
			if got := c["image"]; got != tc.want {
				t.Errorf("container image = %v, want %s", got, tc.want)
			}
			if got := envValue(c, "OPERATOR_IMAGE"); got != tc.want {
				t.Errorf("OPERATOR_IMAGE = %q, want %s", got, tc.want)
			}
			if !slices.Contains(args(c), "--image=$(OPERATOR_IMAGE)") {
				t.Errorf("args %v lack --image=$(OPERATOR_IMAGE)", args(c))
			}
		})
	}
}

// TestWatchNamespacesRendersRoles: with watchNamespaces the operator's rules are Roles in those
// namespaces, nothing cluster-wide is bound to its ServiceAccount but the metrics endpoint's
// token and access reviews (cluster-scoped APIs that read no data), and the manager gets the flag.
func TestWatchNamespacesRendersRoles(t *testing.T) {
	objs := render(t, "--set", "watchNamespaces={team-a,team-b}")
	for _, ns := range []string{"team-a", "team-b"} {
		role := find(objs, "Role", ns, "ordinal-manager-role")
		if role == nil || find(objs, "RoleBinding", ns, "ordinal-manager-rolebinding") == nil {
			t.Fatalf("no Role and RoleBinding ordinal-manager-role(binding) in %s", ns)
		}
		if !sameRules(t, role, find(render(t), "ClusterRole", "", "ordinal-manager-role")) {
			t.Errorf("the Role in %s does not hold the ClusterRole's rules", ns)
		}
	}
	for _, o := range objs {
		if o.GetKind() == "ClusterRoleBinding" && o.GetName() != "ordinal-metrics-auth-rolebinding" {
			t.Errorf("ClusterRoleBinding %s rendered: the operator must have no cluster-wide access", o.GetName())
		}
	}
	if g := grants(find(objs, "ClusterRole", "", "ordinal-metrics-auth-role")); !slices.Equal(g, []string{
		"authentication.k8s.io/tokenreviews:create", "authorization.k8s.io/subjectaccessreviews:create"}) {
		t.Errorf("the metrics-auth ClusterRole grants %v, want only token and access reviews", g)
	}
	if find(objs, "ClusterRole", "", "ordinal-manager-role") != nil {
		t.Error("ClusterRole ordinal-manager-role rendered with watchNamespaces")
	}
	if a := args(managerContainer(t, objs)); !slices.Contains(a, "--watch-namespaces=team-a,team-b") {
		t.Errorf("manager args %v lack --watch-namespaces=team-a,team-b", a)
	}
	if a := args(managerContainer(t, render(t))); slices.ContainsFunc(a, func(s string) bool { return strings.HasPrefix(s, "--watch-namespaces") }) {
		t.Errorf("default manager args %v watch namespaces", a)
	}
}

// TestCRDValues: crds.install and crds.keep decide whether the CRD is rendered and whether Helm
// keeps it on uninstall.
func TestCRDValues(t *testing.T) {
	crd := find(render(t), "CustomResourceDefinition", "", crdName)
	if crd == nil || crd.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
		t.Fatalf("default CRD = %v, want it annotated helm.sh/resource-policy: keep", crd)
	}
	crd = find(render(t, "--set", "crds.keep=false"), "CustomResourceDefinition", "", crdName)
	if crd == nil || crd.GetAnnotations()["helm.sh/resource-policy"] != "" {
		t.Fatalf("crds.keep=false: CRD = %v, want it without the keep policy", crd)
	}
	if crd := find(render(t, "--set", "crds.install=false"), "CustomResourceDefinition", "", crdName); crd != nil {
		t.Fatal("crds.install=false rendered the CRD")
	}
}

// TestMetrics: by default the metrics endpoint is served over HTTPS on the pod IP (8443), with a
// Service selecting the operator pods and the ClusterRoles of the authenticated endpoint; the
// ServiceMonitor scrapes that Service over HTTPS with its token; metrics.enabled=false turns it all off.
func TestMetrics(t *testing.T) {
	off := render(t, "--set", "metrics.enabled=false")
	if a := args(managerContainer(t, off)); !slices.Contains(a, "--metrics-bind-address=0") {
		t.Errorf("metrics.enabled=false: args %v, want the endpoint off", a)
	}
	for _, kind := range [][2]string{{"Service", "ordinal-controller-manager-metrics-service"}, {"ClusterRole", "ordinal-metrics-reader"}} {
		if find(off, kind[0], "", kind[1]) != nil || find(off, kind[0], "ordinal-system", kind[1]) != nil {
			t.Errorf("metrics.enabled=false rendered %s %s", kind[0], kind[1])
		}
	}
	objs := render(t, "--set", "metrics.serviceMonitor.enabled=true")
	if a := args(managerContainer(t, objs)); !slices.Contains(a, "--metrics-bind-address=$(POD_IP):8443") {
		t.Errorf("args %v lack --metrics-bind-address=$(POD_IP):8443", a)
	}
	svc := find(objs, "Service", "ordinal-system", "ordinal-controller-manager-metrics-service")
	if svc == nil {
		t.Fatal("no metrics Service")
	}
	dep := find(objs, "Deployment", "ordinal-system", "ordinal-controller-manager")
	podLabels, _, _ := unstructured.NestedStringMap(dep.Object, "spec", "template", "metadata", "labels")
	sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	for k, v := range sel {
		if podLabels[k] != v {
			t.Errorf("Service selector %s=%s does not match the operator pods %v", k, v, podLabels)
		}
	}
	if g := grants(find(objs, "ClusterRole", "", "ordinal-metrics-reader")); !slices.Equal(g, []string{"/metrics:get"}) {
		t.Errorf("metrics-reader grants %v, want GET /metrics only", g)
	}
	sm := find(objs, "ServiceMonitor", "ordinal-system", "ordinal-controller-manager-metrics-monitor")
	if sm == nil {
		t.Fatal("no ServiceMonitor")
	}
	smSel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	for k, v := range smSel {
		if svc.GetLabels()[k] != v {
			t.Errorf("ServiceMonitor selector %s=%s does not match the Service's labels %v", k, v, svc.GetLabels())
		}
	}
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(eps) != 1 || eps[0].(map[string]any)["scheme"] != "https" || eps[0].(map[string]any)["port"] != "https" ||
		eps[0].(map[string]any)["bearerTokenFile"] == nil {
		t.Errorf("ServiceMonitor endpoints %v, want the https port scraped with the ServiceAccount token", eps)
	}
}

// TestAlertsAndDashboard: the PrometheusRule holds config/prometheus/alerts.yaml's rules and the
// dashboard ConfigMap config/grafana's dashboard, each only when enabled.
func TestAlertsAndDashboard(t *testing.T) {
	def := render(t)
	if find(def, "PrometheusRule", "ordinal-system", "ordinal-alerts") != nil || find(def, "ConfigMap", "ordinal-system", "ordinal-dashboard") != nil {
		t.Error("the PrometheusRule or the dashboard rendered by default")
	}
	objs := render(t, "--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.dashboard.enabled=true")
	rule := find(objs, "PrometheusRule", "ordinal-system", "ordinal-alerts")
	if rule == nil {
		t.Fatal("no PrometheusRule ordinal-alerts")
	}
	src, err := decode(readRepoFile(t, "config/prometheus/alerts.yaml"))
	if err != nil || len(src) != 1 {
		t.Fatalf("config/prometheus/alerts.yaml: %v", err)
	}
	if d := diffFields(src[0], rule, "spec"); len(d) > 0 {
		t.Errorf("the chart's alerts differ from config/prometheus/alerts.yaml: %v", d)
	}
	cm := find(objs, "ConfigMap", "ordinal-system", "ordinal-dashboard")
	if cm == nil || cm.GetLabels()["grafana_dashboard"] != "1" {
		t.Fatalf("no ConfigMap ordinal-dashboard labelled grafana_dashboard=1: %v", cm)
	}
	if got, _, _ := unstructured.NestedString(cm.Object, "data", "ordinal-cluster.json"); got != strings.TrimSuffix(readRepoFile(t, "config/grafana/ordinal-cluster.json"), "\n") {
		t.Error("the chart's dashboard differs from config/grafana/ordinal-cluster.json")
	}
}

// managerContainer returns the manager container of the rendered Deployment.
func managerContainer(t *testing.T, objs []*unstructured.Unstructured) map[string]any {
	t.Helper()
	dep := find(objs, "Deployment", "ordinal-system", "ordinal-controller-manager")
	if dep == nil {
		t.Fatal("no Deployment ordinal-controller-manager in ordinal-system")
	}
	cs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	for _, c := range cs {
		if m, ok := c.(map[string]any); ok && m["name"] == "manager" {
			return m
		}
	}
	t.Fatal("no manager container")
	return nil
}

func args(c map[string]any) []string {
	a, _, _ := unstructured.NestedStringSlice(c, "args")
	return a
}

func envValue(c map[string]any, name string) string {
	env, _, _ := unstructured.NestedSlice(c, "env")
	for _, e := range env {
		if m, ok := e.(map[string]any); ok && m["name"] == name {
			v, _ := m["value"].(string)
			return v
		}
	}
	return ""
}

// readRepoFile is a file of the repository, by path from its root.
func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
