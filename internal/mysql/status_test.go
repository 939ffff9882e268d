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
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

func semiSyncRows(rec *recorder, kv ...string) {
	var vars, status []row
	for i := 0; i+1 < len(kv); i += 2 {
		r := mkRow("Variable_name", kv[i], "Value", kv[i+1])
		if kv[i][0] == 'R' {
			status = append(status, r)
		} else {
			vars = append(vars, r)
		}
	}
	rec.rows["SHOW GLOBAL VARIABLES"], rec.rows["SHOW GLOBAL STATUS"] = vars, status
}

func TestStatusMariaDBReplica(t *testing.T) {
	cl, rec := testClient(MariaDB)
	rec.rows["SELECT @@version"] = []row{mkRow("version", "10.11.19-MariaDB-log", "server_id", "12",
		"read_only", "1", "executed", "0-11-100,0-12-3", "current_pos", "0-11-100")}
	rec.rows["SHOW SLAVE STATUS"] = []row{mkRow("Master_Host", "127.0.0.11", "Master_Port", "3306",
		"Slave_IO_Running", "Connecting", "Slave_SQL_Running", "Yes", "Last_IO_Errno", "1236",
		"Last_IO_Error", "Got fatal error 1236", "Last_SQL_Errno", "0", "Last_SQL_Error", "",
		"Seconds_Behind_Master", "NULL", "Gtid_IO_Pos", "0-11-104", "Master_SSL_Allowed", "Yes")}
	semiSyncRows(rec, "rpl_semi_sync_master_enabled", "OFF", "rpl_semi_sync_slave_enabled", "ON",
		"Rpl_semi_sync_slave_status", "ON", "Rpl_semi_sync_master_clients", "0")
	st, err := cl.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := st.Replication
	switch {
	case st.Version != "10.11.19-MariaDB-log" || st.ServerID != 12 || !st.ReadOnly || st.SuperReadOnly:
		t.Errorf("globals: %+v", st)
	case st.Executed.String() != "0-11-100,0-12-3" || st.CurrentPos.String() != "0-11-100":
		t.Errorf("executed %q, current %q", st.Executed, st.CurrentPos)
	case st.Received.String() != "0-11-104,0-12-3":
		t.Errorf("received %q", st.Received)
	case r == nil:
		t.Fatal("no replication status")
	case r.SourceHost != "127.0.0.11" || r.SourcePort != 3306 || r.IORunning || r.IOState != "Connecting" || !r.SQLRunning:
		t.Errorf("replication: %+v", r)
	case r.LastIOErrno != 1236 || r.LastIOError != "Got fatal error 1236" || r.LastSQLErrno != 0 || r.SecondsBehind != -1:
		t.Errorf("replication errors: %+v", r)
	case !r.TLS:
		t.Error("Master_SSL_Allowed: Yes is not read as replication over TLS")
	case st.SemiSync != SemiSync{ReplicaEnabled: true, ReplicaActive: true}:
		t.Errorf("semi-sync: %+v", st.SemiSync)
	}
}

func TestStatusMySQLPrimary(t *testing.T) {
	u := "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	cl, rec := testClient(MySQL)
	rec.rows["SELECT @@version"] = []row{mkRow("version", "8.4.3", "server_id", "1",
		"read_only", "0", "super_read_only", "0", "executed", u+":1-50,\n"+u+":tag:1-2")}
	semiSyncRows(rec, "rpl_semi_sync_source_enabled", "ON", "Rpl_semi_sync_source_status", "ON",
		"Rpl_semi_sync_source_clients", "2", "Rpl_semi_sync_source_yes_tx", "48",
		"Rpl_semi_sync_source_wait_sessions", "3")
	st, err := cl.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := gtid.MustParse(gtid.MySQL, u+":1-50:tag:1-2")
	if st.ReadOnly || st.Replication != nil || !st.Executed.Equal(want) || !st.Received.Equal(want) || !st.CurrentPos.Equal(want) {
		t.Errorf("status: %+v", st)
	}
	if st.SemiSync != (SemiSync{SourceEnabled: true, SourceActive: true, SourceClients: 2, SourceAcked: 48,
		SourceWaitSessions: 3}) {
		t.Errorf("semi-sync: %+v", st.SemiSync)
	}
	wantCalls := []string{MySQL.globals().sql, "SHOW REPLICA STATUS", semiSyncVariables.sql, semiSyncStatus.sql}
	if strings.Join(rec.calls, "|") != strings.Join(wantCalls, "|") {
		t.Errorf("calls %q", rec.calls)
	}
}

