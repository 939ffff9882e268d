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
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// errLockWait is ER_LOCK_WAIT_TIMEOUT.
const errLockWait = 1205

// renderedReplicationArgs turns the rendered MariaDB config's replication settings (semi-sync,
// net timeout, skip_slave_start) into command-line options, so the servers run what pods run.
func renderedReplicationArgs(t *testing.T) []string {
	d, err := mycnf.Defaults(v1alpha1.FlavorMariaDB)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for k, v := range d {
		if strings.HasPrefix(k, "rpl_semi_sync") || k == "slave_net_timeout" || k == "skip_slave_start" {
			args = append(args, "--"+k+"="+v)
		}
	}
	return args
}

func newEnvWith(t *testing.T, n int, opts mysqltest.Options) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, cluster: mysqltest.StartWith(t, n, opts)}
	for _, m := range e.cluster.Members {
		e.clients = append(e.clients, openClient(t, m, 5*time.Second))
	}
	return e
}

// execAsync runs q as the application user and delivers its result.
func (e *env) execAsync(i int, q string) <-chan error {
	done := make(chan error, 1)
	db := e.app(i)
	go func() {
		_, err := db.ExecContext(e.ctx, q)
		done <- err
	}()
	return done
}

// waitSessions waits until member i has want commits waiting for a semi-sync ack.
func (e *env) waitSessions(i, want int) {
	e.t.Helper()
	e.eventually(fmt.Sprintf("%d commits waiting on member %d", want, i), func() error {
		if s := e.status(i).SemiSync; s.SourceWaitSessions != want {
			return fmt.Errorf("%+v", s)
		}
		return nil
	})
}

// blocked reports whether done is still pending after d.
func blocked(done <-chan error, d time.Duration) (bool, error) {
	select {
	case err := <-done:
		return false, err
	case <-time.After(d):
		return true, nil
	}
}

// newAckless starts a lone writable member with data whose commits wait for a semi-sync ack that
// no replica can send.
func newAckless(t *testing.T) (*env, *mysql.Client) {
	e := newEnvWith(t, 1, mysqltest.Options{ExtraArgs: renderedReplicationArgs(t)})
	p := e.clients[0]
	e.must(p.SetReadOnly(e.ctx, false))
	e.writeRows(0, 1)
	e.must(p.SetSemiSyncSource(e.ctx, true))
	return e, p
}

// TestFenceWithCommitStuckOnSemiSync: a commit waits for an ack nobody sends. The fence alone
// fails within its lock wait; killing the client connections ends the stuck commit (the client
// gets an error, not OK) and the fence then succeeds at once.
func TestFenceWithCommitStuckOnSemiSync(t *testing.T) {
	e, p := newAckless(t)
	done := e.execAsync(0, "INSERT INTO app.t (v) VALUES ('stuck')")
	e.waitSessions(0, 1)

	start := time.Now()
	err := p.SetReadOnly(e.ctx, true)
	alone := time.Since(start)
	t.Logf("fence alone with a stuck commit: %v after %v", err, alone)
	if mysql.ErrorNumber(err) != errLockWait || alone > 3*time.Second {
		t.Errorf("fence alone: %v after %v, want a lock wait timeout within ~2s", err, alone)
	}

	start = time.Now()
	n, err := p.KillClientConnections(e.ctx, mysqltest.RootUser, mysqltest.ReplUser)
	e.must(err)
	e.must(p.SetReadOnly(e.ctx, true))
	took := time.Since(start)
	t.Logf("kill (%d connections) + fence: %v", n, took)
	if took > 3*time.Second {
		t.Errorf("kill + fence took %v", took)
	}
	if still, err := blocked(done, 3*time.Second); still || err == nil {
		t.Errorf("the stuck client: still blocked %v, error %v; want an error", still, err)
	}
	if st := e.status(0); !st.Fenced || st.SemiSync.SourceWaitSessions != 0 {
		t.Errorf("after kill + fence: fenced %v, semi-sync %+v", st.Fenced, st.SemiSync)
	}
}

// TestFenceBoundedByLongWrite: a long write statement holds the lock SET GLOBAL read_only waits
// for; the fence fails within its bound instead of after the 10s statement timeout.
func TestFenceBoundedByLongWrite(t *testing.T) {
	e := newEnv(t, 1)
	p := e.clients[0]
	e.must(p.SetReadOnly(e.ctx, false))
	e.writeRows(0, 1)
	done := e.execAsync(0, "UPDATE app.t SET v = SLEEP(20)")
	e.eventually("the long UPDATE runs", func() error { return sleeping(e) })
	start := time.Now()
	err := p.SetReadOnly(e.ctx, true)
	took := time.Since(start)
	t.Logf("fence during a long UPDATE: %v after %v", err, took)
	if mysql.ErrorNumber(err) != errLockWait || took > 3*time.Second {
		t.Errorf("fence: %v after %v, want a lock wait timeout within ~2s", err, took)
	}
	if st := e.status(0); st.Fenced {
		t.Error("a failed fence reports fenced")
	}
	_, err = p.KillClientConnections(e.ctx, mysqltest.RootUser)
	e.must(err)
	e.must(p.SetReadOnly(e.ctx, true))
	<-done
}

