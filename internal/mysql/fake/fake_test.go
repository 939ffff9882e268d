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

package fake

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

var ctx = context.Background()

func src(addr string) mysql.Source {
	return mysql.Source{Host: addr[:len(addr)-5], Port: 3306, User: "repl", Password: "x"}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func status(t *testing.T, in mysql.Instance) mysql.Status {
	t.Helper()
	st, err := in.Status(ctx)
	must(t, err)
	return st
}

// threeMembers: a primary (db-0) and two replicas, all caught up.
func threeMembers(t *testing.T) (*Cluster, []*Instance) {
	c := NewCluster(mysql.MariaDB)
	ms := []*Instance{c.Add("db-0:3306", 1), c.Add("db-1:3306", 2), c.Add("db-2:3306", 3)}
	must(t, ms[0].SetReadOnly(ctx, false))
	for _, r := range ms[1:] {
		must(t, r.ConfigureReplica(ctx, src("db-0:3306")))
		must(t, r.StartReplication(ctx))
	}
	ms[0].Write(3)
	c.Replicate()
	return c, ms
}

func TestReplicationAndFailover(t *testing.T) {
	c, ms := threeMembers(t)
	for _, r := range ms[1:] {
		st := status(t, r)
		if !st.ReadOnly || st.Executed.String() != "0-1-3" || !st.Replication.IORunning || st.Replication.SourceHost != "db-0" {
			t.Errorf("replica %s: %+v %+v", r.Addr(), st, st.Replication)
		}
	}
	// db-1 received two more transactions than db-2 but applied none.
	ms[0].Write(2)
	must(t, ms[1].StopReplication(ctx))
	ms[1].SetRetrieved(status(t, ms[0]).Executed)
	ms[0].SetUnreachable(true)
	if _, err := ms[0].Status(ctx); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("unreachable member: %v", err)
	}
	c.Replicate()
	s1, s2 := status(t, ms[1]), status(t, ms[2])
	if s2.Replication.IORunning || s2.Replication.LastIOErrno != ErrnoCantConnect || s2.Replication.IOState != "Connecting" {
		t.Errorf("replica of an unreachable source: %+v", s2.Replication)
	}
	if !s2.Received.SubsetOf(s1.Received) || s1.Received.String() != "0-1-5" || s1.Executed.String() != "0-1-3" {
		t.Fatalf("received %q ⊉ %q or executed %q", s1.Received, s2.Received, s1.Executed)
	}
	if err := ms[1].WaitApplied(ctx, s1.Received); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitApplied with the SQL thread stopped: %v", err)
	}
	must(t, ms[1].ConfigureReplica(ctx, src("db-0:3306")))
	ms[1].SetRetrieved(s1.Received)
	ms[1].with(func() { ms[1].sqlRunning = true })
	must(t, ms[1].WaitApplied(ctx, s1.Received))
	must(t, ms[1].ResetReplication(ctx))
	must(t, ms[1].SetReadOnly(ctx, false))
	must(t, ms[2].ConfigureReplica(ctx, src("db-1:3306")))
	must(t, ms[2].StartReplication(ctx))
	ms[1].Write(1)
	c.Replicate()
	if got := status(t, ms[2]).Executed.String(); got != "0-1-5,0-2-6" {
		t.Errorf("replica of the new primary executed %q", got)
	}
	// The old primary wrote 0-1-6 that nobody received: errant.
	ms[0].SetUnreachable(false)
	ms[0].Write(1)
	if old := status(t, ms[0]).Executed; old.SubsetOf(status(t, ms[1]).Executed) {
		t.Errorf("errant old primary %q looks clean", old)
	}
	want := []string{"db-1:3306 SetReadOnly(false)", "db-2:3306 ConfigureReplica(db-1:3306, )", "db-2:3306 StartReplication()"}
	if calls := c.Calls(); !containsInOrder(calls, want) {
		t.Errorf("calls %q lack %q in order", calls, want)
	}
}

func containsInOrder(calls, want []string) bool {
	i := 0
	for _, c := range calls {
		if i < len(want) && c == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestPurgedLogsStopReplica(t *testing.T) {
	c, ms := threeMembers(t)
	must(t, ms[2].StopReplication(ctx))
	ms[0].Write(2)
	must(t, ms[0].PurgeBinaryLogs(ctx))
	must(t, ms[2].StartReplication(ctx))
	r := status(t, ms[2]).Replication
	if r.IORunning || r.LastIOErrno != ErrnoSourceLogs {
		t.Errorf("replica needing purged logs: %+v", r)
	}
	// Seeded from a backup at the primary's position, it replicates again.
	s := src("db-0:3306")
	s.StartPos = status(t, ms[0]).Executed.String()
	must(t, ms[2].ConfigureReplica(ctx, s))
	must(t, ms[2].StartReplication(ctx))
	ms[0].Write(1)
	c.Replicate()
	if st := status(t, ms[2]); !st.Replication.IORunning || st.Executed.String() != "0-1-6" {
		t.Errorf("re-seeded replica: %+v executed %q", st.Replication, st.Executed)
	}
}

func TestSemiSyncAndKill(t *testing.T) {
	c, ms := threeMembers(t)
	for _, r := range ms[1:] {
		must(t, r.SetSemiSyncReplica(ctx, true))
	}
	must(t, ms[0].SetSemiSyncSource(ctx, true))
	ms[0].Write(2)
	c.Replicate()
	s := status(t, ms[0]).SemiSync
	if !s.SourceEnabled || s.SourceClients != 2 || s.SourceAcked != 2 {
		t.Errorf("semi-sync %+v", s)
	}
	ms[0].SetClients(4)
	if n, err := ms[0].KillClientConnections(ctx, "repl", "ordinal"); n != 4 || err != nil {
		t.Errorf("KillClientConnections = %d, %v", n, err)
	}
	if got := ms[0].Calls(); got[len(got)-1] != "KillClientConnections(repl,ordinal)" {
		t.Errorf("calls %q", got)
	}
}

func TestFailOnAndOpen(t *testing.T) {
	c := NewCluster(mysql.MySQL)
	in := c.Add("db-0:3306", 7)
	boom := errors.New("boom")
	in.FailOn("SetReadOnly", boom)
	if err := in.SetReadOnly(ctx, false); !errors.Is(err, boom) {
		t.Errorf("FailOn: %v", err)
	}
	in.FailOn("SetReadOnly", nil)
	must(t, in.SetReadOnly(ctx, false))
	got, err := c.Open(mysql.Config{Flavor: mysql.MySQL, Host: "db-0", Port: 3306})
	if err != nil || got != mysql.Instance(in) {
		t.Errorf("Open = %v, %v", got, err)
	}
	ghost, _ := c.Open(mysql.Config{Flavor: mysql.MySQL, Host: "db-9", Port: 3306})
	if _, err := ghost.Status(ctx); !errors.Is(err, ErrUnreachable) {
		t.Errorf("unknown member: %v", err)
	}
	in.Write(2)
	st := status(t, in)
	want := gtid.MustParse(gtid.MySQL, "00000000-0000-0000-0000-000000000007:1-2")
	if !st.Executed.Equal(want) || st.SuperReadOnly {
		t.Errorf("MySQL writes: %q, super_read_only %v", st.Executed, st.SuperReadOnly)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := in.StartReplication(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if err := in.StartReplication(ctx); err == nil {
		t.Error("StartReplication without a source succeeded")
	}
	if !slices.Contains(c.Calls(), "db-9:3306 Status()") {
		t.Errorf("calls of an unknown member not recorded: %q", c.Calls())
	}
}
