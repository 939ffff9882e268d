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
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// fail attributes a non-driver error (parsing, unexpected result) to the
// member and statement.
func (c *Client) fail(st stmt, err error) error {
	return &StatementError{Addr: c.Addr(), Statement: st.sql, Err: err}
}

func (c *Client) execAll(ctx context.Context, sts []stmt) error { return execOn(ctx, c.s, sts) }

func execOn(ctx context.Context, s session, sts []stmt) error {
	for _, st := range sts {
		if err := s.exec(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// Status observes the server with three reads: globals, replica status and
// semi-sync variables.
func (c *Client) Status(ctx context.Context) (Status, error) {
	f := c.cfg.Flavor
	var st Status
	q := f.globals()
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return st, err
	}
	if len(rows) != 1 {
		return st, c.fail(q, fmt.Errorf("got %d rows, want 1", len(rows)))
	}
	if err := f.parseGlobals(rows[0], &st); err != nil {
		return st, c.fail(q, err)
	}
	q = f.replicaStatus()
	if rows, err = c.s.query(ctx, q); err != nil {
		return st, err
	}
	if len(rows) > 0 {
		if err := f.parseReplica(rows[0], &st); err != nil {
			return st, c.fail(q, err)
		}
	}
	st.SemiSync, err = c.semiSyncStatus(ctx)
	return st, err
}

var (
	semiSyncVariables = statement("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'")
	semiSyncStatus    = statement("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%'")
)

func (c *Client) semiSyncStatus(ctx context.Context) (SemiSync, error) {
	vals := map[string]string{}
	for _, q := range []stmt{semiSyncVariables, semiSyncStatus} {
		rows, err := c.s.query(ctx, q)
		if err != nil {
			return SemiSync{}, err
		}
		for _, r := range rows {
			vals[r.str("Variable_name")] = r.str("Value")
		}
	}
	s, err := parseSemiSync(vals, c.cfg.Flavor.semiSyncNames())
	if err != nil {
		return s, c.fail(semiSyncStatus, err)
	}
	return s, nil
}

// ConfigureReplica stops replication and points the server at src.
func (c *Client) ConfigureReplica(ctx context.Context, src Source) error {
	sts, err := c.cfg.Flavor.configureReplica(src)
	if err != nil {
		return fmt.Errorf("mysql %s: configure replica: %w", c.Addr(), err)
	}
	return c.execAll(ctx, sts)
}

// StartReplication starts both replication threads (a no-op when running).
func (c *Client) StartReplication(ctx context.Context) error {
	return c.s.exec(ctx, statement(c.cfg.Flavor.replication().start))
}

// StopReplication stops both replication threads.
func (c *Client) StopReplication(ctx context.Context) error {
	return c.s.exec(ctx, statement(c.cfg.Flavor.replication().stop))
}

// StopReplicationIO stops the IO thread only; the SQL thread keeps applying.
func (c *Client) StopReplicationIO(ctx context.Context) error {
	return c.s.exec(ctx, statement(c.cfg.Flavor.replication().stopIO))
}

// ResetReplication stops replication and forgets the source; the server
// refuses the reset while a thread runs.
func (c *Client) ResetReplication(ctx context.Context) error {
	r := c.cfg.Flavor.replication()
	return c.execAll(ctx, []stmt{statement(r.stop), statement(r.reset)})
}

// AdoptCopy makes a server whose datadir is a copy of another member's volume its own replica
// to be: replication stopped and the donor's source forgotten, and on MariaDB gtid_slave_pos set
// to what the copy's binary log holds (gtid_binlog_pos). gtid_current_pos would not do: it counts
// binary log GTIDs of this server's own server_id only, and the copy's are the donor's (all of
// them, when the donor was the primary), so replication would start from the beginning. MySQL's
// gtid_executed is the position already.
func (c *Client) AdoptCopy(ctx context.Context) error {
	r := c.cfg.Flavor.replication()
	sts := []stmt{statement(r.stop), statement(r.reset)}
	if c.cfg.Flavor.Name() == MariaDB.Name() {
		sts = append(sts, statement("SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos"))
	}
	return c.execAll(ctx, sts)
}

// resetLockWait undoes the fence's session lock wait (MySQL) before the
// connection goes back to the pool.
var resetLockWait = statement("SET SESSION lock_wait_timeout = DEFAULT")

// SetReadOnly raises or clears the write fence (SET GLOBAL, not persisted).
// Raising it waits at most fenceLockWait seconds for running writes and
// commits in progress (semi-sync waits included), then fails with
// ER_LOCK_WAIT_TIMEOUT (1205): kill the client connections first, and if it
// still fails, restart the server rather than wait.
func (c *Client) SetReadOnly(ctx context.Context, on bool) error {
	sts := c.cfg.Flavor.setReadOnly(on)
	return c.onOneConnection(ctx, func(s session) error {
		if strings.HasPrefix(sts[0].sql, "SET SESSION ") {
			defer func() { _ = s.exec(context.WithoutCancel(ctx), resetLockWait) }()
		}
		return execOn(ctx, s, sts)
	})
}

// SetSemiSyncSource turns the source-side wait on or off.
func (c *Client) SetSemiSyncSource(ctx context.Context, on bool) error {
	if err := c.ensurePlugin(ctx, true, on); err != nil {
		return err
	}
	return c.execAll(ctx, c.cfg.Flavor.setSemiSyncSource(on))
}

// SetSemiSyncReplica turns the replica-side ack on or off.
func (c *Client) SetSemiSyncReplica(ctx context.Context, on bool) error {
	if err := c.ensurePlugin(ctx, false, on); err != nil {
		return err
	}
	return c.execAll(ctx, c.cfg.Flavor.setSemiSyncReplica(on))
}

// ensurePlugin installs the flavor's semi-sync plugin when turning a side on
// and the plugin is missing (MySQL; MariaDB has semi-sync built in).
func (c *Client) ensurePlugin(ctx context.Context, source, on bool) error {
	name, soname := c.cfg.Flavor.semiSyncPlugin(source)
	if name == "" || !on {
		return nil
	}
	rows, err := c.s.query(ctx, statement(
		"SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = ?", name))
	if err != nil || len(rows) > 0 {
		return err
	}
	return c.s.exec(ctx, statement("INSTALL PLUGIN "+name+" SONAME '"+soname+"'"))
}

// killable lists sessions: not our own, not replication threads or dump threads of connected
// replicas, not the server's own users.
var killable = statement("SELECT ID AS id, USER AS user, IFNULL(STATE, '') AS state " +
	"FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() " +
	"AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Killed') " +
	"AND USER NOT IN ('system user', 'event_scheduler', 'unauthenticated user')")

// errUnknownThread: the connection ended between listing and killing.
const errUnknownThread = 1094

// awaitsAck reports whether a session's state says its commit waits for a semi-sync
// acknowledgement (MariaDB: "Waiting for semi-sync ACK from slave", MySQL: "... from replica").
func awaitsAck(state string) bool {
	return strings.HasPrefix(strings.ToLower(state), "waiting for semi-sync ack")
}

// KillClientConnections kills every client connection except those of exceptUsers (replication,
// the operator) and returns how many it killed. A session waiting for a semi-sync ack is killed
// whoever it belongs to (an operator's heartbeat left waiting holds the lock the fence needs),
// and after all others: a killed waiter ends its wait and its whole commit group commits, so
// every follower in the group must have lost its socket first (a KILL closes it at once), or it
// would be told OK for a transaction no replica has.
func (c *Client) KillClientConnections(ctx context.Context, exceptUsers ...string) (int, error) {
	rows, err := c.s.query(ctx, killable)
	if err != nil {
		return 0, err
	}
	var ids []uint64
	for _, r := range killOrder(rows, exceptUsers) {
		id, err := strconv.ParseUint(r.str("id"), 10, 64)
		if err != nil {
			return 0, c.fail(killable, fmt.Errorf("connection id %q: %w", r.str("id"), err))
		}
		ids = append(ids, id)
	}
	return c.kill(ctx, ids)
}

// killOrder picks the sessions to kill, those waiting for a semi-sync ack last, keeping the order
// of each part.
func killOrder(rows []row, exceptUsers []string) []row {
	var others, waiters []row
	for _, r := range rows {
		switch {
		case awaitsAck(r.str("state")):
			waiters = append(waiters, r)
		case !slices.Contains(exceptUsers, r.str("user")):
			others = append(others, r)
		}
	}
	return append(others, waiters...)
}

// kill ends the connections in order; one that already ended is not an error.
func (c *Client) kill(ctx context.Context, ids []uint64) (int, error) {
	killed := 0
	for _, id := range ids {
		err := c.s.exec(ctx, statement("KILL CONNECTION ?", id))
		if err != nil && ErrorNumber(err) != errUnknownThread {
			return killed, err
		}
		if err == nil {
			killed++
		}
	}
	return killed, nil
}

// PurgeBinaryLogs rotates the binary log and purges all older files, so a
// replica that needs them fails with error 1236 (tests use it to force
// seeding). MariaDB silently keeps a file until its binlog checkpoint is
// written to the next one, so the purge repeats until only the newest file
// is left, for at most 5s.
func (c *Client) PurgeBinaryLogs(ctx context.Context) error {
	if err := c.s.exec(ctx, statement("FLUSH BINARY LOGS")); err != nil {
		return err
	}
	list := statement("SHOW BINARY LOGS")
	for attempt := 0; ; attempt++ {
		rows, err := c.s.query(ctx, list)
		if err != nil {
			return err
		}
		switch {
		case len(rows) == 0:
			return c.fail(list, fmt.Errorf("no binary logs"))
		case len(rows) == 1:
			return nil
		case attempt == purgeAttempts:
			return c.fail(list, fmt.Errorf("%d binary logs left after purging", len(rows)))
		}
		if err := c.s.exec(ctx, statement("PURGE BINARY LOGS TO ?", rows[len(rows)-1].str("Log_name"))); err != nil {
			return err
		}
		if err := sleep(ctx, purgePause); err != nil {
			return fmt.Errorf("mysql %s: purge binary logs: %w", c.Addr(), err)
		}
	}
}

// purgeAttempts and purgePause bound PurgeBinaryLogs' retries.
var (
	purgeAttempts = 50
	purgePause    = 100 * time.Millisecond
)

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// defaultWait bounds WaitApplied when the caller's context has no deadline.
const defaultWait = time.Minute

// WaitApplied waits until set is applied. Each server-side wait is at most
// half the read and statement timeouts, so neither fires under it; the
// rounds repeat until ctx's deadline.
func (c *Client) WaitApplied(ctx context.Context, set gtid.Set) error {
	if set.IsEmpty() {
		return nil
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(defaultWait)
	}
	chunk := max(time.Second, min(c.cfg.ReadTimeout, c.cfg.StatementTimeout)/2)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("mysql %s: wait for %v to be applied: %w", c.Addr(), set, context.DeadlineExceeded)
		}
		done, err := c.waitRound(ctx, set, min(left, chunk))
		if done || err != nil {
			return err
		}
	}
}

// waitRound runs one server-side wait and reports whether set is applied.
func (c *Client) waitRound(ctx context.Context, set gtid.Set, d time.Duration) (bool, error) {
	f := c.cfg.Flavor
	q := f.waitApplied(set, d)
	ctx, cancel := context.WithTimeout(ctx, d+c.cfg.StatementTimeout)
	defer cancel()
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return false, err
	}
	var v string
	for _, val := range firstRow(rows) {
		v = val.String
	}
	switch v {
	case "0":
		return true, nil
	case f.waitTimedOut():
		return false, nil
	}
	return false, c.fail(q, fmt.Errorf("unexpected result %q", v))
}

func firstRow(rows []row) row {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}
