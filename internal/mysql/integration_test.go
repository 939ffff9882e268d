//go:build integration

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

package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// errReadOnly is ER_OPTION_PREVENTS_STATEMENT (--read-only).
const errReadOnly = 1290

func TestReplicationAndFence(t *testing.T) {
	e := newEnv(t, 3)
	e.bootstrap(0)
	e.writeRows(0, 5)
	for i := range 3 {
		e.waitRows(i, 5)
	}
	p := e.status(0)
	if p.ReadOnly || p.Replication != nil || p.ServerID != 11 || !strings.Contains(p.Version, "MariaDB") {
		t.Errorf("primary status %+v", p)
	}
	// CREATE TABLE + 5 inserts, all by server 11 in domain 0.
	if p.Executed.String() != "0-11-6" || !p.Executed.Equal(p.Received) || p.CurrentPos.String() != "0-11-6" {
		t.Errorf("primary executed %q received %q current %q", p.Executed, p.Received, p.CurrentPos)
	}
	for i := 1; i < 3; i++ {
		e.waitExecuted(i, p.Executed)
		st := e.status(i)
		r := st.Replication
		m := e.cluster.Members[0]
		switch {
		case !st.ReadOnly || r == nil:
			t.Fatalf("replica %d: %+v", i, st)
		case r.SourceHost != m.Host || r.SourcePort != m.Port || !r.IORunning || !r.SQLRunning:
			t.Errorf("replica %d replication %+v", i, r)
		case r.LastIOErrno != 0 || r.LastSQLErrno != 0 || r.SecondsBehind < 0:
			t.Errorf("replica %d errors/lag %+v", i, r)
		case !st.Executed.Equal(p.Executed) || !st.Received.Equal(p.Executed) || !r.Retrieved.Equal(p.Executed):
			t.Errorf("replica %d executed %q received %q retrieved %q", i, st.Executed, st.Received, r.Retrieved)
		}
		_, err := e.app(i).ExecContext(e.ctx, "INSERT INTO app.t (v) VALUES ('nope')")
		if mysql.ErrorNumber(err) != errReadOnly {
			t.Errorf("write on fenced replica %d: %v, want error %d", i, err, errReadOnly)
		}
	}
	// Raising the fence on the primary stops application writes there too.
	e.must(e.clients[0].SetReadOnly(e.ctx, true))
	if _, err := e.app(0).ExecContext(e.ctx, "INSERT INTO app.t (v) VALUES ('x')"); mysql.ErrorNumber(err) != errReadOnly {
		t.Errorf("write on fenced primary: %v", err)
	}
}

func TestReplicaRestartCatchesUp(t *testing.T) {
	e := newEnv(t, 2)
	e.bootstrap(0)
	e.writeRows(0, 2)
	e.waitRows(1, 2)
	e.cluster.Members[1].Stop(t)
	if _, err := e.clients[1].Status(e.ctx); err == nil {
		t.Error("Status of a stopped member succeeded")
	}
	e.writeRows(0, 3)
	e.cluster.Members[1].Start(t)
	// Replication threads restart on their own with the server.
	e.waitRows(1, 5)
	st := e.status(1)
	if !st.ReadOnly || st.Replication == nil || !st.Replication.IORunning || !st.Executed.Equal(e.status(0).Executed) {
		t.Errorf("restarted replica %+v", st)
	}
}

