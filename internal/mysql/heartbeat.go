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
	connectionID = statement("SELECT CONNECTION_ID() AS id")
	rowCount     = statement("SELECT ROW_COUNT() AS n")
	readOnlyNow  = statement("SELECT @@global.read_only AS ro")
)

// Server errors the probe recovers from by creating its table.
const (
	errNoSuchTable  = 1146
	errBadDatabase  = 1049
	heartbeatKillIn = 2 * time.Second // bound of the cleanup KILL, after ctx has ended
)

// Heartbeat proves that the server can commit a binary-logged, replicated transaction right now:
// it replaces the one row of ordinal.heartbeat, creating the table on first use. It fails with
// [ErrReadOnly] on a fenced server, and within ctx's deadline (else the statement timeout) when
// the commit cannot complete: a semi-sync wait with nobody to acknowledge, a full disk. Such a
// stuck session is killed from another connection, so none is left behind; a killed commit is
// acknowledged to nobody.
func (c *Client) Heartbeat(ctx context.Context) error {
	return c.onOneConnection(ctx, func(s session) error {
		rows, err := s.query(ctx, connectionID)
		if err != nil {
			return err
		}
		id, err := strconv.ParseUint(firstRow(rows).str("id"), 10, 64)
		if err != nil {
			return c.fail(connectionID, fmt.Errorf("connection id: %w", err))
		}
		err = c.beat(ctx, s)
		if err == nil {
			return nil
		}
		// Not a server error: the client gave up (timeout, broken
		// connection) and the session may still be waiting to commit.
		if ErrorNumber(err) == 0 && !errors.Is(err, ErrReadOnly) {
			c.killStuck(ctx, id)
		}
		var se *StatementError
		if errors.As(err, &se) { // already names the member
			return fmt.Errorf("heartbeat: %w", err)
		}
		return fmt.Errorf("mysql %s: heartbeat: %w", c.Addr(), err)
	})
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

// killStuck ends the probe's server-side session, which a client-side timeout leaves running
// (stuck in a commit), from another connection and with its own short bound: ctx is over.
func (c *Client) killStuck(ctx context.Context, id uint64) {
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), heartbeatKillIn)
	defer cancel()
	_ = c.s.exec(kctx, statement("KILL CONNECTION ?", id))
}
