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

package replication

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/fake"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

const replPassword = "repl-pw"

func fakeHarness(t *testing.T, n int) (*harness, *fake.Cluster) {
	fc := fake.NewCluster(mysql.MariaDB)
	h := &harness{t: t, opener: fc, flavor: mysql.MariaDB, user: "ordinal", pw: "pw",
		lost: map[string]time.Time{}, errant: map[string]bool{}, executed: map[string]gtid.Set{}, mode: topology.SemiSync}
	for i := range n {
		addr := fmt.Sprintf("127.0.0.%d:3306", 11+i)
		fc.Add(addr, uint32(11+i))
		h.addrs = append(h.addrs, addr)
	}
	return h, fc
}

func TestBootstrapThenReplicas(t *testing.T) {
	h, fc := fakeHarness(t, 3)
	steps := h.converge(context.Background(), 20, fc.Replicate)
	if h.primary != "m-0" {
		t.Fatalf("primary = %q after %v; want m-0 bootstrapped", h.primary, kinds(steps))
	}
	if steps[0].Kind != topology.Bootstrap {
		t.Errorf("first step %v; want Bootstrap", steps[0])
	}
	primary := fc.Member(h.addrs[0])
	primary.Write(5)
	fc.Replicate()
	h.converge(context.Background(), 20, fc.Replicate)
	for i := 1; i < 3; i++ {
		st, _ := fc.Member(h.addrs[i]).Status(context.Background())
		if !st.ReadOnly {
			t.Errorf("replica m-%d is writable", i)
		}
		if st.Replication == nil || st.Replication.SourceHost != "127.0.0.11" {
			t.Errorf("replica m-%d replicates from %+v; want the primary", i, st.Replication)
		}
		if st.Executed.Count() != 5 {
			t.Errorf("replica m-%d executed %s; want the primary's 5 transactions", i, st.Executed)
		}
	}
}

// A replica that lacks a transaction another replica received is never promoted, even when it is
// the only one that answers.
func TestFailoverRefusesReplicaMissingTransactions(t *testing.T) {
	h, fc := fakeHarness(t, 3)
	ctx := context.Background()
	h.converge(ctx, 20, fc.Replicate)
	fc.Member(h.addrs[0]).Write(3)
	fc.Replicate()
	h.converge(ctx, 20, fc.Replicate)
	// m-2 receives one more transaction than m-1, then the primary and m-2 vanish.
	fc.Member(h.addrs[0]).Write(1)
	m2 := fc.Member(h.addrs[2])
	p, _ := fc.Member(h.addrs[0]).Status(ctx)
	m2.SetRetrieved(p.Executed)
	h.step(ctx) // records m-2's sets while it still answers
	fc.Member(h.addrs[0]).SetUnreachable(true)
	m2.SetUnreachable(true)
	var last topology.Step
	for i := 0; i < 40 && last.Kind != topology.Refuse; i++ {
		last = h.step(ctx)
		time.Sleep(50 * time.Millisecond)
	}
	if h.primary != "m-0" {
		t.Fatalf("promoted %s, which lacks a transaction m-2 has", h.primary)
	}
	if last.Kind != topology.Refuse || !strings.Contains(last.Reason, "m-2") {
		t.Fatalf("last step %v; want a refusal naming m-2", last)
	}
	if st, _ := fc.Member(h.addrs[1]).Status(ctx); !st.ReadOnly {
		t.Fatal("m-1's fence was cleared")
	}
}

// With the primary lost, the replica holding every transaction is promoted and the other follows it.
func TestFailoverPromotesMostCompleteReplica(t *testing.T) {
	h, fc := fakeHarness(t, 3)
	ctx := context.Background()
	h.converge(ctx, 20, fc.Replicate)
	fc.Member(h.addrs[0]).Write(4)
	fc.Replicate()
	h.converge(ctx, 20, fc.Replicate)
	fc.Member(h.addrs[0]).SetUnreachable(true)
	steps := h.converge(ctx, 40, func() { fc.Replicate(); time.Sleep(50 * time.Millisecond) })
	if h.primary == "m-0" || h.primary == "" {
		t.Fatalf("no failover: %v", kinds(steps))
	}
	idx := slices.IndexFunc(steps, func(s topology.Step) bool { return s.Kind == topology.Promote })
	if idx < 0 || !slices.ContainsFunc(steps[:idx], func(s topology.Step) bool { return s.Kind == topology.StopReplicaIO }) {
		t.Errorf("promotion without stopping replica IO threads first: %v", kinds(steps))
	}
	newPrimary := fc.Member(h.addrs[h.ordinal(h.primary)])
	if st, _ := newPrimary.Status(ctx); st.ReadOnly || st.Replication != nil {
		t.Errorf("new primary %s: read_only=%v replication=%+v", h.primary, st.ReadOnly, st.Replication)
	}
	other := 3 - h.ordinal(h.primary)
	st, _ := fc.Member(h.addrs[other]).Status(ctx)
	if st.Replication == nil || !strings.HasSuffix(h.addrs[h.ordinal(h.primary)], ":3306") ||
		st.Replication.SourceHost != strings.TrimSuffix(h.addrs[h.ordinal(h.primary)], ":3306") {
		t.Errorf("m-%d replicates from %+v; want the new primary", other, st.Replication)
	}
}

