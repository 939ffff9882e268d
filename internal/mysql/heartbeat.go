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
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrReadOnly says a write probe found the server fenced.
var ErrReadOnly = errors.New("server is read-only")

// HeartbeatDatabase holds the operator's own write probe table.
const HeartbeatDatabase = "ordinal"

// heartbeatDDL creates the probe table. It is binary-logged, so replicas and every member seeded
// later hold it too.
var heartbeatDDL = []stmt{
	statement("CREATE DATABASE IF NOT EXISTS " + HeartbeatDatabase),
	statement("CREATE TABLE IF NOT EXISTS " + HeartbeatDatabase +
		".heartbeat (id INT PRIMARY KEY, beat TIMESTAMP(6) NOT NULL)"),
}

// heartbeatWrite changes one row only while the fence is down. The condition is evaluated after the
// statement has taken the global lock that SET GLOBAL read_only waits for, so the probe cannot
// write past a fence raised meanwhile, even with the operator's READ_ONLY ADMIN (MariaDB) or SUPER
// on a half-raised MySQL fence. With nothing changed nothing is binary-logged.
var heartbeatWrite = statement("REPLACE INTO " + HeartbeatDatabase + ".heartbeat (id, beat) " +
	"SELECT 1, NOW(6) FROM DUAL WHERE @@global.read_only = 0")

var (
	rowCount    = statement("SELECT ROW_COUNT() AS n")
	readOnlyNow = statement("SELECT @@global.read_only AS ro")
	// busySessions lists the sessions doing something, with their state and statement.
	busySessions = statement("SELECT ID AS id, IFNULL(STATE, '') AS state, IFNULL(LEFT(INFO, 64), '') AS info, " +
		"TIME AS secs FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() " +
		"AND COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump', 'Binlog Dump GTID', 'Killed')")
)

// Server errors the probe recovers from by creating its table.
const (
	errNoSuchTable  = 1146
	errBadDatabase  = 1049
	heartbeatKillIn = 2 * time.Second // bound of the cleanup, after the probe's ctx has ended
)

// ErrCommitPending says an earlier heartbeat has not committed yet: the server cannot commit.
var ErrCommitPending = errors.New("an earlier heartbeat is still waiting to commit")

// Heartbeat proves that the server can commit a binary-logged, replicated transaction right now:
// it replaces the one row of ordinal.heartbeat, creating the table on first use. It fails with
// [ErrReadOnly] on a fenced server, and within ctx's deadline (else the statement timeout) when
// the commit cannot complete: a semi-sync wait with nobody to acknowledge, a full disk.
//
// A probe left waiting for an ack is ended only when it is alone in its commit group
// (endLoneHeartbeats): killing a waiter commits its whole group, and client commits in it would
// be told OK with no replica holding them. Left waiting, it would hold the commit lock a seed's
// backup needs. While one waits, later probes fail with [ErrCommitPending] instead of adding
// sessions.
func (c *Client) Heartbeat(ctx context.Context) error {
	return c.onOneConnection(ctx, func(s session) error {
		err := c.noPendingHeartbeat(ctx, s)
		if err == nil {
			err = c.beat(ctx, s)
			// Not a server error: the client gave up and the session may still be committing.
			if ErrorNumber(err) == 0 && err != nil && !errors.Is(err, ErrReadOnly) {
				kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), heartbeatKillIn)
				_, _ = c.endLoneHeartbeats(kctx, c.s)
				cancel()
			}
		}
		if err == nil {
			return nil
		}
		var se *StatementError
		if errors.As(err, &se) { // already names the member
			return fmt.Errorf("heartbeat: %w", err)
		}
		return fmt.Errorf("mysql %s: heartbeat: %w", c.Addr(), err)
	})
}

// noPendingHeartbeat fails when an earlier probe is still committing, after ending it if it is
// alone in its commit group.
func (c *Client) noPendingHeartbeat(ctx context.Context, s session) error {
	pending, err := c.endLoneHeartbeats(ctx, s)
	if err != nil || pending == "" {
		return err
	}
	return fmt.Errorf("%w (%s)", ErrCommitPending, pending)
}

// endLoneHeartbeats kills the probes waiting for an ack while no other session is committing:
// such a probe leads a group of its own, and a group cannot grow once its leader waits, so only
// the probe's own row commits. It describes the probes it found ("" for none).
func (c *Client) endLoneHeartbeats(ctx context.Context, s session) (string, error) {
	rows, err := s.query(ctx, busySessions)
	if err != nil {
		return "", err
	}
	var probes []row
	committing := 0
	for _, r := range rows {
		switch {
		case isProbe(r.str("info")):
			probes = append(probes, r)
		case inCommit(r.str("state")):
			committing++
		}
	}
	var out []string
	for _, p := range probes {
		what := "for " + p.str("secs") + "s"
		if awaitsAck(p.str("state")) && committing == 0 {
			id, err := strconv.ParseUint(p.str("id"), 10, 64)
			if err == nil {
				err = s.exec(ctx, statement("KILL CONNECTION ?", id))
			}
			if err == nil {
				what += ", ended: no other commit waited with it"
			}
		} else if committing > 0 {
			what += fmt.Sprintf(", left waiting: %d other session(s) commit with it", committing)
		}
		out = append(out, what)
	}
	return strings.Join(out, "; "), nil
}

// isProbe reports whether a session's statement (its first 64 characters) is one of the probe's:
// the write, or the creation of its table, which commits (and may wait for an ack) too.
func isProbe(info string) bool {
	for _, st := range append([]stmt{heartbeatWrite}, heartbeatDDL...) {
		if info != "" && info == st.sql[:min(64, len(st.sql))] {
			return true
		}
	}
	return false
}

// inCommit reports whether a session's state is a stage of committing (MariaDB "Commit",
// "Waiting for prior transaction to commit", MySQL "waiting for handler commit") or the wait
// for a semi-sync ack.
func inCommit(state string) bool {
	return strings.Contains(strings.ToLower(state), "commit") || awaitsAck(state)
}

// beat writes the row, creating the table when it is missing, and checks that a row changed.
func (c *Client) beat(ctx context.Context, s session) error {
	err := s.exec(ctx, heartbeatWrite)
	if n := ErrorNumber(err); n == errNoSuchTable || n == errBadDatabase {
		if err = c.createHeartbeatTable(ctx, s); err == nil {
			err = s.exec(ctx, heartbeatWrite)
		}
	}
	if err != nil {
		return err
	}
	rows, err := s.query(ctx, rowCount)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(firstRow(rows).str("n")); err != nil || n <= 0 {
		return ErrReadOnly
	}
	return nil
}

// createHeartbeatTable runs the DDL unless the server is fenced. The operator's account may write
// through MariaDB's read_only, and DDL on a fenced member would be an errant transaction; a fence
// raised between the check and the DDL is not excluded, but this runs once per cluster (the table
// replicates) and the operator does not fence and probe the same member at the same time.
func (c *Client) createHeartbeatTable(ctx context.Context, s session) error {
	rows, err := s.query(ctx, readOnlyNow)
	if err != nil {
		return err
	}
	if onOff(firstRow(rows).str("ro")) {
		return ErrReadOnly
	}
	return execOn(ctx, s, heartbeatDDL)
}
