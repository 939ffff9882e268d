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

package simmember

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// testFleet runs members ns/c-0.. on 127.0.50.1.. at a free port.
func testFleet(t testing.TB, n int) (*Fleet, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.50.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	f := NewFleet(port, nil)
	t.Cleanup(f.Close)
	for i := 0; i < n; i++ {
		if err := f.Start("ns/c-"+strconv.Itoa(i), memberIP(i), uint32(100+i)); err != nil {
			t.Fatal(err)
		}
	}
	return f, port
}

func memberIP(i int) string { return "127.0.50." + strconv.Itoa(i+1) }

// client is the operator's own client (internal/mysql, MariaDB flavor).
func client(t testing.TB, port, i int) *mysql.Client {
	t.Helper()
	c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Host: memberIP(i), Port: port, User: "ordinal",
		Password: "any", ConnectTimeout: time.Second, ReadTimeout: 2 * time.Second, StatementTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestProtocol talks to the simulator with go-sql-driver/mysql directly.
func TestProtocol(t *testing.T) {
	f, port := testFleet(t, 1)
	cfg := driver.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = "ordinal", "secret", "tcp", net.JoinHostPort(memberIP(0), strconv.Itoa(port)), "mysql"
	cfg.InterpolateParams = true
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	var version, serverID string
	var lag sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT @@version AS v, @@server_id AS id").Scan(&version, &serverID); err != nil {
		t.Fatal(err)
	}
	if version != Version || serverID != "100" {
		t.Errorf("version %q server_id %q, want %q and 100", version, serverID, Version)
	}
	// An interpolated argument with a quote in it.
	if _, err := db.ExecContext(ctx, "CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?", "app", "%", "it's"); err != nil {
		t.Fatal(err)
	}
	var n string
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host = ?", "app", "%").Scan(&n); err != nil || n != "1" {
		t.Errorf("count of app@%%: %q, %v", n, err)
	}
	_, err = db.ExecContext(ctx, "CHANGE MASTER TO MASTER_HOST = 'c-1.c.ns.svc', MASTER_PORT = 3306, MASTER_USER = 'repl', MASTER_PASSWORD = 'x'")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	if !rows.Next() {
		t.Fatal("SHOW SLAVE STATUS: no row after CHANGE MASTER")
	}
	vals := make([]any, len(cols))
	for i, c := range cols {
		vals[i] = new(sql.NullString)
		if c == "Seconds_Behind_Master" {
			vals[i] = &lag
		}
	}
	if err := rows.Scan(vals...); err != nil {
		t.Fatal(err)
	}
	_ = rows.Close()
	if lag.Valid {
		t.Errorf("Seconds_Behind_Master %q with replication stopped, want NULL", lag.String)
	}
	_, err = db.ExecContext(ctx, "SELECT no_such_thing FROM nowhere")
	var me *driver.MySQLError
	if !errors.As(err, &me) || me.Number != 1064 {
		t.Errorf("unknown statement: %v, want error 1064", err)
	}
	if st := f.Stats(); st.Unknown != 1 || st.UnknownSQL["SELECT no_such_thing FROM nowhere"] != 1 || st.Statements < 5 {
		t.Errorf("stats %+v, want 1 unknown statement of at least 5", st)
	}
}

// TestOperatorStatements drives three members with the operator's client:
// a primary, two replicas by stable name, semi-sync, heartbeats, waits,
// a freeze, a kill and a restart.
func TestOperatorStatements(t *testing.T) {
	old := netTimeout
	netTimeout = 200 * time.Millisecond
	t.Cleanup(func() { netTimeout = old })
	f, port := testFleet(t, 3)
	ctx := context.Background()
	c0, c1, c2 := client(t, port, 0), client(t, port, 1), client(t, port, 2)
	st := status(t, c0)
	if !st.ReadOnly || !st.Fenced || st.ServerID != 100 || !st.Executed.IsEmpty() || st.Replication != nil {
		t.Fatalf("fresh member: %+v", st)
	}
	if err := c0.Heartbeat(ctx); !errors.Is(err, mysql.ErrReadOnly) {
		t.Errorf("heartbeat on a fenced member: %v, want ErrReadOnly", err)
	}
	must(t, c0.SetReadOnly(ctx, false))
	must(t, c0.Heartbeat(ctx)) // creates the table: 3 transactions
	if got := status(t, c0).Executed.String(); got != "0-100-3" {
		t.Errorf("primary executed %q after the first heartbeat, want 0-100-3", got)
	}
	for _, c := range []*mysql.Client{c1, c2} {
		must(t, c.ConfigureReplica(ctx, mysql.Source{Host: "c-0.c.ns.svc", Port: 3306, User: "repl", Password: "p"}))
		must(t, c.StartReplication(ctx))
	}
	must(t, c0.SetSemiSyncSource(ctx, true))
	must(t, c0.Heartbeat(ctx))
	p := status(t, c0)
	if p.SemiSync.SourceClients != 2 || !p.SemiSync.SourceActive || p.SemiSync.SourceAcked != 1 {
		t.Errorf("primary semi-sync %+v, want 2 clients, active, 1 acked", p.SemiSync)
	}
	must(t, c1.WaitApplied(ctx, p.Executed))
	r := status(t, c1)
	if r.Replication == nil || !r.Replication.IORunning || !r.Replication.SQLRunning || r.Replication.SourceHost != "c-0.c.ns.svc" ||
		r.Executed.String() != "0-100-4" || !r.SemiSync.ReplicaActive || r.Replication.SecondsBehind != 0 {
		t.Errorf("replica status %+v %+v", r, r.Replication)
	}
	pulse, err := c1.Pulse(ctx)
	if err != nil || !pulse.Fenced || !pulse.ReplicaRunning || pulse.Executed != "0-100-4" {
		t.Errorf("replica pulse %+v, %v", pulse, err)
	}
	if pulse, err := c0.Pulse(ctx); err != nil || pulse.SemiSyncClients != 2 || pulse.ReplicaRunning {
		t.Errorf("primary pulse %+v, %v", pulse, err)
	}
	// A replica with its SQL thread stopped does not apply, and the wait times out.
	must(t, c2.StopReplication(ctx))
	must(t, c0.Heartbeat(ctx))
	wctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	if err := c2.WaitApplied(wctx, status(t, c0).Executed); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait on a stopped replica: %v, want a deadline", err)
	}
	cancel()
	frozenPrimary(t, f, c0, c1)
	must(t, f.Kill("ns/c-0"))
	if _, err := c0.Status(ctx); err == nil {
		t.Error("status of a killed member succeeded")
	}
	must(t, f.Start("ns/c-0", memberIP(0), 100)) // the pod restarts: data kept, fenced again
	if st := status(t, c0); !st.ReadOnly || st.Executed.String() != "0-100-5" {
		t.Errorf("restarted member: read_only %v executed %s, want fenced with 0-100-5", st.ReadOnly, st.Executed)
	}
	// Failover: c1 becomes the primary, c0 replicates from it by pod IP.
	must(t, c1.ResetReplication(ctx))
	must(t, c1.SetReadOnly(ctx, false))
	must(t, c1.Heartbeat(ctx))
	must(t, c0.ConfigureReplica(ctx, mysql.Source{Host: memberIP(1), Port: 3306, User: "repl", Password: "p"}))
	must(t, c0.StartReplication(ctx))
	must(t, c0.WaitApplied(ctx, status(t, c1).Executed))
	if got := status(t, c0).Executed.String(); got != "0-100-5,0-101-6" {
		t.Errorf("old primary after rejoining: %s, want 0-100-5,0-101-6", got)
	}
	if status(t, c1).Replication != nil {
		t.Error("new primary still has a source after RESET SLAVE ALL")
	}
	appUser(t, c1)
	if st := f.Stats(); st.Unknown != 0 {
		t.Errorf("unknown statements: %v", st.UnknownSQL)
	}
}

