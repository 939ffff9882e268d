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

package main

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/test/bench/results"
	"github.com/ordinal-dev/ordinal/test/bench/simmember"
)

// targetN is the cluster count the targets are written for.
const targetN = 1000

type section struct {
	name, title, memLimit string
	settle                time.Duration
	started               time.Time
	points                []point
}

// newSection is the section of one operator variant: title names it in the report, the
// variant's name prefixes its plots; memLimit and settle are the run's conditions, for the notes.
func newSection(name, title, memLimit string, settle time.Duration) *section {
	return &section{name: name, title: title, memLimit: memLimit, settle: settle, started: time.Now()}
}

func (s *section) add(pt point, _ time.Duration) { s.points = append(s.points, pt) }

func (s *section) write(dir string, st simmember.Stats) error {
	commit, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	sec := results.Section{Name: s.name, Title: s.title,
		Machine: results.ThisMachine("simulated MariaDB members (test/bench/simmember)", strings.TrimSpace(string(commit))),
		Started: s.started, Duration: results.Seconds(time.Since(s.started).Seconds()),
		Figures: figures(pooled(s.points), st), Series: series(s.name, pooled(s.points)), Notes: notes(st, s.memLimit, s.settle)}
	return results.Write(dir, sec)
}

// figures: per cluster count, with the targets on N=1000.
func figures(points []point, st simmember.Stats) []results.Figure {
	var out []results.Figure
	alone := aloneRuns(points)
	for _, p := range points {
		if p.N == 1 {
			out = append(out, fig(p.N, "failover_alone_p50_seconds", "one cluster's failover, no other cluster, p50",
				results.Percentile(alone, 50), "s", len(alone), "", "", 0))
			continue
		}
		target := func(t, op string, goal float64) (string, string, float64) {
			if p.N != targetN {
				return "", "", 0
			}
			return t, op, goal
		}
		t, op, goal := target("≤ 256 MiB", "<=", 256)
		out = append(out, fig(p.N, "rss_mib", "operator RSS at rest (max over the minute)", p.RSSMiB, "MiB", 60*p.Runs, t, op, goal))
		out = append(out, fig(p.N, "heap_inuse_mib", "Go heap in use at rest", p.HeapMiB, "MiB", 1, "", "", 0))
		t, op, goal = target("≤ 10 s", "<=", 10)
		out = append(out, fig(p.N, "reconciled_all_seconds", "operator start to every cluster reconciled", p.ReconciledSeconds, "s", p.Runs, t, op, goal))
		t, op, goal = target("≤ 5 % of a core", "<=", 5)
		out = append(out, fig(p.N, "cpu_percent_at_rest", "CPU at rest", p.CPUPercent, "% of a core", p.Runs, t, op, goal))
		for _, verb := range []string{"GET", "LIST", "WATCH", "POST", "PUT", "PATCH", "DELETE"} {
			t, op, goal = "", "", 0
			if verb == "GET" {
				t, op, goal = target("0 GETs/min", "<=", 0)
			}
			out = append(out, fig(p.N, strings.ToLower(verb)+"_per_min_at_rest", verb+" requests per minute at rest",
				p.PerMinute[verb], verb+"s/min", 1, t, op, goal))
		}
		t, op, goal = target("empty (0 added)", "<=", 0)
		out = append(out, fig(p.N, "queue_adds_per_min_at_rest", "clusters added to the work queue per minute at rest", p.QueueAddsPerMin, "adds/min", 1, t, op, goal))
		out = append(out, fig(p.N, "queue_depth_max_at_rest", "work queue depth at rest, max of the 15 s samples", p.QueueMax, "items", 4, "", "", 0))
		out = append(out, fig(p.N, "statements_per_sec_at_rest", "SQL statements the members received per second at rest", p.StatementsPerSec, "statements/s", 1, "", "", 0))
		out = append(out, fig(p.N, "failover_p50_seconds", "one cluster's failover while the others idle, p50",
			results.Percentile(p.FailoverSeconds, 50), "s", len(p.FailoverSeconds), "", "", 0))
		out = append(out, fig(p.N, "failover_max_seconds", "one cluster's failover while the others idle, max",
			results.Percentile(p.FailoverSeconds, 100), "s", len(p.FailoverSeconds), "", "", 0))
		t, op, goal = target("≤ 1 s", "<=", 1)
		f := fig(p.N, "failover_delta_p50_seconds", "failover p50 minus the same failover alone",
			results.Percentile(p.FailoverSeconds, 50)-results.Percentile(alone, 50), "s", len(p.FailoverSeconds)+len(alone), t, op, goal)
		f.Note = fmt.Sprintf("alone: %s; with %d clusters: %s", durations(alone), p.N, durations(p.FailoverSeconds))
		out = append(out, f)
	}
	u := results.Figure{Name: "unknown_statements", Label: "statements the member simulator did not know", Value: float64(st.Unknown),
		Unit: "statements", Samples: int(st.Statements), Target: "0", Op: "==", Goal: 0}
	return append(out, u)
}

// pooled merges the repeats of each cluster count (-repeat) into one point, runs kept in order:
// the failovers of every run together (so p50 and the comparison with "alone" rest on all of
// them), the median start and CPU at rest, and the worst RSS, heap, requests and queue.
func pooled(points []point) []point {
	var out []point
	runs := map[int][]point{}
	for _, p := range points {
		if len(runs[p.N]) == 0 {
			out = append(out, point{N: p.N})
		}
		runs[p.N] = append(runs[p.N], p)
	}
	for i := range out {
		out[i] = merge(runs[out[i].N])
	}
	return out
}