func TestFailoverPromotesMostAdvancedReplica(t *testing.T) {
	e := newEnv(t, 3)
	e.bootstrap(0)
	e.writeRows(0, 3)
	e.waitRows(1, 3)
	e.waitRows(2, 3)
	e.cluster.Members[0].Kill(t)
	for i := 1; i < 3; i++ {
		e.must(e.clients[i].StopReplicationIO(e.ctx))
	}
	s1, s2 := e.status(1), e.status(2)
	if s1.Replication.IORunning || !s1.Replication.SQLRunning {
		t.Errorf("after StopReplicationIO: %+v", s1.Replication)
	}
	if !s2.Received.SubsetOf(s1.Received) {
		t.Fatalf("replica 1 received %q lacks replica 2's %q", s1.Received, s2.Received)
	}
	e.must(e.clients[1].WaitApplied(e.ctx, s1.Received))
	e.must(e.clients[1].ResetReplication(e.ctx))
	e.must(e.clients[1].SetReadOnly(e.ctx, false))
	e.replicate(2, 1)
	e.writeRows(1, 2)
	e.waitRows(2, 5)
	np := e.status(1)
	if np.Replication != nil || np.ReadOnly || !np.Executed.SubsetOf(e.status(2).Executed) {
		t.Errorf("new primary %+v", np)
	}
	// The old primary returns fenced; with nothing errant it rejoins as a
	// replica and resumes after its own binlog (gtid_slave_pos from
	// gtid_current_pos), not from the start.
	e.cluster.Members[0].Start(t)
	old := e.status(0)
	if !old.ReadOnly || !old.Executed.SubsetOf(np.Executed) {
		t.Fatalf("returning old primary: read-only %v, executed %q vs %q", old.ReadOnly, old.Executed, np.Executed)
	}
	e.replicate(0, 1)
	e.waitRows(0, 5)
	if st := e.status(0); st.Replication.LastSQLErrno != 0 || !st.Executed.Equal(e.status(1).Executed) {
		t.Errorf("old primary as replica: %+v, executed %q", st.Replication, st.Executed)
	}
}

func TestErrantTransactionDetected(t *testing.T) {
	e := newEnv(t, 2)
	e.bootstrap(0)
	e.writeRows(0, 2)
	e.waitExecuted(1, e.status(0).Executed)
	if !e.status(1).Executed.SubsetOf(e.status(0).Executed) {
		t.Fatal("a clean replica looks errant")
	}
	e.must(e.clients[1].SetReadOnly(e.ctx, false))
	e.exec(e.app(1), "INSERT INTO app.t (v) VALUES ('errant')")
	r, p := e.status(1).Executed, e.status(0).Executed
	if r.SubsetOf(p) {
		t.Fatalf("errant write not detected: replica %q ⊆ primary %q", r, p)
	}
	if keys := r.Subtract(p).Keys(); len(keys) != 1 || keys[0] != "0-12" {
		t.Errorf("errant part %q, want server 12's GTIDs", r.Subtract(p))
	}
}

func TestSemiSyncAcknowledgesAndBlocks(t *testing.T) {
	e := newEnv(t, 2)
	e.must(e.clients[1].SetSemiSyncReplica(e.ctx, true))
	e.bootstrap(0) // the IO thread starts after the replica side is on
	e.writeRows(0, 1)
	e.must(e.clients[0].SetSemiSyncSource(e.ctx, true))
	e.eventually("semi-sync replica connected", func() error {
		if s := e.status(0).SemiSync; !s.SourceActive || s.SourceClients != 1 {
			return fmt.Errorf("%+v", s)
		}
		return nil
	})
	if s := e.status(1).SemiSync; !s.ReplicaEnabled || !s.ReplicaActive {
		t.Errorf("replica semi-sync %+v", s)
	}
	acked := e.status(0).SemiSync.SourceAcked
	e.writeRows(0, 2)
	if got := e.status(0).SemiSync.SourceAcked; got < acked+2 {
		t.Errorf("acked %d commits, want at least %d", got, acked+2)
	}
	// Without a replica a commit waits (huge timeout) instead of silently
	// falling back to asynchronous replication.
	e.must(e.clients[1].StopReplicationIO(e.ctx))
	ctx, cancel := context.WithTimeout(e.ctx, time.Second)
	defer cancel()
	_, err := e.app(0).ExecContext(ctx, "INSERT INTO app.t (v) VALUES ('waits')")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("commit without a semi-sync replica: %v, want it to block", err)
	}
	e.must(e.clients[0].SetSemiSyncSource(e.ctx, false))
	e.waitRows(0, 4) // the waiting commit completes once the wait is off
	if s := e.status(0).SemiSync; s.SourceEnabled {
		t.Errorf("source semi-sync still on: %+v", s)
	}
}