// frozenPrimary: statements to a frozen member time out and its replica's
// IO thread reconnects after the net timeout; thawed, all is well again.
func frozenPrimary(t *testing.T, f *Fleet, c0, c1 *mysql.Client) {
	ctx := context.Background()
	must(t, f.Freeze("ns/c-0"))
	fctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err := c0.Status(fctx)
	cancel()
	if err == nil {
		t.Error("status of a frozen member succeeded")
	}
	time.Sleep(2 * netTimeout)
	if r := status(t, c1).Replication; r.IORunning || r.IOState != "Connecting" || r.LastIOErrno != 2013 {
		t.Errorf("replica of a frozen primary: %+v, want Connecting with error 2013", r)
	}
	must(t, f.Thaw("ns/c-0"))
	if r := status(t, c1).Replication; !r.IORunning {
		t.Errorf("replica of a thawed primary: %+v", r)
	}
}

func appUser(t *testing.T, c *mysql.Client) {
	ctx := context.Background()
	must(t, c.EnsureAppUser(ctx, mysql.AppUser{Database: "app_db", Name: "app", Host: "%", Password: "pw"}))
	if ok, err := c.AppUserExists(ctx, "app", "%"); err != nil || !ok {
		t.Errorf("app user exists: %v, %v", ok, err)
	}
	must(t, c.SetGlobals(ctx, []mysql.GlobalSetting{{Name: "max_connections", Value: "200"}, {Name: "sql_mode", Value: "ANSI", Quoted: true}}))
	if n, err := c.KillClientConnections(ctx, "repl", "ordinal"); err != nil || n != 0 {
		t.Errorf("kill client connections: %d, %v", n, err)
	}
	if s, err := c.GTIDBinlogState(ctx); err != nil || !strings.Contains(s, "0-101-") {
		t.Errorf("gtid_binlog_state %q, %v", s, err)
	}
}

func status(t *testing.T, c *mysql.Client) mysql.Status {
	t.Helper()
	st, err := c.Status(context.Background())
	if err != nil {
		t.Fatalf("status of %s: %v", c.Addr(), err)
	}
	return st
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestHeartbeatLeftWaiting: with the semi-sync wait on and no replica, a heartbeat that timed out
// waits alone for its ack; the operator ends it (only its own row commits), so nothing is left
// waiting and the next probe waits anew.
func TestHeartbeatLeftWaiting(t *testing.T) {
	_, port := testFleet(t, 1)
	ctx := context.Background()
	c0 := client(t, port, 0)
	must(t, c0.SetReadOnly(ctx, false))
	must(t, c0.Heartbeat(ctx))
	must(t, c0.SetSemiSyncSource(ctx, true))
	var err error
	for range 20 { // the killed session leaves its wait within the simulator's 100 ms poll
		hctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		err = c0.Heartbeat(hctx)
		cancel()
		if !errors.Is(err, mysql.ErrCommitPending) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("heartbeat without an acker: %v, want a deadline", err)
	}
	time.Sleep(300 * time.Millisecond)
	if n, err := c0.KillClientConnections(ctx, "repl", "ordinal"); err != nil || n != 0 {
		t.Errorf("the fence's kill after the probe was ended: %d, %v; want nothing left to kill", n, err)
	}
}