// sleeping reports whether the long UPDATE is inside SLEEP, i.e. holds its locks: listed but
// still opening its table, it would lose the race to the fence and then fail as read-only.
func sleeping(e *env) error {
	db := e.cluster.Members[0].DB(e.t, mysqltest.RootUser, mysqltest.RootPassword)
	var n int
	err := db.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM information_schema.PROCESSLIST "+
		"WHERE INFO LIKE 'UPDATE app.t SET v = SLEEP%' AND STATE = 'User sleep'").Scan(&n)
	if err == nil && n == 0 {
		err = errors.New("not yet")
	}
	return err
}

// processes lists member i's sessions as "user command state info".
func (e *env) processes(i int) []string {
	db := e.cluster.Members[i].DB(e.t, mysqltest.RootUser, mysqltest.RootPassword)
	rows, err := db.QueryContext(e.ctx, "SELECT USER, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST "+
		"WHERE ID <> CONNECTION_ID()")
	e.must(err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u, c, s, q sql.NullString
		e.must(rows.Scan(&u, &c, &s, &q))
		out = append(out, strings.Join([]string{u.String, c.String, s.String, q.String}, " | "))
	}
	return out
}

// TestKillStuckCommitGroupAcknowledgesNothing: a commit group waits for an ack nobody sends (a
// primary cut off from its replicas). Killing the leader, the one session waiting for the ack,
// ends its wait and the whole group commits; a follower killed after that could be told OK for a
// transaction no replica has. KillClientConnections must close every follower's socket first:
// no client may get OK, in any of several rounds. binlog_commit_wait_count makes the commits one
// group, and the leader is the newest connection, which PROCESSLIST lists first.
func TestKillStuckCommitGroupAcknowledgesNothing(t *testing.T) {
	e, p := newAckless(t)
	root := e.cluster.Members[0].DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	e.exec(root, "SET GLOBAL binlog_commit_wait_count = 4")
	e.exec(root, "SET GLOBAL binlog_commit_wait_usec = 3000000")
	const rounds, group = 8, 4
	for round := range rounds {
		results := e.stuckGroup(round, group)
		n, err := p.KillClientConnections(e.ctx, mysqltest.RootUser, mysqltest.ReplUser)
		e.must(err)
		for i, done := range results {
			if still, err := blocked(done, 5*time.Second); still || err == nil {
				t.Errorf("round %d, commit %d (killed %d): still blocked %v, error %v; want an error, never OK",
					round, i, n, still, err)
			}
		}
	}
}

// stuckGroup starts n commits on n new connections as one group, the last connection first so
// that it leads, and waits until the leader waits for the ack and the others follow it.
func (e *env) stuckGroup(round, n int) []<-chan error {
	db := e.app(0)
	conns := make([]*sql.Conn, n)
	for i := range conns {
		c, err := db.Conn(e.ctx)
		e.must(err)
		e.t.Cleanup(func() { _ = c.Close() })
		conns[i] = c
	}
	results := make([]<-chan error, n)
	for k := range conns {
		i := n - 1 - k
		done := make(chan error, 1)
		go func() {
			_, err := conns[i].ExecContext(e.ctx, "INSERT INTO app.t (v) VALUES (?)", fmt.Sprintf("r%d-c%d", round, i))
			done <- err
		}()
		results[i] = done
		if k == 0 {
			e.eventually("the leader queues its commit", func() error { return e.committing(1) })
		}
	}
	e.waitSessions(0, 1)
	e.eventually("the whole group is committing", func() error { return e.committing(n) })
	return results
}

// committing reports whether n application sessions are inside their commit.
func (e *env) committing(n int) error {
	db := e.cluster.Members[0].DB(e.t, mysqltest.RootUser, mysqltest.RootPassword)
	var got int
	err := db.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM information_schema.PROCESSLIST "+
		"WHERE USER = ? AND INFO LIKE 'INSERT INTO app.t%'", mysqltest.AppUser).Scan(&got)
	if err == nil && got != n {
		err = fmt.Errorf("%d of %d", got, n)
	}
	return err
}
