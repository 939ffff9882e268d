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

	driver "github.com/go-sql-driver/mysql"
)

func TestHeartbeatWrites(t *testing.T) {
	cl, rec := testClient(MariaDB)
	rec.rows["SELECT ROW_COUNT()"] = []row{mkRow("n", "2")}
	if err := cl.Heartbeat(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{busySessions.sql, heartbeatWrite.sql, "SELECT ROW_COUNT() AS n"}
	if !slices.Equal(rec.calls, want) {
		t.Errorf("calls %q, want %q", rec.calls, want)
	}
	if !strings.Contains(heartbeatWrite.sql, "WHERE @@global.read_only = 0") {
		t.Error("the probe must not write through the fence")
	}
}

func TestHeartbeatReadOnly(t *testing.T) {
	cl, rec := testClient(MySQL)
	rec.rows["SELECT ROW_COUNT()"] = []row{mkRow("n", "0")}
	err := cl.Heartbeat(context.Background())
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Heartbeat on a fenced server: %v", err)
	}
	if slices.ContainsFunc(rec.calls, func(c string) bool { return strings.HasPrefix(c, "KILL") }) {
		t.Errorf("a refused probe killed its own connection: %q", rec.calls)
	}
}

// TestHeartbeatCreatesTable: the table is created on first use, but never on a fenced server
// (DDL there would be an errant transaction).
func TestHeartbeatCreatesTable(t *testing.T) {
	for _, ro := range []string{"0", "1"} {
		cl, rec := testClient(MariaDB)
		rec.rows["SELECT @@global.read_only"] = []row{mkRow("ro", ro)}
		rec.errs["REPLACE INTO"] = &driver.MySQLError{Number: errNoSuchTable, Message: "no table"}
		err := cl.Heartbeat(context.Background())
		ddl := slices.Contains(rec.calls, heartbeatDDL[1].sql) && slices.Contains(rec.calls, heartbeatDDL[0].sql)
		if ddl != (ro == "0") || err == nil || errors.Is(err, ErrReadOnly) != (ro == "1") {
			t.Errorf("read_only=%s: err %v, calls %q", ro, err, rec.calls)
		}
	}
}

// probeRow is a heartbeat session in state; clientRow a client's session in state.
func probeRow(id, state string) row {
	return mkRow("id", id, "state", state, "info", heartbeatWrite.sql[:64], "secs", "3")
}

func clientRow(id, state string) row {
	return mkRow("id", id, "state", state, "info", "INSERT INTO t VALUES (1)", "secs", "3")
}

const ackWait = "Waiting for semi-sync ACK from slave"

// TestHeartbeatTimeoutEndsOnlyALoneProbe: a probe the client gave up on is killed when it waits
// for an ack alone (only its own row commits), never while a client's commit waits with it
// (killing it would commit the client's transaction and tell the client OK).
func TestHeartbeatTimeoutEndsOnlyALoneProbe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		after  []row
		killed bool
	}{
		{"alone", []row{probeRow("42", ackWait)}, true},
		{"with a client's commit", []row{probeRow("42", ackWait), clientRow("7", "Commit")}, false},
		{"not yet waiting for the ack", []row{probeRow("42", "Commit")}, false},
		{"creating its table, alone", []row{mkRow("id", "42", "state", ackWait, "info", heartbeatDDL[0].sql, "secs", "3")}, true},
	} {
		cl, rec := testClient(MariaDB)
		rec.queue[busySessions.sql[:40]] = [][]row{{}, tc.after}
		rec.errs["REPLACE INTO"] = context.DeadlineExceeded
		err := cl.Heartbeat(context.Background())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: Heartbeat of a stuck commit: %v", tc.name, err)
		}
		killed := slices.Contains(rec.calls, "KILL CONNECTION ? [42]")
		if killed != tc.killed || slices.Contains(rec.calls, "KILL CONNECTION ? [7]") {
			t.Errorf("%s: calls %q, want the probe killed: %v, the client never", tc.name, rec.calls, tc.killed)
		}
	}
}

// TestHeartbeatWaitsForTheEarlierProbe: while an earlier probe is still committing, a new one
// writes nothing and says why; the earlier one is ended if it waits alone.
func TestHeartbeatWaitsForTheEarlierProbe(t *testing.T) {
	for _, tc := range []struct {
		rows   []row
		says   string
		killed bool
	}{
		{[]row{probeRow("42", ackWait), clientRow("7", "Commit")}, "left waiting: 1 other session(s) commit with it", false},
		{[]row{probeRow("42", ackWait)}, "ended: no other commit waited with it", true},
	} {
		cl, rec := testClient(MariaDB)
		rec.rows[busySessions.sql[:40]] = tc.rows
		err := cl.Heartbeat(context.Background())
		if !errors.Is(err, ErrCommitPending) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Heartbeat behind a pending probe: %v, want it to say %q", err, tc.says)
		}
		if slices.Contains(rec.calls, heartbeatWrite.sql) || slices.Contains(rec.calls, "KILL CONNECTION ? [42]") != tc.killed {
			t.Errorf("calls %q: want no write, the probe killed: %v", rec.calls, tc.killed)
		}
	}
}
