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
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// series gathers c into "name{label=value,…}" → value.
func series(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			key := f.GetName()
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			var v float64
			switch {
			case m.Gauge != nil:
				v = m.GetGauge().GetValue()
			case m.Counter != nil:
				v = m.GetCounter().GetValue()
			default:
				v = m.GetUntyped().GetValue()
			}
			out[key] = v
		}
	}
	return out
}

// fixed is a collector of Convert(m) alone.
type fixed struct{ m mysql.ServerMetrics }

func (fixed) Describe(chan<- *prometheus.Desc) {}
func (f fixed) Collect(ch chan<- prometheus.Metric) {
	for _, s := range Convert(f.m) {
		ch <- s
	}
}

func checkSeries(t *testing.T, got map[string]float64, want map[string]float64, absent ...string) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for _, prefix := range absent {
		for k := range got {
			if strings.HasPrefix(k, prefix) {
				t.Errorf("unexpected series %s", k)
			}
		}
	}
	if t.Failed() {
		keys := slices.Sorted(maps.Keys(got))
		t.Logf("all series: %v", keys)
	}
}

// MariaDB 10.11 as it answers a replica's scrape, in the names of the metrics contract.
func TestConvertMariaDBReplica(t *testing.T) {
	m := mysql.ServerMetrics{
		Status: map[string]string{"Threads_connected": "3", "Queries": "100", "Questions": "90", "Uptime": "600",
			"Innodb_row_lock_waits": "2", "Slow_queries": "1", "Com_select": "5", "Com_insert": "2",
			"Innodb_buffer_pool_pages_data": "300", "Innodb_buffer_pool_pages_free": "7000",
			"Innodb_buffer_pool_pages_dirty": "4", "Innodb_buffer_pool_pages_misc": "0",
			"Innodb_buffer_pool_pages_total": "8064", "Innodb_buffer_pool_pages_flushed": "9",
			"Innodb_buffer_pool_bytes_data": "4915200", "Rpl_semi_sync_slave_status": "ON",
			"Rpl_semi_sync_master_status": "OFF", "Handler_read_rnd": "11", "Innodb_rows_read": "12",
			"Innodb_buffer_pool_load_status": "Buffer pool(s) load completed at 261201 10:00:00"},
		Variables: map[string]string{"max_connections": "151", "read_only": "ON", "log_bin": "ON",
			"innodb_buffer_pool_size": "134217728", "version": "10.11.9-MariaDB-log", "innodb_version": "10.11.9",
			"version_comment": "MariaDB Server", "datadir": "/var/lib/mysql/"},
		Replica: map[string]string{"Connection_name": "", "Master_Host": "db-0.db.ns.svc", "Master_Port": "3306",
			"Slave_IO_Running": "Connecting", "Slave_SQL_Running": "Yes", "Seconds_Behind_Master": "0",
			"Exec_Master_Log_Pos": "1234", "Gtid_IO_Pos": "0-101-5", "Slave_SQL_Running_State": "waiting"},
		BinaryLogs: []mysql.BinaryLog{{Name: "binlog.000006", Size: 100}, {Name: "binlog.000007", Size: 250}},
	}
	rl := "{channel_name=,connection_name=,master_host=db-0.db.ns.svc,master_uuid=}"
	checkSeries(t, series(t, fixed{m}), map[string]float64{
		"mysql_global_status_threads_connected":                                                                 3,
		"mysql_global_status_queries":                                                                           100,
		"mysql_global_status_questions":                                                                         90,
		"mysql_global_status_uptime":                                                                            600,
		"mysql_global_status_innodb_row_lock_waits":                                                             2,
		"mysql_global_status_slow_queries":                                                                      1,
		"mysql_global_status_commands_total{command=select}":                                                    5,
		"mysql_global_status_commands_total{command=insert}":                                                    2,
		"mysql_global_status_innodb_buffer_pool_pages{state=data}":                                              300,
		"mysql_global_status_innodb_buffer_pool_pages{state=free}":                                              7000,
		"mysql_global_status_innodb_buffer_pool_pages{state=dirty}":                                             4,
		"mysql_global_status_innodb_buffer_pool_pages{state=misc}":                                              0,
		"mysql_global_status_innodb_buffer_pool_pages{state=total}":                                             8064,
		"mysql_global_status_buffer_pool_page_changes_total{operation=flushed}":                                 9,
		"mysql_global_status_innodb_buffer_pool_bytes_data":                                                     4915200,
		"mysql_global_status_rpl_semi_sync_slave_status":                                                        1,
		"mysql_global_status_rpl_semi_sync_master_status":                                                       0,
		"mysql_global_status_handlers_total{handler=read_rnd}":                                                  11,
		"mysql_global_status_innodb_row_ops_total{operation=read}":                                              12,
		"mysql_global_variables_max_connections":                                                                151,
		"mysql_global_variables_read_only":                                                                      1,
		"mysql_global_variables_log_bin":                                                                        1,
		"mysql_global_variables_innodb_buffer_pool_size":                                                        134217728,
		"mysql_version_info{innodb_version=10.11.9,version=10.11.9-MariaDB-log,version_comment=MariaDB Server}": 1,
		"mysql_slave_status_slave_io_running" + rl:                                                              0,
		"mysql_slave_status_slave_sql_running" + rl:                                                             1,
		"mysql_slave_status_seconds_behind_master" + rl:                                                         0,
		"mysql_slave_status_master_port" + rl:                                                                   3306,
		"mysql_slave_status_exec_master_log_pos" + rl:                                                           1234,
		"mysql_binlog_files":                                                                                    2,
		"mysql_binlog_size_bytes":                                                                               350,
		"mysql_binlog_file_number":                                                                              7,
	}, "mysql_global_status_com_", "mysql_global_status_innodb_buffer_pool_pages_", "mysql_global_status_innodb_buffer_pool_load_status",
		"mysql_global_variables_version", "mysql_global_variables_datadir", "mysql_slave_status_gtid_io_pos",
		"mysql_slave_status_slave_sql_running_state", "mysql_slave_status_master_host")
}

