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
	"slices"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

var src = Source{Host: "db-0.db", Port: 3306, User: "repl", Password: "s3cr'et"}

func TestStatementsPerFlavor(t *testing.T) {
	ctx := context.Background()
	type op func(c *Client) error
	cases := []struct {
		name    string
		op      op
		mariadb []string
		mysql   []string
	}{
		{"ConfigureReplica", func(c *Client) error { return c.ConfigureReplica(ctx, src) },
			[]string{"STOP SLAVE", "SET GLOBAL gtid_slave_pos = @@gtid_current_pos",
				"CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, " +
					"MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = ?, MASTER_HEARTBEAT_PERIOD = ? [db-0.db 3306 repl s3cr'et 1 1]"},
			[]string{"STOP REPLICA",
				"CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, SOURCE_PASSWORD = ?, " +
					"SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1, SOURCE_CONNECT_RETRY = ?, " +
					"SOURCE_RETRY_COUNT = ?, SOURCE_HEARTBEAT_PERIOD = ? [db-0.db 3306 repl s3cr'et 1 86400 1]"}},
		{"ConfigureReplica over TLS", func(c *Client) error {
			s := src
			s.TLS = &SourceTLS{CAFile: "/etc/mysql/tls/ca.crt"}
			return c.ConfigureReplica(ctx, s)
		},
			[]string{"STOP SLAVE", "SET GLOBAL gtid_slave_pos = @@gtid_current_pos",
				"CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, " +
					"MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = ?, MASTER_HEARTBEAT_PERIOD = ?, " +
					"MASTER_SSL = 1, MASTER_SSL_CA = ?, MASTER_SSL_VERIFY_SERVER_CERT = 1 [db-0.db 3306 repl s3cr'et 1 1 /etc/mysql/tls/ca.crt]"},
			[]string{"STOP REPLICA",
				"CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, SOURCE_PASSWORD = ?, " +
					"SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1, SOURCE_CONNECT_RETRY = ?, " +
					"SOURCE_RETRY_COUNT = ?, SOURCE_HEARTBEAT_PERIOD = ?, " +
					"SOURCE_SSL = 1, SOURCE_SSL_CA = ?, SOURCE_SSL_VERIFY_SERVER_CERT = 1 [db-0.db 3306 repl s3cr'et 1 86400 1 /etc/mysql/tls/ca.crt]"}},
		{"ReloadTLS", func(c *Client) error { return c.ReloadTLS(ctx) },
			[]string{"FLUSH NO_WRITE_TO_BINLOG SSL"}, []string{"ALTER INSTANCE RELOAD TLS"}},
		{"RequireTLS(true)", func(c *Client) error { return c.RequireTLS(ctx, true, "o'p") },
			requireTLSWant("SSL"), requireTLSWant("SSL")},
		{"RequireTLS(false)", func(c *Client) error { return c.RequireTLS(ctx, false, "o'p") },
			requireTLSWant("NONE"), requireTLSWant("NONE")},
		{"AccountsRequireTLS", func(c *Client) error { _, err := c.AccountsRequireTLS(ctx); return err },
			[]string{accountsTLSWant}, []string{accountsTLSWant}},
		{"StartReplication", func(c *Client) error { return c.StartReplication(ctx) },
			[]string{"START SLAVE"}, []string{"START REPLICA"}},
		{"StopReplication", func(c *Client) error { return c.StopReplication(ctx) },
			[]string{"STOP SLAVE"}, []string{"STOP REPLICA"}},
		{"StopReplicationIO", func(c *Client) error { return c.StopReplicationIO(ctx) },
			[]string{"STOP SLAVE IO_THREAD"}, []string{"STOP REPLICA IO_THREAD"}},
		{"ResetReplication", func(c *Client) error { return c.ResetReplication(ctx) },
			[]string{"STOP SLAVE", "RESET SLAVE ALL"}, []string{"STOP REPLICA", "RESET REPLICA ALL"}},
		{"AdoptCopy", func(c *Client) error { return c.AdoptCopy(ctx) },
			[]string{"STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos"},
			[]string{"STOP REPLICA", "RESET REPLICA ALL"}},
		{"SetReadOnly(true)", func(c *Client) error { return c.SetReadOnly(ctx, true) },
			[]string{"SET STATEMENT lock_wait_timeout = 2 FOR SET GLOBAL read_only = ON"},
			[]string{"SET SESSION lock_wait_timeout = 2", "SET GLOBAL super_read_only = ON",
				"SET SESSION lock_wait_timeout = DEFAULT"}},
		{"SetReadOnly(false)", func(c *Client) error { return c.SetReadOnly(ctx, false) },
			[]string{"SET GLOBAL read_only = OFF"},
			[]string{"SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"}},
		{"SetSemiSyncSource(true)", func(c *Client) error { return c.SetSemiSyncSource(ctx, true) },
			[]string{"SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'",
				"SET GLOBAL rpl_semi_sync_master_timeout = 4294967295",
				"SET GLOBAL rpl_semi_sync_master_wait_no_slave = ON",
				"SET GLOBAL rpl_semi_sync_master_enabled = ON"},
			[]string{"SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = ? [rpl_semi_sync_source]",
				"INSTALL PLUGIN rpl_semi_sync_source SONAME 'semisync_source.so'",
				"SET GLOBAL rpl_semi_sync_source_wait_point = 'AFTER_SYNC'",
				"SET GLOBAL rpl_semi_sync_source_timeout = 4294967295",
				"SET GLOBAL rpl_semi_sync_source_wait_no_replica = ON",
				"SET GLOBAL rpl_semi_sync_source_wait_for_replica_count = 1",
				"SET GLOBAL rpl_semi_sync_source_enabled = ON"}},
		{"SetSemiSyncSource(false)", func(c *Client) error { return c.SetSemiSyncSource(ctx, false) },
			[]string{"SET GLOBAL rpl_semi_sync_master_enabled = OFF"},
			[]string{"SET GLOBAL rpl_semi_sync_source_enabled = OFF"}},
		{"SetSemiSyncReplica(true)", func(c *Client) error { return c.SetSemiSyncReplica(ctx, true) },
			[]string{"SET GLOBAL rpl_semi_sync_slave_enabled = ON"},
			[]string{"SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = ? [rpl_semi_sync_replica]",
				"INSTALL PLUGIN rpl_semi_sync_replica SONAME 'semisync_replica.so'",
				"SET GLOBAL rpl_semi_sync_replica_enabled = ON"}},
		{"SetSemiSyncReplica(false)", func(c *Client) error { return c.SetSemiSyncReplica(ctx, false) },
			[]string{"SET GLOBAL rpl_semi_sync_slave_enabled = OFF"},
			[]string{"SET GLOBAL rpl_semi_sync_replica_enabled = OFF"}},
	}
	for _, c := range cases {
		for _, f := range []Flavor{MariaDB, MySQL} {
			cl, rec := testClient(f)
			if err := c.op(cl); err != nil {
				t.Errorf("%s %s: %v", f.Name(), c.name, err)
				continue
			}
			want := c.mariadb
			if f == MySQL {
				want = c.mysql
			}
			if !slices.Equal(rec.calls, want) {
				t.Errorf("%s %s issued\n  %q\nwant\n  %q", f.Name(), c.name, rec.calls, want)
			}
		}
	}
}