func TestExecutorReportsPromotionOnlyOnSuccess(t *testing.T) {
	fc := fake.NewCluster(mysql.MariaDB)
	in := fc.Add("127.0.0.11:3306", 11)
	in.FailOn("SetReadOnly", fmt.Errorf("boom"))
	e := Executor{Conns: map[string]mysql.Instance{"m-0": in}}
	promoted, err := e.Run(context.Background(), topology.Step{Kind: topology.Bootstrap, Target: "m-0"})
	if err == nil || promoted {
		t.Fatalf("promoted=%v err=%v: a failed promotion must not be reported as one", promoted, err)
	}
	if _, err := e.Run(context.Background(), topology.Step{Kind: topology.Promote, Target: "m-9"}); err == nil {
		t.Fatal("a step on a member without a connection must fail")
	}
}

// The fence ends client sessions before raising read_only: a commit stuck on the semi-sync wait
// holds the lock read_only needs, so the other order hangs (review finding 11).
func TestFenceKillsSessionsBeforeReadOnly(t *testing.T) {
	fc := fake.NewCluster(mysql.MariaDB)
	in := fc.Add("127.0.0.11:3306", 11)
	e := Executor{Conns: map[string]mysql.Instance{"m-0": in}}
	if _, err := e.Run(context.Background(), topology.Step{Kind: topology.Fence, Target: "m-0"}); err != nil {
		t.Fatal(err)
	}
	calls := in.Calls()
	kill := slices.IndexFunc(calls, func(c string) bool { return strings.HasPrefix(c, "KillClientConnections") })
	fence := slices.Index(calls, "SetReadOnly(true)")
	if kill < 0 || fence < 0 || kill > fence {
		t.Fatalf("calls %v: want KillClientConnections before SetReadOnly(true)", calls)
	}
}

// A new primary waits for acknowledgements before it takes its first write (review finding 6),
// and the members named in Also follow it in the same step.
func TestPromoteTurnsSemiSyncOnBeforeClearingTheFenceAndRepoints(t *testing.T) {
	fc := fake.NewCluster(mysql.MariaDB)
	p := fc.Add("127.0.0.11:3306", 11)
	r := fc.Add("127.0.0.12:3306", 12)
	e := Executor{
		Conns:        map[string]mysql.Instance{"m-0": p, "m-1": r},
		SourceAddr:   func(m string) (string, int) { return "127.0.0.11", 3306 },
		SemiSync:     true,
		SemiSyncWait: true,
	}
	promoted, err := e.Run(context.Background(), topology.Step{Kind: topology.Promote, Target: "m-0", Also: []string{"m-1"}})
	if err != nil || !promoted {
		t.Fatalf("promoted=%v err=%v", promoted, err)
	}
	calls := p.Calls()
	wait := slices.Index(calls, "SetSemiSyncSource(true)")
	open := slices.Index(calls, "SetReadOnly(false)")
	if wait < 0 || open < 0 || wait > open {
		t.Fatalf("primary calls %v: want SetSemiSyncSource(true) before SetReadOnly(false)", calls)
	}
	st, _ := r.Status(context.Background())
	if st.Replication == nil || st.Replication.SourceHost != "127.0.0.11" || !st.Replication.IORunning {
		t.Fatalf("m-1 replication %+v: want it replicating from the new primary", st.Replication)
	}
	if ps, _ := p.Status(context.Background()); ps.SemiSync.SourceClients != 1 {
		t.Errorf("semi-sync clients on the new primary = %d; want m-1 acknowledging", ps.SemiSync.SourceClients)
	}
}

// A failover stops every receiver in one step; one that fails is reported, the others still stop.
func TestStopReplicaIOStopsEveryTarget(t *testing.T) {
	h, fc := fakeHarness(t, 3)
	ctx := context.Background()
	h.converge(ctx, 20, fc.Replicate)
	conns := map[string]mysql.Instance{"m-1": fc.Member(h.addrs[1]), "m-2": fc.Member(h.addrs[2])}
	fc.Member(h.addrs[1]).FailOn("StopReplicationIO", fmt.Errorf("boom"))
	_, err := Executor{Conns: conns}.Run(ctx, topology.Step{Kind: topology.StopReplicaIO, Target: "m-1", Also: []string{"m-2"}})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v; want m-1's failure reported", err)
	}
	if st, _ := fc.Member(h.addrs[2]).Status(ctx); st.Replication == nil || st.Replication.IOState != "No" {
		t.Errorf("m-2 replication %+v: want its IO thread stopped", st.Replication)
	}
}
