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
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// TestWaitOnBeforeAnyReplica: the operator turns the wait on before a new primary takes writes.
// A commit then waits; a replica running the rendered config (replica side on) connecting with
// GTID positioning acknowledges it and releases it. After the replica's server restarts, START
// SLAVE alone makes it an acker again: the flag comes from the config.
func TestWaitOnBeforeAnyReplica(t *testing.T) {
	e := newEnvWith(t, 2, mysqltest.Options{ExtraArgs: renderedReplicationArgs(t)})
	p := e.clients[0]
	e.must(p.SetReadOnly(e.ctx, false))
	e.writeRows(0, 1) // before the wait: creates app.t
	e.must(p.SetSemiSyncSource(e.ctx, true))
	done := e.execAsync(0, "INSERT INTO app.t (v) VALUES ('waits')")
	e.waitSessions(0, 1)
	if still, err := blocked(done, time.Second); !still {
		t.Fatalf("a commit with the wait on and no replica completed: %v", err)
	}
	start := time.Now()
	e.must(e.clients[1].ConfigureReplica(e.ctx, e.source(0)))
	e.must(e.clients[1].StartReplication(e.ctx))
	if still, err := blocked(done, 10*time.Second); still || err != nil {
		t.Fatalf("the waiting commit after a replica connected: still blocked %v, error %v", still, err)
	}
	t.Logf("the waiting commit was released %v after START SLAVE", time.Since(start))
	if s := e.status(0).SemiSync; s.SourceAcked < 1 || s.SourceClients != 1 || !s.SourceActive {
		t.Errorf("primary semi-sync after the replica connected: %+v", s)
	}
	e.waitRows(1, 2)

	e.cluster.Members[1].Stop(t)
	e.cluster.Members[1].Start(t)
	e.must(e.clients[1].StartReplication(e.ctx)) // skip_slave_start is in the config
	start = time.Now()
	e.eventually("the restarted replica acknowledges", func() error {
		if s := e.status(0).SemiSync; s.SourceClients < 1 {
			return fmt.Errorf("%+v", s)
		}
		return nil
	})
	t.Logf("clients back to 1 %v after START SLAVE on the restarted replica", time.Since(start))
	acked := e.status(0).SemiSync.SourceAcked
	e.writeRows(0, 1)
	if s := e.status(0).SemiSync; s.SourceAcked <= acked || s.SourceWaitSessions != 0 {
		t.Errorf("a commit after the restart was not acknowledged: %+v", s)
	}
	if s := e.status(1).SemiSync; !s.ReplicaEnabled || !s.ReplicaActive {
		t.Errorf("restarted replica's semi-sync %+v", s)
	}
}

// TestHeartbeat: the probe commits on a writable primary and replicates; with the wait on and no
// acker it fails within its deadline and, alone in its commit group, leaves nothing waiting; on a
// read-only server it fails saying so, and writes nothing (not even its table) there.
func TestHeartbeat(t *testing.T) {
	e := newEnvWith(t, 2, mysqltest.Options{ExtraArgs: renderedReplicationArgs(t)})
	p, r := e.clients[0], e.clients[1]
	err := r.Heartbeat(e.ctx)
	if !errors.Is(err, mysql.ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Heartbeat on a fresh read-only server: %v", err)
	}
	if st := e.status(1); !st.Executed.IsEmpty() {
		t.Errorf("a refused heartbeat wrote %v", st.Executed)
	}
	e.bootstrap(0)
	e.must(p.Heartbeat(e.ctx))
	e.must(p.Heartbeat(e.ctx))
	e.waitExecuted(1, e.status(0).Executed)
	before := e.status(1).Executed
	if err := r.Heartbeat(e.ctx); !errors.Is(err, mysql.ErrReadOnly) {
		t.Errorf("Heartbeat on a read-only replica (root may write through read_only): %v", err)
	}
	if after := e.status(1).Executed; !after.Equal(before) {
		t.Errorf("a refused heartbeat on the replica wrote %v", after.Subtract(before))
	}

	e.must(p.SetSemiSyncSource(e.ctx, true))
	e.must(p.Heartbeat(e.ctx)) // acknowledged by the replica
	e.must(r.StopReplicationIO(e.ctx))
	ctx, cancel := context.WithTimeout(e.ctx, 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = p.Heartbeat(ctx)
	took := time.Since(start)
	t.Logf("heartbeat without an acker: %v after %v", err, took)
	if err == nil || took > 2500*time.Millisecond {
		t.Errorf("Heartbeat without an acker: %v after %v, want an error within ~2s", err, took)
	}
	// Alone in its commit group, the probe is ended: nothing is left waiting, and only its own
	// row committed without an ack.
	time.Sleep(time.Second)
	for _, proc := range e.processes(0) {
		if strings.Contains(proc, "heartbeat") || strings.Contains(proc, "semi-sync") {
			t.Errorf("left behind: %s", proc)
		}
	}
	if s := e.status(0).SemiSync; s.SourceWaitSessions != 0 {
		t.Errorf("commits still waiting: %+v", s)
	}
	e.must(r.StartReplication(e.ctx))
	e.eventually("a probe commits once the replica acknowledges", func() error { return p.Heartbeat(e.ctx) })
}

// TestHeartbeatTimeoutReleasesNoClientCommit: with no acker, the operator's probe leads a commit
// group that holds a client's commit. When the probe times out, the client must still not be
// told OK (killing the probe would have committed the group); once a replica acknowledges, both
// commit and the client's row is on the replica.
func TestHeartbeatTimeoutReleasesNoClientCommit(t *testing.T) {
	e := newEnvWith(t, 2, mysqltest.Options{ExtraArgs: renderedReplicationArgs(t)})
	p, r := e.clients[0], e.clients[1]
	e.bootstrap(0)
	e.replicate(1, 0)
	e.writeRows(0, 1)
	e.must(p.SetSemiSyncSource(e.ctx, true))
	e.must(p.Heartbeat(e.ctx))
	e.must(r.StopReplicationIO(e.ctx))
	root := e.cluster.Members[0].DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	e.exec(root, "SET GLOBAL binlog_commit_wait_count = 2")
	e.exec(root, "SET GLOBAL binlog_commit_wait_usec = 3000000")

	probe := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(e.ctx, 1500*time.Millisecond)
		defer cancel()
		probe <- p.Heartbeat(ctx)
	}()
	e.eventually("the probe queues its commit first (it leads the group)", func() error {
		return e.sessionRuns(0, "REPLACE INTO ordinal.heartbeat%")
	})
	client := e.execAsync(0, "INSERT INTO app.t (v) VALUES ('follower')")
	if err := <-probe; err == nil {
		t.Fatal("the probe committed without an acker")
	}
	if still, err := blocked(client, 2*time.Second); !still {
		t.Fatalf("the client's commit returned (%v) while no replica had acknowledged it", err)
	}
	e.must(r.StartReplication(e.ctx))
	if still, err := blocked(client, 10*time.Second); still || err != nil {
		t.Fatalf("after the replica's ack: still blocked %v, error %v", still, err)
	}
	e.waitRows(1, 2)
}

// sessionRuns reports whether a session on member i runs a statement LIKE pattern.
func (e *env) sessionRuns(i int, pattern string) error {
	db := e.cluster.Members[i].DB(e.t, mysqltest.RootUser, mysqltest.RootPassword)
	var n int
	err := db.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE ?", pattern).Scan(&n)
	if err == nil && n == 0 {
		err = errors.New("not yet")
	}
	return err
}
