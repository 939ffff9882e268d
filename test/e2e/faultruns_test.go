//go:build e2e

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

package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ordinal-dev/ordinal/test/workload"
)

// faultPool gives each fault scenario its cluster: a node fault gets its own (created when its
// spec starts, before any shared cluster exists); every other focused scenario of the container
// shares one creation, all at once, so no cluster boots while a scenario measures.
type faultPool struct {
	container string
	only      map[string]bool // the scenarios the container runs; nil: all of them
	once      sync.Once
	nsOf      map[string]string
}

// newFaultPool is the pool of a container whose specs are named by the scenarios' texts; only,
// when given, names the scenarios it holds.
func newFaultPool(container string, only ...string) *faultPool {
	p := &faultPool{container: container, nsOf: map[string]string{}}
	if len(only) > 0 {
		p.only = map[string]bool{}
		for _, n := range only {
			p.only[n] = true
		}
	}
	return p
}

// open returns sc's cluster, Ready, with its namespace deleted when the spec ends (unless E2E_KEEP).
func (p *faultPool) open(ctx context.Context, sc scenario) *faultEnv {
	GinkgoHelper()
	ns := ""
	if sc.node {
		ns = faultNamespace(sc.name)
		createFaultCluster(ctx, ns, sc.edit)
	} else {
		p.once.Do(func() { p.create(ctx) })
		ns = p.nsOf[sc.name]
	}
	deleteAfterSpec(ns)
	return openFaultEnv(ctx, sc.name, ns)
}

// deleteAfterSpec deletes ns, without waiting, when the spec ends (unless E2E_KEEP is set).
func deleteAfterSpec(ns string) {
	DeferCleanup(func(ctx SpecContext) {
		if os.Getenv("E2E_KEEP") == "" {
			kubectl(ctx, "delete", "namespace", ns, "--wait=false")
		}
	})
}

// create applies a cluster for every focused scenario of the container that does not fault a
// node, and waits (bounded) for them all.
func (p *faultPool) create(ctx context.Context) {
	GinkgoHelper()
	kubectl(ctx, "apply", "-f", writeTemp(noExpansionClass))
	var names []string
	for _, sc := range scenarios {
		if sc.node || (p.only != nil && !p.only[sc.name]) || !focused(p.container+" "+sc.text) {
			continue
		}
		ns := faultNamespace(sc.name)
		createFaultCluster(ctx, ns, sc.edit)
		p.nsOf[sc.name] = ns
		names = append(names, ns)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, ns := range names {
		wg.Add(1)
		go func() {
			defer GinkgoRecover()
			defer wg.Done()
			deadline := time.Now().Add(15 * time.Minute)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if ok, _ := clusterReady(ctx, k8sClient(), ns); ok {
					return
				}
				time.Sleep(2 * time.Second)
			}
		}()
	}
	wg.Wait()
	GinkgoWriter.Printf("%d fault clusters created in %s\n", len(names), time.Since(start).Round(time.Second))
}

// startRun prepares run n of a scenario on e's cluster: run 1 uses the database "faultload" (as
// a single run always did); a later run waits for the cluster to be Ready again and writes into
// a fresh database, since the writer numbers its rows from 1.
func (e *faultEnv) startRun(ctx context.Context, n int) {
	GinkgoHelper()
	e.run = n
	if n == 1 {
		return
	}
	e.db = fmt.Sprintf("faultload_r%d", n)
	Eventually(func() string { _, why := clusterReady(ctx, e.c, e.ns); return why }).
		WithContext(ctx).WithTimeout(readyTimeout).WithPolling(time.Second).Should(BeEmpty(), "cluster in %s Ready before run %d", e.ns, n)
}

// faultRecord is one run of a fault scenario in figures, for make bench-faults.
type faultRecord struct {
	Scenario string
	Run      int
	// Pause is the longest gap between acknowledged writes; Resumed: writes came back at all.
	Pause   time.Duration
	Resumed bool
	Acked   int
	// Lost: acknowledged rows missing on some member; Unread: members whose rows could not be read.
	Lost, Unread int
	// ReadyAfter: from the end of the fault to Ready with a write acknowledged (Ready: within
	// readyAgainWithin).
	ReadyAfter time.Duration
	Ready      bool
	// Replicated: from the end of the fault until every member held a write acknowledged after it.
	Replicated time.Duration
	CaughtUp   bool
	Violations int
	// Notes are the fault's own key=value notes (status_primary_changed=…, node=…).
	Notes []string
}

var faultRecords struct {
	sync.Mutex
	list []faultRecord
}

func recordFault(r faultRecord) {
	faultRecords.Lock()
	defer faultRecords.Unlock()
	faultRecords.list = append(faultRecords.list, r)
}

// recordedFaults are the records of scenario so far, in run order.
func recordedFaults(scenario string) []faultRecord {
	faultRecords.Lock()
	defer faultRecords.Unlock()
	var out []faultRecord
	for _, r := range faultRecords.list {
		if r.Scenario == scenario {
			out = append(out, r)
		}
	}
	return out
}

// slowRunDir keeps the evidence and operator logs of runs whose pause came near their target:
// the operator's pods (and the logs that say what a new leader did) do not outlive the suite.
var slowRunDir = filepath.Join(os.TempDir(), "ordinal-slow-fault-runs")

