//go:build e2e && bench

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
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ordinal-dev/ordinal/test/bench/results"
)

// benchFault is one fault of make bench-faults: a fault-suite scenario, run E2E_FAULT_RUNS times
// (default 10) on its cluster, with the write-pause targets.
type benchFault struct {
	scenario string
	key      string // figure names: KEY_pause_p99_seconds
	label    string
	// estimate is how long one run takes on the reference machine (2 cores; for the printed estimate).
	estimate time.Duration
	// p50 and p99 are the pause targets (0: none).
	p50, p99 time.Duration
}

// benchFaults run in this order: the node fault first, before the shared clusters exist (a lost
// node would take their members with it).
var benchFaults = []benchFault{
	{"lose-primary-node", "node_lost", "node lost (frozen 45 s)", 90 * time.Second, 0, 12 * time.Second},
	{"kill-primary", "kill", "kill -9 of mysqld", 25 * time.Second, 3 * time.Second, 8 * time.Second},
	{"delete-primary-pod", "pod_delete", "pod delete", 30 * time.Second, 3 * time.Second, 8 * time.Second},
	{"freeze-primary-30s", "freeze", "freeze 30 s", 55 * time.Second, 0, 12 * time.Second},
	{"cut-primary-30s", "cut", "network cut 30 s", 55 * time.Second, 0, 12 * time.Second},
	{"drain-primary-node", "drain", "node drain", 45 * time.Second, 0, 2 * time.Second},
	{"switchover", "switchover", "switchover", 12 * time.Second, 0, 2 * time.Second},
}

const (
	benchFaultsContainer = "bench: faults"
	// benchFaultRunTimeout bounds one run (fault, Ready again, checks); benchPoolCreate the
	// shared clusters' creation.
	benchFaultRunTimeout = 10 * time.Minute
	benchPoolCreate      = 3 * time.Minute
)

var _ = Describe(benchFaultsContainer, Ordered, func() {
	runs := envInt("E2E_FAULT_RUNS", 10)
	var names []string
	for _, bf := range benchFaults {
		names = append(names, bf.scenario)
	}
	pool := newFaultPool(benchFaultsContainer, names...)
	failed := map[string][]string{}
	var spreads []string // notes of node-fault runs the harness had to spread first
	var sec *benchSection

	BeforeAll(func() {
		if cluster == nil {
			Skip("the fault bench needs localkube, as the fault suite does")
		}
		sec = newBenchSection("faults", "Failover and switchover as a client sees them")
		est := benchPoolCreate
		for _, bf := range benchFaults {
			if focused(benchFaultsContainer + " " + scenarioNamed(bf.scenario).text) {
				est += time.Duration(runs) * bf.estimate
			}
		}
		GinkgoWriter.Printf("bench: faults: %d runs per fault, estimated %s (each run bounded by %s)\n",
			runs, est.Round(time.Minute), benchFaultRunTimeout)
	})

	for _, bf := range benchFaults {
		sc := scenarioNamed(bf.scenario)
		It(sc.text, func(ctx SpecContext) {
			e := pool.open(ctx, sc)
			for run := 1; run <= runs; run++ {
				rctx, cancel := context.WithTimeout(ctx, benchFaultRunTimeout)
				err := InterceptGomegaFailure(func() {
					e.startRun(rctx, run)
					if sc.node {
						if note := spreadForNodeFault(rctx, e, run); note != "" {
							spreads = append(spreads, note)
						}
					}
					runScenario(rctx, sc, e)
				})
				cancel()
				if err != nil {
					failed[sc.name] = append(failed[sc.name], fmt.Sprintf("run %d: %v", run, err))
					if ok, why := clusterReady(ctx, e.c, e.ns); !ok && run < runs {
						failed[sc.name] = append(failed[sc.name], "stopped: not Ready after the failed run: "+why)
						break
					}
				}
			}
			Expect(failed[sc.name]).To(BeEmpty(), "runs of %s that broke a property or missed twice the target", sc.name)
		}, NodeTimeout(time.Duration(runs)*benchFaultRunTimeout+benchPoolCreate+10*time.Minute))
	}

	AfterAll(func() {
		if sec == nil {
			return
		}
		faultFigures(sec, failed)
		for _, n := range spreads {
			sec.Note(n)
		}
		sec.Write()
	})
})

// scenarioNamed is the fault suite's scenario of that name.
func scenarioNamed(name string) scenario {
	for _, sc := range scenarios {
		if sc.name == name {
			return sc
		}
	}
	panic("no fault scenario " + name)
}

