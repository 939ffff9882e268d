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
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The alert rules and the Grafana dashboard, and their chart copies.
const (
	alertsSource    = "config/prometheus/alerts.yaml"
	dashboardSource = "config/grafana/ordinal-cluster.json"
	alertsOut       = "dist/chart/templates/metrics/prometheusrule.yaml"
	dashboardOut    = "dist/chart/templates/metrics/dashboard.yaml"
)

// alertsTemplate turns config/prometheus/alerts.yaml into the chart's PrometheusRule: rendered
// with metrics.prometheusRule.enabled, named and labelled by the chart, with the rules (spec)
// copied verbatim, escaped: the alerts' own {{ $labels }} templates are Prometheus', not Helm's.
func alertsTemplate(src []byte, rel string) ([]byte, error) {
	in := lines(src)
	if !slices.Contains(in, "kind: PrometheusRule") {
		return nil, fmt.Errorf("not a PrometheusRule")
	}
	if slices.Contains(in[1:], "---") {
		return nil, fmt.Errorf("more than one object: only the PrometheusRule is expected")
	}
	spec := slices.Index(in, "spec:")
	if spec < 0 {
		return nil, fmt.Errorf("no spec")
	}
	out := []string{
		"{{- if .Values.metrics.prometheusRule.enabled }}",
		"# " + header(rel),
		"apiVersion: monitoring.coreos.com/v1",
		"kind: PrometheusRule",
		"metadata:",
		`  name: {{ include "ordinal.fullname" . }}-alerts`,
		"  namespace: {{ .Release.Namespace }}",
		"  labels:",
		`    {{- include "ordinal.labels" . | nindent 4 }}`,
		"    {{- with .Values.metrics.prometheusRule.labels }}",
		"    {{- toYaml . | nindent 4 }}",
		"    {{- end }}",
	}
	out = append(out, escapeAll(in[spec:])...)
	out = append(out, "{{- end }}")
	return []byte(strings.Join(out, "\n") + "\n"), nil
}

// dashboardTemplate puts the Grafana dashboard in a ConfigMap labelled grafana_dashboard=1, the
// label Grafana's dashboard sidecar (kube-prometheus-stack) loads dashboards from.
func dashboardTemplate(src []byte, rel string) ([]byte, error) {
	var d struct {
		UID string `json:"uid"`
	}
	if err := json.Unmarshal(src, &d); err != nil || d.UID == "" {
		return nil, fmt.Errorf("not a Grafana dashboard with a uid: %v", err)
	}
	out := []string{
		"{{- if .Values.metrics.dashboard.enabled }}",
		"# " + header(rel),
		"apiVersion: v1",
		"kind: ConfigMap",
		"metadata:",
		`  name: {{ include "ordinal.fullname" . }}-dashboard`,
		"  namespace: {{ .Release.Namespace }}",
		"  labels:",
		`    {{- include "ordinal.labels" . | nindent 4 }}`,
		`    grafana_dashboard: "1"`,
		"    {{- with .Values.metrics.dashboard.labels }}",
		"    {{- toYaml . | nindent 4 }}",
		"    {{- end }}",
		"data:",
		"  ordinal-cluster.json: |-",
	}
	for _, l := range lines(src) {
		out = append(out, strings.TrimRight("    "+escape(l), " "))
	}
	out = append(out, "{{- end }}")
	return []byte(strings.Join(out, "\n") + "\n"), nil
}