// keepSlowRun writes what explains a run whose write pause exceeded three quarters of its target.
func keepSlowRun(ctx context.Context, e *faultEnv, scenario string, pause time.Duration, evidence string) {
	target := pauseTargets[scenario]
	if target == 0 || pause <= target*3/4 {
		return
	}
	if err := os.MkdirAll(slowRunDir, 0o755); err != nil {
		return
	}
	path := filepath.Join(slowRunDir, fmt.Sprintf("%s-%s-run%d.txt", scenario, e.ns, e.run))
	content := evidence + "\n" + operatorLog(ctx, e.ns, 400)
	if os.WriteFile(path, []byte(content), 0o644) == nil {
		GinkgoWriter.Printf("slow run (pause %s, target %s): evidence kept in %s\n", pause, target, path)
	}
}

// lostRows counts the acknowledged ids missing on at least one member.
func lostRows(rows []workload.RowCheck) int {
	ids := map[int64]bool{}
	for _, rc := range rows {
		for _, id := range rc.Missing {
			ids[id] = true
		}
	}
	return len(ids)
}

func unreadMembers(rows []workload.RowCheck) int {
	n := 0
	for _, rc := range rows {
		if rc.Err != "" {
			n++
		}
	}
	return n
}

// envInt is a positive integer from the environment, def when unset or not one.
func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}

// replicationWatch samples every member's highest row id in the workload's table twice a second,
// from the end of a fault until stopped, to tell when every member replicates again.
type replicationWatch struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	mu      sync.Mutex
	samples map[string][]idSample
}

type idSample struct {
	at    time.Time
	maxID int64
}

// watchReplication starts one sampler per member the cluster asks for (a replaced pod may have
// no address yet). Each is bounded in time (10 min) and count (2,000 samples).
func watchReplication(ctx context.Context, e *faultEnv) *replicationWatch {
	GinkgoHelper()
	n := int(e.cluster(ctx).DesiredReplicas())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	rw := &replicationWatch{cancel: cancel, samples: map[string][]idSample{}}
	for i := range n {
		name := fmt.Sprintf("%s-%d", faultClusterName, i)
		rw.samples[name] = nil // a member never answering is never caught up
		rw.wg.Add(1)
		go func() {
			defer rw.wg.Done()
			rw.sample(ctx, e, name)
		}()
	}
	return rw
}

func (rw *replicationWatch) sample(ctx context.Context, e *faultEnv, name string) {
	var db *sql.DB
	addr := ""
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	for n := 0; n < 2000 && ctx.Err() == nil; n++ {
		// A member's address changes when its pod is replaced.
		if now := e.topology().Members[name]; now != addr && now != "" {
			if db != nil {
				db.Close()
			}
			addr = now
			db, _ = sql.Open("mysql", workload.DSN(e.user, e.password, addr, e.db, time.Second, time.Second))
		}
		if db != nil {
			qctx, cancel := context.WithTimeout(ctx, time.Second)
			var id sql.NullInt64
			if db.QueryRowContext(qctx, "SELECT MAX(id) FROM w").Scan(&id) == nil && id.Valid {
				rw.mu.Lock()
				rw.samples[name] = append(rw.samples[name], idSample{at: time.Now(), maxID: id.Int64})
				rw.mu.Unlock()
			}
			cancel()
		}
		sleepCtx(ctx, 500*time.Millisecond)
	}
}

// stop ends the samplers and waits for them; it may be called more than once.
func (rw *replicationWatch) stop() {
	rw.once.Do(func() {
		rw.cancel()
		rw.wg.Wait()
	})
}

// caughtUp is how long after heal every member first held the first write acknowledged after
// heal (or a later one); false if some member never did while watched.
func (rw *replicationWatch) caughtUp(acks []workload.Ack, heal time.Time) (time.Duration, bool) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	var first int64 = -1
	for _, a := range acks {
		if a.At.After(heal) {
			first = a.ID
			break
		}
	}
	if first < 0 || len(rw.samples) == 0 {
		return 0, false
	}
	var last time.Duration
	for _, ss := range rw.samples {
		seen := false
		for _, s := range ss {
			if s.maxID >= first {
				last, seen = max(last, s.at.Sub(heal)), true
				break
			}
		}
		if !seen {
			return 0, false
		}
	}
	return last, true
}

// TestCaughtUp checks the replication watch's arithmetic without a cluster (go test -tags e2e
// -run TestCaughtUp ./test/e2e/).
func TestCaughtUp(t *testing.T) {
	heal := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return heal.Add(time.Duration(s * float64(time.Second))) }
	acks := []workload.Ack{{ID: 7, At: at(-1)}, {ID: 8, At: at(2)}, {ID: 9, At: at(3)}}
	rw := &replicationWatch{samples: map[string][]idSample{
		"mysql-0": {{at(1), 7}, {at(2.5), 8}},
		"mysql-1": {{at(1), 7}, {at(3.5), 9}}, // past the first ack after heal: caught up too
	}}
	if d, ok := rw.caughtUp(acks, heal); !ok || d != 3500*time.Millisecond {
		t.Fatalf("caughtUp = %s, %v; want 3.5s, true (the slowest member)", d, ok)
	}
	rw.samples["mysql-2"] = nil // never answered
	if _, ok := rw.caughtUp(acks, heal); ok {
		t.Fatal("a member never sampled counts as caught up")
	}
	if _, ok := (&replicationWatch{samples: map[string][]idSample{"mysql-0": {{at(1), 7}}}}).caughtUp(acks[:1], heal); ok {
		t.Fatal("caught up without any write acknowledged after the fault")
	}
	rows := []workload.RowCheck{{Member: "a", Missing: []int64{3, 4}}, {Member: "b", Missing: []int64{4, 5}}, {Member: "c", Err: "x"}}
	if lostRows(rows) != 3 || unreadMembers(rows) != 1 {
		t.Fatalf("lostRows = %d (want 3 distinct ids), unreadMembers = %d (want 1)", lostRows(rows), unreadMembers(rows))
	}
}