// MySQL 8.4's replica row as internal/mysql maps it (Seconds_Behind_Source → _Master), a stopped
// applier (NULL lag: absent) and a primary without replica status.
func TestConvertMySQL(t *testing.T) {
	m := mysql.ServerMetrics{
		Status:    map[string]string{"Threads_connected": "2", "Com_stmt_execute": "4"},
		Variables: map[string]string{"super_read_only": "OFF", "gtid_mode": "ON", "version": "8.4.3"},
		Replica: map[string]string{"Channel_Name": "", "Master_UUID": "3e11fa47-71ca-11e1-9e33-c80aa9429562",
			"Master_Host": "db-0", "Slave_IO_Running": "Yes", "Slave_SQL_Running": "No"},
	}
	rl := "{channel_name=,connection_name=,master_host=db-0,master_uuid=3e11fa47-71ca-11e1-9e33-c80aa9429562}"
	got := series(t, fixed{m})
	checkSeries(t, got, map[string]float64{
		"mysql_global_status_threads_connected":                              2,
		"mysql_global_status_commands_total{command=stmt_execute}":           4,
		"mysql_global_variables_super_read_only":                             0,
		"mysql_global_variables_gtid_mode":                                   1,
		"mysql_slave_status_slave_io_running" + rl:                           1,
		"mysql_slave_status_slave_sql_running" + rl:                          0,
		"mysql_version_info{innodb_version=,version=8.4.3,version_comment=}": 1,
	}, "mysql_slave_status_seconds_behind_master", "mysql_binlog_")

	got = series(t, fixed{mysql.ServerMetrics{Status: map[string]string{"Uptime": "1"}}})
	checkSeries(t, got, map[string]float64{"mysql_global_status_uptime": 1}, "mysql_slave_status_", "mysql_version_info")
}

func TestParseValue(t *testing.T) {
	for in, want := range map[string]float64{"ON": 1, "yes": 1, "Off": 0, "NO": 0, "Connecting": 0,
		"DISABLED": 0, "42": 42, "-1.5": -1.5, "2026-12-01 10:00:00": 1796119200} {
		if got, ok := parseValue(in); !ok || got != want {
			t.Errorf("parseValue(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "Slave_Pos", "0-1-5", "/var/lib/mysql/", "10.11.9"} {
		if got, ok := parseValue(in); ok {
			t.Errorf("parseValue(%q) = %v, want skipped", in, got)
		}
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A server that does not answer: mysql_up 0 and no other mysql_* series, while the agent and
// volume series stay.
func TestCollectorServerDown(t *testing.T) {
	read := func(context.Context) (mysql.ServerMetrics, error) {
		return mysql.ServerMetrics{}, errors.New("no socket")
	}
	got := series(t, New(read, t.TempDir(), "v1.2.3", quiet()))
	var mysqlSeries []string
	for k := range got {
		if strings.HasPrefix(k, "mysql_") {
			mysqlSeries = append(mysqlSeries, k)
		}
	}
	if !slices.Equal(mysqlSeries, []string{"mysql_up"}) || got["mysql_up"] != 0 {
		t.Errorf("mysql series %v (mysql_up %v), want only mysql_up 0", mysqlSeries, got["mysql_up"])
	}
	checkSeries(t, got, map[string]float64{"ordinal_agent_info{version=v1.2.3}": 1})
	for _, k := range []string{"ordinal_volume_capacity_bytes", "ordinal_volume_available_bytes", "ordinal_datadir_bytes"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
}

func TestCollectorServerUp(t *testing.T) {
	read := func(ctx context.Context) (mysql.ServerMetrics, error) {
		if _, ok := ctx.Deadline(); !ok {
			return mysql.ServerMetrics{}, errors.New("read without a deadline")
		}
		return mysql.ServerMetrics{Status: map[string]string{"Queries": "7"}}, nil
	}
	got := series(t, New(read, t.TempDir(), "dev", quiet()))
	checkSeries(t, got, map[string]float64{"mysql_up": 1, "mysql_global_status_queries": 7})
}

// The handler answers GET in the text format, with the types of the series.
func TestHandler(t *testing.T) {
	read := func(context.Context) (mysql.ServerMetrics, error) {
		return mysql.ServerMetrics{Status: map[string]string{"Queries": "7", "Com_select": "1"}}, nil
	}
	srv := httptest.NewServer(Handler(New(read, t.TempDir(), "dev", quiet())))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nmysql_up 1\n", "\nmysql_global_status_queries 7\n",
		"# TYPE mysql_global_status_commands_total counter\n", "mysql_global_status_commands_total{command=\"select\"} 1\n"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("%s: no %q in\n%s", resp.Status, want, body)
		}
	}
}
