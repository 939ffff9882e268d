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

package servermetrics

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// Name prefixes, as mysqld_exporter builds them.
const (
	namespace       = "mysql"
	globalStatus    = namespace + "_global_status_"
	globalVariables = namespace + "_global_variables_"
	slaveStatus     = namespace + "_slave_status_"
)

// Convert turns one read of a server into series. Non-numeric values are skipped; ON/OFF,
// YES/NO (and the other words mysqld_exporter knows) become 1/0.
func Convert(m mysql.ServerMetrics) []prometheus.Metric {
	var out []prometheus.Metric
	out = append(out, statusMetrics(m.Status)...)
	out = append(out, variableMetrics(m.Variables)...)
	out = append(out, replicaMetrics(m.Replica)...)
	return append(out, binlogMetrics(m.BinaryLogs)...)
}

// statusGroups are the SHOW GLOBAL STATUS prefixes mysqld_exporter turns into one labelled
// series each instead of one name per variable.
var statusGroups = regexp.MustCompile(`^(com|handler|connection_errors|innodb_buffer_pool_pages|innodb_rows|performance_schema)_(.*)$`)

// bufferPoolStates are the Innodb_buffer_pool_pages_* values that are page counts (gauges); the
// other ones (flushed, made_young…) count page operations.
var bufferPoolStates = map[string]bool{"data": true, "free": true, "dirty": true, "misc": true, "old": true, "total": true}

func statusMetrics(status map[string]string) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, len(status))
	for name, raw := range status {
		v, ok := parseValue(raw)
		if !ok {
			continue
		}
		key := promName(name)
		g := statusGroups.FindStringSubmatch(key)
		if g == nil {
			out = append(out, untyped(globalStatus+key, "Generic metric from SHOW GLOBAL STATUS.", v))
			continue
		}
		out = append(out, groupedStatus(g[1], g[2], v))
	}
	return out
}

func groupedStatus(group, rest string, v float64) prometheus.Metric {
	switch group {
	case "com":
		return labelled(globalStatus+"commands_total", "Total number of executed MySQL commands.", prometheus.CounterValue, v, "command", rest)
	case "handler":
		return labelled(globalStatus+"handlers_total", "Total number of executed MySQL handlers.", prometheus.CounterValue, v, "handler", rest)
	case "connection_errors":
		return labelled(globalStatus+"connection_errors_total", "Total number of MySQL connection errors.", prometheus.CounterValue, v, "error", rest)
	case "innodb_rows":
		return labelled(globalStatus+"innodb_row_ops_total", "Total number of MySQL InnoDB row operations.", prometheus.CounterValue, v, "operation", rest)
	case "performance_schema":
		return labelled(globalStatus+"performance_schema_lost_total", "Total number of MySQL instrumentations that could not be loaded or created due to memory constraints.", prometheus.CounterValue, v, "instrumentation", rest)
	}
	if bufferPoolStates[rest] {
		return labelled(globalStatus+"innodb_buffer_pool_pages", "InnoDB buffer pool pages by state.", prometheus.GaugeValue, v, "state", rest)
	}
	return labelled(globalStatus+"buffer_pool_page_changes_total", "InnoDB buffer pool page state changes.", prometheus.CounterValue, v, "operation", rest)
}

func variableMetrics(vars map[string]string) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, len(vars)+1)
	for name, raw := range vars {
		if v, ok := parseValue(raw); ok {
			out = append(out, untyped(globalVariables+promName(name), "Generic gauge metric from SHOW GLOBAL VARIABLES.", v))
		}
	}
	if version, ok := vars["version"]; ok {
		d := prometheus.NewDesc(namespace+"_version_info", "MySQL version and distribution.",
			[]string{"innodb_version", "version", "version_comment"}, nil)
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, 1,
			vars["innodb_version"], version, vars["version_comment"]))
	}
	return out
}

// replicaLabels are mysqld_exporter's labels of every slave_status series.
var replicaLabels = []string{"master_host", "master_uuid", "channel_name", "connection_name"}

func replicaMetrics(r map[string]string) []prometheus.Metric {
	if r == nil {
		return nil
	}
	labels := []string{r["Master_Host"], r["Master_UUID"], r["Channel_Name"], r["Connection_name"]}
	out := make([]prometheus.Metric, 0, len(r))
	for col, raw := range r {
		v, ok := parseValue(raw)
		if !ok {
			continue
		}
		d := prometheus.NewDesc(slaveStatus+promName(col), "Generic metric from SHOW SLAVE STATUS.", replicaLabels, nil)
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.UntypedValue, v, labels...))
	}
	return out
}

func binlogMetrics(logs []mysql.BinaryLog) []prometheus.Metric {
	if len(logs) == 0 {
		return nil
	}
	var size int64
	for _, l := range logs {
		size += l.Size
	}
	out := []prometheus.Metric{
		gauge(namespace+"_binlog_size_bytes", "Combined size of all registered binlog files.", float64(size)),
		gauge(namespace+"_binlog_files", "Number of registered binlog files.", float64(len(logs))),
	}
	last := logs[len(logs)-1].Name
	if n, err := strconv.ParseFloat(last[strings.LastIndexByte(last, '.')+1:], 64); err == nil {
		out = append(out, gauge(namespace+"_binlog_file_number", "The last binlog file number.", n))
	}
	return out
}

// parseValue is mysqld_exporter's parseStatus: the words a server uses for booleans and states,
// its two timestamp formats, or a number.
func parseValue(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case "yes", "on", "primary":
		return 1, true
	case "no", "off", "disabled", "connecting", "non-primary", "disconnected":
		// Slave_IO_Running "Connecting" is not running.
		return 0, true
	}
	for _, layout := range []string{"Jan 02 15:04:05 2006 MST", "2006-01-02 15:04:05"} {
		if ts, err := time.Parse(layout, s); err == nil {
			return float64(ts.Unix()), true
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

var invalidNameChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// promName is a server's variable or column name as a metric name part (lower case, _ for
// anything else).
func promName(s string) string { return strings.ToLower(invalidNameChars.ReplaceAllString(s, "_")) }

func untyped(name, help string, v float64) prometheus.Metric {
	return prometheus.MustNewConstMetric(prometheus.NewDesc(name, help, nil, nil), prometheus.UntypedValue, v)
}

// gauge is a series without labels, or with the one label and value in lv.
func gauge(name, help string, v float64, lv ...string) prometheus.Metric {
	var labels, values []string
	if len(lv) == 2 {
		labels, values = lv[:1], lv[1:]
	}
	return prometheus.MustNewConstMetric(prometheus.NewDesc(name, help, labels, nil), prometheus.GaugeValue, v, values...)
}

func labelled(name, help string, t prometheus.ValueType, v float64, label, value string) prometheus.Metric {
	return prometheus.MustNewConstMetric(prometheus.NewDesc(name, help, []string{label}, nil), t, v, value)
}