func TestStatusMySQLReplica(t *testing.T) {
	u := "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	cl, rec := testClient(MySQL)
	rec.rows["SELECT @@version"] = []row{mkRow("version", "8.4.3", "server_id", "2",
		"read_only", "1", "super_read_only", "1", "executed", u+":1-40")}
	rec.rows["SHOW REPLICA STATUS"] = []row{mkRow("Source_Host", "db-0", "Source_Port", "3306",
		"Replica_IO_Running", "Yes", "Replica_SQL_Running", "No", "Last_SQL_Errno", "1062",
		"Last_SQL_Error", "Duplicate entry", "Seconds_Behind_Source", "7", "Retrieved_Gtid_Set", u+":30-45")}
	st, err := cl.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := st.Replication
	if !st.SuperReadOnly || r == nil || !r.IORunning || r.SQLRunning || r.LastSQLErrno != 1062 || r.SecondsBehind != 7 {
		t.Fatalf("status %+v, replication %+v", st, r)
	}
	if st.Received.String() != u+":1-45" || r.Retrieved.String() != u+":30-45" {
		t.Errorf("received %q, retrieved %q", st.Received, r.Retrieved)
	}
}

// TestStatusFenced: on MySQL only super_read_only fences SUPER accounts, so a
// half-raised fence (read_only alone) is not fenced; MariaDB's is read_only.
func TestStatusFenced(t *testing.T) {
	for _, c := range []struct {
		f         Flavor
		ro, super string
		fenced    bool
	}{
		{MySQL, "1", "0", false}, {MySQL, "1", "1", true}, {MySQL, "0", "0", false},
		{MariaDB, "1", "", true}, {MariaDB, "0", "", false},
	} {
		cl, rec := testClient(c.f)
		rec.rows["SELECT @@version"] = []row{mkRow("version", "8.4.3", "server_id", "1",
			"read_only", c.ro, "super_read_only", c.super, "executed", "", "current_pos", "")}
		semiSyncRows(rec, "Rpl_semi_sync_master_wait_sessions", "2", "Rpl_semi_sync_master_status", "ON",
			"Rpl_semi_sync_slave_status", "ON")
		st, err := cl.Status(context.Background())
		if err != nil || st.Fenced != c.fenced || st.Version != "8.4.3" {
			t.Errorf("%s read_only=%s super_read_only=%s: fenced %v version %q (%v), want fenced %v",
				c.f.Name(), c.ro, c.super, st.Fenced, st.Version, err, c.fenced)
		}
		mariadb := c.f == MariaDB
		if st.SemiSync.SourceActive != mariadb || st.SemiSync.ReplicaActive != mariadb ||
			(st.SemiSync.SourceWaitSessions == 2) != mariadb {
			t.Errorf("%s semi-sync parsed with the other flavor's names: %+v", c.f.Name(), st.SemiSync)
		}
	}
}

func TestStatusNotAReplicaAfterReset(t *testing.T) {
	cl, rec := testClient(MariaDB)
	rec.rows["SELECT @@version"] = []row{mkRow("version", "v", "server_id", "1", "read_only", "0",
		"executed", "", "current_pos", "")}
	rec.rows["SHOW SLAVE STATUS"] = []row{mkRow("Master_Host", "", "Slave_IO_Running", "No")}
	st, err := cl.Status(context.Background())
	if err != nil || st.Replication != nil || !st.Executed.IsEmpty() {
		t.Errorf("Status = %+v, %v", st, err)
	}
}