func TestConfigureReplicaStartPos(t *testing.T) {
	cl, rec := testClient(MariaDB)
	s := src
	s.StartPos, s.ConnectRetry = "0-1-100,1-1-5", 5*time.Second
	if err := cl.ConfigureReplica(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if rec.calls[1] != "SET GLOBAL gtid_slave_pos = ? [0-1-100,1-1-5]" || !strings.HasSuffix(rec.calls[2], "s3cr'et 5 1]") {
		t.Errorf("calls = %q", rec.calls)
	}
	bad := []Source{
		{Host: "h", Port: 3306, User: "u", StartPos: "junk"},
		{Host: "", Port: 3306, User: "u"},
		{Host: "h", Port: 0, User: "u"},
		{Host: "h", Port: 3306, User: ""},
	}
	for _, b := range bad {
		if err := cl.ConfigureReplica(context.Background(), b); err == nil {
			t.Errorf("ConfigureReplica(%+v) succeeded", b)
		}
	}
	my, _ := testClient(MySQL)
	s.StartPos = "0-1-1"
	if err := my.ConfigureReplica(context.Background(), s); !errors.Is(err, errStartPosMySQL) {
		t.Errorf("MySQL with StartPos: %v", err)
	}
}

func TestSemiSyncPluginAlreadyInstalled(t *testing.T) {
	cl, rec := testClient(MySQL)
	rec.rows["SELECT PLUGIN_STATUS"] = []row{mkRow("PLUGIN_STATUS", "ACTIVE")}
	if err := cl.SetSemiSyncSource(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.calls {
		if strings.HasPrefix(c, "INSTALL") {
			t.Errorf("installed an installed plugin: %q", rec.calls)
		}
	}
}

func TestKillClientConnections(t *testing.T) {
	cl, rec := testClient(MariaDB)
	// PROCESSLIST lists the newest first. The group's leader waits for the ack and its followers
	// are still committing: killing the leader first would let a follower be told OK. The
	// operator's sessions are spared, except one waiting for an ack (a heartbeat left waiting).
	rec.rows["SELECT ID"] = []row{
		mkRow("id", "12", "user", "app", "state", "Waiting for semi-sync ACK from slave"),
		mkRow("id", "11", "user", "ordinal", "state", "Waiting for semi-sync ACK from slave"),
		mkRow("id", "10", "user", "ordinal", "state", "NULL"),
		mkRow("id", "7", "user", "app", "state", "Commit"), mkRow("id", "9", "user", "root", "state", "NULL"),
	}
	gone := &driver.MySQLError{Number: 1094, Message: "Unknown thread id: 9"}
	sess := &killSession{recorder: rec, fail: map[string]error{"KILL CONNECTION ? [9]": gone}}
	cl.s = sess
	n, err := cl.KillClientConnections(context.Background(), "repl", "ordinal")
	if err != nil || n != 3 {
		t.Fatalf("KillClientConnections = %d, %v; want 3, nil", n, err)
	}
	want := []string{killable.sql,
		"KILL CONNECTION ? [7]", "KILL CONNECTION ? [9]", "KILL CONNECTION ? [12]", "KILL CONNECTION ? [11]"}
	if !slices.Equal(rec.calls, want) {
		t.Errorf("calls\n  %q\nwant\n  %q", rec.calls, want)
	}
	rec.rows["SELECT ID"] = []row{mkRow("id", "4", "user", "app", "state", "Waiting for semi-sync ACK from replica"),
		mkRow("id", "3", "user", "app", "state", "waiting for handler commit")}
	rec.calls = nil
	if _, err := cl.KillClientConnections(context.Background()); err != nil ||
		!slices.Equal(rec.calls[1:], []string{"KILL CONNECTION ? [3]", "KILL CONNECTION ? [4]"}) {
		t.Errorf("MySQL's waiter: %v, calls %q; want it killed last", err, rec.calls)
	}
	sess.fail["KILL CONNECTION ? [4]"] = errors.New("boom")
	if _, err := cl.KillClientConnections(context.Background()); err == nil {
		t.Error("a failed KILL was not reported")
	}
}

// killSession fails exec calls by their recorded form.
type killSession struct {
	*recorder
	fail map[string]error
}

func (k *killSession) exec(ctx context.Context, st stmt) error {
	_ = k.recorder.exec(ctx, st)
	return k.fail[k.calls[len(k.calls)-1]]
}

func TestPurgeBinaryLogs(t *testing.T) {
	defer func(p time.Duration) { purgePause = p }(purgePause)
	purgePause = time.Millisecond
	cl, rec := testClient(MariaDB)
	two := []row{mkRow("Log_name", "bin.000001"), mkRow("Log_name", "bin.000002")}
	rec.queue["SHOW BINARY LOGS"] = [][]row{two, two, {mkRow("Log_name", "bin.000002")}}
	if err := cl.PurgeBinaryLogs(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"FLUSH BINARY LOGS", "SHOW BINARY LOGS", "PURGE BINARY LOGS TO ? [bin.000002]",
		"SHOW BINARY LOGS", "PURGE BINARY LOGS TO ? [bin.000002]", "SHOW BINARY LOGS"}
	if !slices.Equal(rec.calls, want) {
		t.Errorf("calls %q, want %q", rec.calls, want)
	}
	if err := cl.PurgeBinaryLogs(context.Background()); err == nil {
		t.Error("purge without binary logs succeeded")
	}
	rec.rows["SHOW BINARY LOGS"] = two
	rec.calls = nil
	if err := cl.PurgeBinaryLogs(context.Background()); err == nil || len(rec.calls) != 2+2*purgeAttempts {
		t.Errorf("purge that never completes: %v after %d calls", err, len(rec.calls))
	}
}

func TestWaitApplied(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ma, rec := testClient(MariaDB)
	rec.rows["SELECT MASTER_GTID_WAIT"] = []row{mkRow("r", "0")}
	set := gtid.MustParse(gtid.MariaDB, "0-1-100,0-2-105,0-3-101,1-1-7")
	if err := ma.WaitApplied(ctx, set); err != nil {
		t.Fatal(err)
	}
	// The 3s deadline caps the first round at under 3s.
	if len(rec.calls) != 1 || !strings.HasPrefix(rec.calls[0], "SELECT MASTER_GTID_WAIT(?, ?) [0-2-105,1-1-7 2.") {
		t.Errorf("calls = %q", rec.calls)
	}
	my, rec := testClient(MySQL)
	rec.rows["SELECT WAIT_FOR"] = []row{mkRow("r", "0")}
	u := "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	if err := my.WaitApplied(ctx, gtid.MustParse(gtid.MySQL, u+":1-5")); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rec.calls[0], "SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) ["+u+":1-5 2.") {
		t.Errorf("calls = %q", rec.calls)
	}
	if err := my.WaitApplied(ctx, gtid.Set{}); err != nil || len(rec.calls) != 1 {
		t.Errorf("empty wait: %v, calls %q", err, rec.calls)
	}
}

func TestWaitAppliedTimesOut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	cl, rec := testClient(MariaDB)
	rec.rows["SELECT MASTER_GTID_WAIT"] = []row{mkRow("r", "-1")}
	slow := &slowSession{recorder: rec, delay: 20 * time.Millisecond}
	cl.s = slow
	err := cl.WaitApplied(ctx, gtid.MustParse(gtid.MariaDB, "0-1-5"))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "127.0.0.201:3306") {
		t.Errorf("err = %v, want a deadline error naming the member", err)
	}
	if n := len(rec.calls); n < 2 || n > 4 {
		t.Errorf("%d rounds in 50ms of 20ms each", n)
	}
	rec.rows["SELECT MASTER_GTID_WAIT"] = []row{mkRow("r", "NULL")}
	if err := cl.WaitApplied(context.Background(), gtid.MustParse(gtid.MariaDB, "0-1-5")); err == nil {
		t.Error("a NULL wait result was not an error")
	}
}

// slowSession makes each query take delay, as a server-side wait would.
type slowSession struct {
	*recorder
	delay time.Duration
}

func (s *slowSession) query(ctx context.Context, st stmt) ([]row, error) {
	time.Sleep(s.delay)
	return s.recorder.query(ctx, st)
}