// errSourceLog is ER_SOURCE_FATAL_ERROR_READING_BINLOG.
const errSourceLog = 1236

func TestPurgedBinlogsSurfaceAndStartPosReseeds(t *testing.T) {
	e := newEnv(t, 3)
	e.bootstrap(0)
	e.writeRows(0, 2)
	e.waitRows(2, 2)
	e.must(e.clients[2].StopReplication(e.ctx))
	e.writeRows(0, 3)
	e.waitRows(1, 5)
	e.must(e.clients[0].PurgeBinaryLogs(e.ctx))
	e.must(e.clients[2].StartReplication(e.ctx))
	e.eventually("replica 2 reports 1236", func() error {
		r := e.status(2).Replication
		if r.LastIOErrno != errSourceLog || r.IORunning {
			return fmt.Errorf("replication %+v", r)
		}
		return nil
	})
	// A replica seeded from a backup starts at the backup's position; here
	// the "backup" is the primary's current position, so the purged
	// transactions are skipped and new ones arrive.
	src := e.source(0)
	src.StartPos = e.status(0).CurrentPos.String()
	e.must(e.clients[2].ConfigureReplica(e.ctx, src))
	e.must(e.clients[2].StartReplication(e.ctx))
	e.writeRows(0, 1)
	e.waitExecuted(2, e.status(0).Executed)
	if n, err := e.rows(2); err != nil || n != 3 {
		t.Errorf("re-positioned replica has %d rows (%v), want 2 old + 1 new", n, err)
	}
	if r := e.status(2).Replication; r.LastIOErrno != 0 || !r.IORunning {
		t.Errorf("after re-positioning: %+v", r)
	}
}

func TestKillClientConnectionsSparesReplication(t *testing.T) {
	e := newEnv(t, 2)
	e.bootstrap(0)
	e.writeRows(0, 1)
	conn, err := e.app(0).Conn(e.ctx)
	e.must(err)
	defer conn.Close()
	e.must(conn.PingContext(e.ctx))
	n, err := e.clients[0].KillClientConnections(e.ctx, "root", "repl")
	if err != nil || n < 1 {
		t.Fatalf("KillClientConnections = %d, %v", n, err)
	}
	if err := conn.PingContext(e.ctx); err == nil {
		t.Error("a killed application connection still answers")
	}
	// Replication and the operator's own connections survive.
	e.writeRows(0, 1)
	e.waitRows(1, 2)
	if _, err := e.clients[0].Status(e.ctx); err != nil {
		t.Errorf("operator connection: %v", err)
	}
}

func TestFrozenMemberTimesOut(t *testing.T) {
	e := newEnv(t, 1)
	m := e.cluster.Members[0]
	c := openClient(t, m, time.Second)
	if _, err := c.Status(e.ctx); err != nil {
		t.Fatal(err)
	}
	m.Freeze(t)
	defer m.Thaw(t)
	start := time.Now()
	_, err := c.Status(e.ctx)
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), m.Addr()) {
		t.Errorf("Status of a frozen member: %v, want an error naming %s", err, m.Addr())
	}
	if took > 5*time.Second {
		t.Errorf("Status of a frozen member took %v", took)
	}
}

func TestWaitAppliedTimesOutOnMissingGTIDs(t *testing.T) {
	e := newEnv(t, 2)
	e.bootstrap(0)
	e.writeRows(0, 1)
	e.waitExecuted(1, e.status(0).Executed)
	e.must(e.clients[1].WaitApplied(e.ctx, e.status(0).Executed))
	future := e.status(0).Executed.Union(mustParse(t, "0-11-1000"))
	ctx, cancel := context.WithTimeout(e.ctx, 1500*time.Millisecond)
	defer cancel()
	if err := e.clients[1].WaitApplied(ctx, future); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitApplied(never-written GTIDs) = %v, want a deadline error", err)
	}
}