func merge(runs []point) point {
	m := point{N: runs[0].N, Runs: len(runs), PerMinute: map[string]float64{}}
	var starts, cpus []float64
	for _, r := range runs {
		starts, cpus = append(starts, r.ReconciledSeconds), append(cpus, r.CPUPercent)
		m.RSSMiB, m.HeapMiB, m.QueueMax = max(m.RSSMiB, r.RSSMiB), max(m.HeapMiB, r.HeapMiB), max(m.QueueMax, r.QueueMax)
		m.QueueAddsPerMin = max(m.QueueAddsPerMin, r.QueueAddsPerMin)
		m.StatementsPerSec += r.StatementsPerSec / float64(len(runs))
		for verb, n := range r.PerMinute {
			m.PerMinute[verb] = max(m.PerMinute[verb], n)
		}
		m.FailoverSeconds = append(m.FailoverSeconds, r.FailoverSeconds...)
	}
	m.ReconciledSeconds, m.CPUPercent = results.Percentile(starts, 50), results.Percentile(cpus, 50)
	return m
}

func fig(n int, name, label string, v float64, unit string, samples int, target, op string, goal float64) results.Figure {
	return results.Figure{Name: fmt.Sprintf("%s_n%d", name, n), Label: fmt.Sprintf("%s (%d clusters)", label, n),
		Value: round(v), Unit: unit, Samples: samples, Target: target, Op: op, Goal: goal}
}

func round(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

func aloneRuns(points []point) []float64 {
	for _, p := range points {
		if p.N == 1 {
			return p.FailoverSeconds
		}
	}
	return nil
}

// series: RSS, CPU and GETs per minute against N (lines) and the failover
// times per N (boxes, N=1 being "alone").
func series(name string, points []point) []results.Series {
	line := func(name, title, ylabel string, y func(point) float64) results.Series {
		g := results.Group{Label: "operator"}
		for _, p := range points {
			g.X, g.Values = append(g.X, float64(p.N)), append(g.Values, round(y(p)))
		}
		return results.Series{Name: name, Title: title, Kind: "line", XLabel: "clusters", YLabel: ylabel, Groups: []results.Group{g}}
	}
	box := results.Series{Name: name + "-failover", Title: "One cluster's failover: alone and while the others idle", Kind: "box",
		YLabel: "seconds"}
	for _, p := range points {
		label := fmt.Sprintf("%d clusters", p.N)
		if p.N == 1 {
			label = "alone"
		}
		box.Groups = append(box.Groups, results.Group{Label: label, Values: p.FailoverSeconds})
	}
	return []results.Series{
		line(name+"-rss", "Operator RSS at rest", "MiB", func(p point) float64 { return p.RSSMiB }),
		line(name+"-cpu", "Operator CPU at rest", "% of a core", func(p point) float64 { return p.CPUPercent }),
		line(name+"-gets", "API GETs per minute at rest", "GETs/min", func(p point) float64 { return p.PerMinute["GET"] }),
		box,
	}
}

func notes(st simmember.Stats, memLimit string, settle time.Duration) []string {
	out := []string{
		"Members are simulated at the SQL level: each cluster's 3 pods run on a localkube hollow node (Running and Ready, nothing started), and test/bench/simmember answers the MySQL protocol on every pod IP:3306 from a per-member state (server_id, read_only, GTID binlog state and positions, replication source and threads, semi-sync variables and status, the heartbeat table). A running replica takes its source's GTID position whenever it is read, so a primary's heartbeats show up on its replicas; a frozen member accepts TCP but never answers, and its replicas' IO threads reconnect after slave_net_timeout (4 s). Not simulated: real replication traffic, data, disks, the agent sidecar (no call made without backups).",
		"The operator runs as a host process (bin/ordinal manager, --watch-namespaces on the bench namespaces) with the chart's in-cluster operator scaled to 0 for the run; the control plane is localkube's real kube-apiserver, etcd, controller-manager and scheduler.",
		"Reconciled: time from the operator process start until controller_runtime_reconcile_total{controller=\"mysqlcluster\"} reaches N (every reconcile counts, so with a requeue faster than the first pass a cluster may count twice).",
		"API requests by verb are counted by a proxy between the operator and the apiserver (GET of one object, LIST, WATCH separately: the operator's own rest_client_requests_total has only the HTTP method). The operator runs with GOMEMLIMIT=" + memLimit + " bytes, what it sets itself in its pod under the chart's 256Mi memory limit (internal/manager.SoftMemoryLimit). Rest: a minute, starting " + settle.String() + " after all clusters were reconciled; the operator's metrics are read every 15 s, as Prometheus would, and the work queue's adds counter says whether anything was queued between two reads.",
		"Failover: the primary is frozen in the simulator; the time runs until status.currentPrimary names another member and the primary Service selects only that member's Ready pod (localkube routes Services from pods, not EndpointSlices). The same cluster's failover with no other cluster present is the baseline (\"alone\").",
	}
	if st.Unknown > 0 {
		var kinds []string
		for k, n := range st.UnknownSQL {
			kinds = append(kinds, fmt.Sprintf("%d× %s", n, k))
		}
		sort.Strings(kinds)
		out = append(out, "Unknown statements: "+strings.Join(kinds, "; "))
	}
	return out
}
