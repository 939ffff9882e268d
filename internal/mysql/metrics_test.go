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

package mysql

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
)

func statusAndVariables(rec *recorder, logBin string) {
	rec.rows["SHOW GLOBAL STATUS"] = []row{mkRow("Variable_name", "Queries", "Value", "42"),
		mkRow("Variable_name", "Com_select", "Value", "7"), mkRow("Variable_name", "Odd", "Value", "NULL")}
	rec.rows["SHOW GLOBAL VARIABLES"] = []row{mkRow("Variable_name", "log_bin", "Value", logBin),
		mkRow("Variable_name", "max_connections", "Value", "151")}
}

func TestServerMetricsMariaDBReplica(t *testing.T) {
	cl, rec := testClient(MariaDB)
	statusAndVariables(rec, "ON")
	rec.rows["SHOW SLAVE STATUS"] = []row{mkRow("Master_Host", "db-0", "Slave_IO_Running", "Yes",
		"Slave_SQL_Running", "No", "Seconds_Behind_Master", "NULL")}
	rec.rows["SHOW BINARY LOGS"] = []row{mkRow("Log_name", "binlog.000001", "File_size", "400"),
		mkRow("Log_name", "binlog.000002", "File_size", "1234")}
	m, err := cl.ServerMetrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := []string{"SHOW GLOBAL STATUS", "SHOW GLOBAL VARIABLES", "SHOW SLAVE STATUS", "SHOW BINARY LOGS"}
	if !slices.Equal(rec.calls, wantCalls) {
		t.Errorf("calls %q, want %q", rec.calls, wantCalls)
	}
	if want := map[string]string{"Queries": "42", "Com_select": "7"}; !reflect.DeepEqual(m.Status, want) {
		t.Errorf("status %v, want %v (NULL dropped)", m.Status, want)
	}
	if m.Variables["max_connections"] != "151" {
		t.Errorf("variables %v", m.Variables)
	}
	want := map[string]string{"Master_Host": "db-0", "Slave_IO_Running": "Yes", "Slave_SQL_Running": "No"}
	if !reflect.DeepEqual(m.Replica, want) {
		t.Errorf("replica %v, want %v", m.Replica, want)
	}
	if wantLogs := []BinaryLog{{"binlog.000001", 400}, {"binlog.000002", 1234}}; !slices.Equal(m.BinaryLogs, wantLogs) {
		t.Errorf("binary logs %v, want %v", m.BinaryLogs, wantLogs)
	}
}

// MySQL 8.4 knows only SHOW REPLICA STATUS; its renamed columns come back under mysqld_exporter's
// names, whole words only, and only the default channel counts.
func TestServerMetricsMySQLReplicaColumns(t *testing.T) {
	cl, rec := testClient(MySQL)
	statusAndVariables(rec, "OFF")
	rec.rows["SHOW REPLICA STATUS"] = []row{
		mkRow("Channel_Name", "other", "Replica_IO_Running", "No"),
		mkRow("Channel_Name", "", "Source_Host", "db-0", "Replica_IO_Running", "Connecting",
			"Replica_SQL_Running", "Yes", "Seconds_Behind_Source", "3", "Read_Source_Log_Pos", "157",
			"Relay_Source_Log_File", "binlog.000003", "Replicate_Do_DB", "", "Source_SSL_Allowed", "No",
			"Replica_SQL_Running_State", "waiting", "Last_IO_Errno", "0"),
	}
	m, err := cl.ServerMetrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if wantCalls := []string{"SHOW GLOBAL STATUS", "SHOW GLOBAL VARIABLES", "SHOW REPLICA STATUS"}; !slices.Equal(rec.calls, wantCalls) {
		t.Errorf("calls %q, want %q (no SHOW BINARY LOGS with log_bin OFF)", rec.calls, wantCalls)
	}
	want := map[string]string{"Channel_Name": "", "Master_Host": "db-0", "Slave_IO_Running": "Connecting",
		"Slave_SQL_Running": "Yes", "Seconds_Behind_Master": "3", "Read_Master_Log_Pos": "157",
		"Relay_Master_Log_File": "binlog.000003", "Replicate_Do_DB": "", "Master_SSL_Allowed": "No",
		"Slave_SQL_Running_State": "waiting", "Last_IO_Errno": "0"}
	if !reflect.DeepEqual(m.Replica, want) {
		t.Errorf("replica\n got %v\nwant %v", m.Replica, want)
	}
	if m.BinaryLogs != nil {
		t.Errorf("binary logs %v with log_bin OFF", m.BinaryLogs)
	}
}

func TestServerMetricsNotAReplica(t *testing.T) {
	for _, f := range []Flavor{MariaDB, MySQL} {
		cl, rec := testClient(f)
		statusAndVariables(rec, "ON")
		rec.rows["SHOW REPLICA STATUS"] = []row{mkRow("Channel_Name", "other", "Replica_IO_Running", "No")}
		m, err := cl.ServerMetrics(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if m.Replica != nil {
			t.Errorf("%s: replica %v, want nil", f.Name(), m.Replica)
		}
	}
}

// A server that answers only part of the round is reported as not answering at all.
func TestServerMetricsFailsWhole(t *testing.T) {
	for _, failing := range []string{"SHOW GLOBAL STATUS", "SHOW GLOBAL VARIABLES", "SHOW SLAVE STATUS", "SHOW BINARY LOGS"} {
		cl, rec := testClient(MariaDB)
		statusAndVariables(rec, "ON")
		boom := errors.New("boom")
		rec.errs[failing] = boom
		if m, err := cl.ServerMetrics(context.Background()); !errors.Is(err, boom) || m.Status != nil {
			t.Errorf("%s failing: %v, %+v", failing, err, m)
		}
	}
}