// faultFigures turns the recorded runs into the section's figures, series and notes.
func faultFigures(sec *benchSection, failed map[string][]string) {
	pauses := results.Series{Name: "faults-pause", Title: "Write pause per fault", Kind: "box", YLabel: "seconds"}
	repl := results.Series{Name: "faults-replicated", Title: "Every member replicating again, after the fault ended",
		Kind: "box", YLabel: "seconds"}
	lost, runs := 0, 0
	for _, bf := range benchFaults {
		recs := recordedFaults(bf.scenario)
		if len(recs) == 0 {
			continue
		}
		runs += len(recs)
		var p, r, ready []float64
		notReplicated := 0
		for _, rec := range recs {
			if bf.p99 > 0 && rec.Pause > bf.p99 {
				sec.Note(fmt.Sprintf("%s, run %d: write pause %.1f s over the %g s target; the run's notes: %s.",
					bf.label, rec.Run, rec.Pause.Seconds(), bf.p99.Seconds(), strings.Join(rec.Notes, " ")))
			}
			p = append(p, rec.Pause.Seconds())
			ready = append(ready, rec.ReadyAfter.Seconds())
			lost += rec.Lost
			if rec.CaughtUp {
				r = append(r, rec.Replicated.Seconds())
			} else {
				notReplicated++
			}
		}
		pauseFigures(sec, bf, p)
		if bf.scenario == "lose-primary-node" {
			leaderSplit(sec, bf, recs)
		}
		sec.Figure(pctFigure(bf.key+"_ready_again_p50_seconds", bf.label+": Ready again after the fault ended, p50", ready, 50, "s"))
		if len(r) > 0 {
			sec.Figure(pctFigure(bf.key+"_replicated_p50_seconds", bf.label+": every member replicating again, p50", r, 50, "s"))
			sec.Figure(pctFigure(bf.key+"_replicated_max_seconds", bf.label+": every member replicating again, max", r, 100, "s"))
		}
		if notReplicated > 0 {
			sec.Note(fmt.Sprintf("%s: in %d of %d runs some member held no write acknowledged after the fault by the end of the run's checks.",
				bf.label, notReplicated, len(recs)))
		}
		pauses.Groups = append(pauses.Groups, results.Group{Label: bf.label, Values: p})
		repl.Groups = append(repl.Groups, results.Group{Label: bf.label, Values: r})
	}
	sec.Figure(results.Figure{Name: "acked_writes_lost", Label: "Acknowledged writes lost, all faults", Value: float64(lost),
		Unit: "writes", Samples: runs, Target: "0", Op: "==", Goal: 0})
	sec.Series(pauses)
	sec.Series(repl)
	sec.Note("The write pause is the longest gap between two acknowledged writes of a writer that opens a fresh " +
		"connection through the primary Service every 20 ms (test/workload), over the whole run; under 100 runs p99 is the largest.")
	sec.Note("Replicating again: from the end of the fault until every member held a write acknowledged after it " +
		"(each member's highest row id, sampled every 500 ms). Ready again: until the cluster is Ready with a write acknowledged.")
	for _, bf := range benchFaults {
		if f := failed[bf.scenario]; len(f) > 0 {
			sec.Note(bf.label + ": failed runs: " + strings.Join(f, "; "))
		}
	}
}

// pauseFigures adds p50, p99 and max of one fault's pauses, each next to its target.
func pauseFigures(sec *benchSection, bf benchFault, p []float64) {
	for _, q := range []struct {
		name string
		pct  float64
		goal time.Duration
	}{{"p50", 50, bf.p50}, {"p99", 99, bf.p99}, {"max", 100, 0}} {
		f := pctFigure(bf.key+"_pause_"+q.name+"_seconds", bf.label+": write pause, "+q.name, p, q.pct, "s")
		if q.goal > 0 {
			f.Target, f.Op, f.Goal = fmt.Sprintf("≤ %g s", q.goal.Seconds()), "<=", q.goal.Seconds()
		}
		sec.Figure(f)
	}
}

// leaderSplit reports the lost-node pauses apart by where the operator's leader ran: on the lost
// node, a new leader must first win the lease (6 s) before it can fail the primary over.
func leaderSplit(sec *benchSection, bf benchFault, recs []faultRecord) {
	groups := map[bool][]float64{}
	for _, rec := range recs {
		withLeader := slices.Contains(rec.Notes, "operator_leader_on_lost_node=true")
		groups[withLeader] = append(groups[withLeader], rec.Pause.Seconds())
	}
	for _, g := range []struct {
		withLeader bool
		key, label string
	}{{false, "leader_elsewhere", "operator leader on another node"}, {true, "leader_lost", "operator leader on the lost node"}} {
		if p := groups[g.withLeader]; len(p) > 0 {
			f := pctFigure(bf.key+"_"+g.key+"_pause_max_seconds", bf.label+", "+g.label+": write pause, max", p, 100, "s")
			f.Target, f.Op, f.Goal = fmt.Sprintf("≤ %g s", bf.p99.Seconds()), "<=", bf.p99.Seconds()
			sec.Figure(f)
		}
	}
}
