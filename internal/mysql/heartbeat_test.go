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
	want := []string{pendingHeartbeat.sql, heartbeatWrite.sql, "SELECT ROW_COUNT() AS n"}
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

// TestHeartbeatNeverKillsStuckCommit: a commit the client gave up on is left to finish: killing
// it could commit client transactions of its group that no replica acknowledged.
func TestHeartbeatNeverKillsStuckCommit(t *testing.T) {
	cl, rec := testClient(MariaDB)
	rec.errs["REPLACE INTO"] = context.DeadlineExceeded
	err := cl.Heartbeat(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Heartbeat of a stuck commit: %v", err)
	}
	if slices.ContainsFunc(rec.calls, func(c string) bool { return strings.HasPrefix(c, "KILL") }) {
		t.Errorf("calls %q: a stuck probe was killed", rec.calls)
	}
}

// TestHeartbeatWaitsForTheEarlierProbe: while an earlier probe is still committing, a new one
// writes nothing and says why.
func TestHeartbeatWaitsForTheEarlierProbe(t *testing.T) {
	cl, rec := testClient(MariaDB)
	rec.rows["SELECT COUNT(*) AS n, IFNULL"] = []row{mkRow("n", "1", "secs", "12")}
	err := cl.Heartbeat(context.Background())
	if !errors.Is(err, ErrCommitPending) || !strings.Contains(err.Error(), "12s") {
		t.Errorf("Heartbeat behind a pending probe: %v", err)
	}
	if !slices.Equal(rec.calls, []string{pendingHeartbeat.sql}) {
		t.Errorf("calls %q, want only the look for a pending probe", rec.calls)
	}
}