func TestStatusErrors(t *testing.T) {
	good := mkRow("version", "v", "server_id", "1", "read_only", "0", "executed", "", "current_pos", "")
	cases := map[string]func(rec *recorder){
		"unreachable": func(rec *recorder) { rec.errs["SELECT @@version"] = errors.New("dial tcp: refused") },
		"no row":      func(rec *recorder) {},
		"bad gtid": func(rec *recorder) {
			rec.rows["SELECT @@version"] = []row{mkRow("server_id", "1", "executed", "junk")}
		},
		"bad server id": func(rec *recorder) {
			rec.rows["SELECT @@version"] = []row{mkRow("server_id", "x")}
		},
		"bad port": func(rec *recorder) {
			rec.rows["SELECT @@version"] = []row{good}
			rec.rows["SHOW SLAVE STATUS"] = []row{mkRow("Master_Host", "h", "Master_Port", "x")}
		},
		"bad io pos": func(rec *recorder) {
			rec.rows["SELECT @@version"] = []row{good}
			rec.rows["SHOW SLAVE STATUS"] = []row{mkRow("Master_Host", "h", "Gtid_IO_Pos", "0-1")}
		},
		"bad clients": func(rec *recorder) {
			rec.rows["SELECT @@version"] = []row{good}
			semiSyncRows(rec, "Rpl_semi_sync_master_clients", "many")
		},
	}
	for name, setup := range cases {
		cl, rec := testClient(MariaDB)
		setup(rec)
		_, err := cl.Status(context.Background())
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if name != "unreachable" && !strings.Contains(err.Error(), "mysql 127.0.0.201:3306: ") {
			t.Errorf("%s: error %q does not name the member", name, err)
		}
	}
}

func TestOnOff(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "ON": true, "on": true, "NO_LOCK": true,
		"0": false, "OFF": false, "": false, "NO": false} {
		if onOff(v) != want {
			t.Errorf("onOff(%q) = %v", v, !want)
		}
	}
}

func TestFlavorByName(t *testing.T) {
	for _, n := range []string{"mariadb", "mysql"} {
		if f, err := FlavorByName(n); err != nil || f.Name() != n {
			t.Errorf("FlavorByName(%q) = %v, %v", n, f, err)
		}
	}
	if _, err := FlavorByName("postgres"); err == nil {
		t.Error("FlavorByName(postgres) succeeded")
	}
	if MariaDB.GTID() != gtid.MariaDB || MySQL.GTID() != gtid.MySQL {
		t.Error("GTID flavors swapped")
	}
}

func TestConfig(t *testing.T) {
	if _, err := Open(Config{Host: "h", Port: 1}); err == nil {
		t.Error("Open without a flavor succeeded")
	}
	if _, err := Open(Config{Flavor: MariaDB, Host: "h"}); err == nil {
		t.Error("Open without a port succeeded")
	}
	c, err := Open(Config{Flavor: MariaDB, Socket: "/run/mysqld/mysqld.sock", User: "u", Password: "p@ss/:"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := c.cfg.driverConfig()
	if d.Net != "unix" || d.Addr != "/run/mysqld/mysqld.sock" || !d.InterpolateParams || d.ReadTimeout == 0 || d.Timeout == 0 {
		t.Errorf("driver config %+v", d)
	}
	if d.TLS != nil {
		t.Errorf("no TLS asked for, yet the driver has %+v", d.TLS)
	}
	tc := &tls.Config{ServerName: "mysql-0.mysql", MinVersion: tls.VersionTLS12}
	if got := (Config{Flavor: MariaDB, Host: "h", Port: 1, TLS: tc}).driverConfig().TLS; got != tc {
		t.Errorf("the TLS configuration does not reach the driver: %+v", got)
	}
	if got := (Config{Host: "::1", Port: 3306}).Addr(); got != "[::1]:3306" {
		t.Errorf("Addr = %q", got)
	}
	e := &StatementError{Addr: "a:1", Statement: "SET X = ?", Err: errors.New("boom")}
	if e.Error() != "mysql a:1: SET X = ?: boom" || !errors.Is(e, e.Err) || ErrorNumber(e) != 0 {
		t.Errorf("StatementError %q", e)
	}
}
