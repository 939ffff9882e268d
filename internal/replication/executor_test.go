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
