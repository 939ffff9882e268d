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

package alerts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"

	"github.com/ordinal-dev/ordinal/internal/metrics"
)

const root = "../.."

// serverNames are the agents' metrics (the contract of docs/monitoring.md, "Per-server metrics");
// serverPrefixes the families named after SHOW GLOBAL STATUS and VARIABLES.
var (
	serverNames = []string{
		"mysql_up", "mysql_global_status_commands_total", "mysql_global_status_innodb_buffer_pool_pages",
		"mysql_slave_status_seconds_behind_master", "mysql_slave_status_slave_io_running",
		"mysql_slave_status_slave_sql_running", "mysql_binlog_files", "mysql_binlog_size_bytes",
		"mysql_binlog_file_number", "ordinal_volume_capacity_bytes", "ordinal_volume_available_bytes",
		"ordinal_datadir_bytes", "ordinal_agent_info",
	}
	serverPrefixes = []string{"mysql_global_status_", "mysql_global_variables_"}
	// Prometheus' own: a target's health.
	prometheusNames = []string{"up"}
)

// known reports whether name is a metric someone serves; histogram series are named by family.
func known(name string) bool {
	family := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
	if slices.Contains(metrics.Names, name) || slices.Contains(metrics.Names, family) ||
		slices.Contains(serverNames, name) || slices.Contains(prometheusNames, name) {
		return true
	}
	return slices.ContainsFunc(serverPrefixes, func(p string) bool { return strings.HasPrefix(name, p) })
}

type rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Annotations map[string]string `json:"annotations"`
}

// loadRules reads the alert rules of config/prometheus/alerts.yaml.
func loadRules(t *testing.T) []rule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Spec struct {
			Groups []struct {
				Rules []rule `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &pr); err != nil {
		t.Fatal(err)
	}
	var out []rule
	for _, g := range pr.Spec.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// metricNames parses expr and returns the metric names it selects.
func metricNames(t *testing.T, what, expr string) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", what, expr, err)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			if vs.Name == "" {
				t.Errorf("%s: a selector without a metric name: %s", what, vs)
			}
			names = append(names, vs.Name)
		}
		return nil
	})
	return names
}

func TestAlertExpressionsParseAndUseServedMetrics(t *testing.T) {
	rules := loadRules(t)
	want := []string{"OrdinalPrimaryLost", "OrdinalCannotCommit", "OrdinalReplicaLagging", "OrdinalErrantMember", "OrdinalBackupFailing"}
	for _, name := range want {
		if !slices.ContainsFunc(rules, func(r rule) bool { return r.Alert == name }) {
			t.Errorf("no alert %s", name)
		}
	}
	for _, r := range rules {
		for _, n := range metricNames(t, r.Alert, r.Expr) {
			if !known(n) {
				t.Errorf("%s uses %s, which neither the operator nor the agents serve", r.Alert, n)
			}
		}
		if r.Annotations["summary"] == "" || !strings.Contains(r.Annotations["description"], "docs/") {
			t.Errorf("%s: needs a summary and a description pointing to the docs", r.Alert)
		}
	}
}

// grafanaVars are the dashboard's variables and Grafana's built-ins, replaced by plain values
// before parsing.
var grafanaVars = regexp.MustCompile(`\$(__rate_interval|__range|__interval|namespace|cluster|pod)\b`)

func grafanaValue(v string) string {
	switch v {
	case "$__rate_interval", "$__range", "$__interval":
		return "5m"
	}
	return "x"
}

func TestDashboardExpressionsParseAndUseServedMetrics(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "config", "grafana", "ordinal-cluster.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	exprs := 0
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			exprs++
			for _, n := range metricNames(t, p.Title, grafanaVars.ReplaceAllStringFunc(tg.Expr, grafanaValue)) {
				if !known(n) {
					t.Errorf("panel %q uses %s, which neither the operator nor the agents serve", p.Title, n)
				}
			}
		}
	}
	if exprs < 20 {
		t.Errorf("%d expressions in the dashboard, want the cluster and server panels (at least 20)", exprs)
	}
}
