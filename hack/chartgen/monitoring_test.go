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

package main

import (
	"strings"
	"testing"
)

func TestAlertsTemplateEscapesPrometheusTemplates(t *testing.T) {
	src := "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: x\nspec:\n  groups:\n  - name: g\n" +
		"    rules:\n    - alert: A\n      annotations:\n        summary: '{{ $labels.pod }} is down'\n"
	b, err := alertsTemplate([]byte(src), "config/prometheus/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{
		"{{- if .Values.metrics.prometheusRule.enabled }}",
		`  name: {{ include "ordinal.fullname" . }}-alerts`,
		`summary: '{{ "{{" }} $labels.pod }} is down'`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "  name: x") {
		t.Errorf("the source's name was kept; the chart names the object:\n%s", out)
	}
	if _, err := alertsTemplate([]byte("kind: ConfigMap\n"), "x"); err == nil {
		t.Error("a ConfigMap was accepted as the alert rules")
	}
}

func TestDashboardTemplate(t *testing.T) {
	b, err := dashboardTemplate([]byte("{\n  \"uid\": \"u\",\n  \"legendFormat\": \"{{pod}}\"\n}\n"), "config/grafana/d.json")
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{`    grafana_dashboard: "1"`, "  ordinal-cluster.json: |-", `      "legendFormat": "{{ "{{" }}pod}}"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if _, err := dashboardTemplate([]byte(`{"title": "no uid"}`), "x"); err == nil {
		t.Error("a dashboard without a uid was accepted")
	}
}
