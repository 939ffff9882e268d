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
	"database/sql"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/bench/results"
	"github.com/ordinal-dev/ordinal/test/workload"
)

// seedRun is one added replica: patch → Ready and replicating, the seed as init logged it, the
// seeded datadir's size, and what it is compared with: plain local copies of the primary's
// datadir, and the donor's backup tool alone.
type seedRun struct {
	total, seed, stream time.Duration
	seededBytes         int64
	donor               string        // as init logged it: the donor's agent, host:port
	tool                time.Duration // the donor's mariadb-backup alone, its stream thrown away
	toolBytes           int64
	copies
}

func (r seedRun) seedRate() float64   { return mib(r.seededBytes) / r.seed.Seconds() }
func (r seedRun) streamRate() float64 { return mib(r.seededBytes) / r.stream.Seconds() }
func (r seedRun) copyRate() float64   { return mib(r.bytes) / r.fromDisk.Seconds() }
func (r seedRun) syncedRate() float64 { return mib(r.bytes) / r.synced.Seconds() }
func (r seedRun) asIsRate() float64   { return mib(r.bytes) / r.asIs.Seconds() }
func (r seedRun) toolRate() float64   { return mib(r.toolBytes) / r.tool.Seconds() }

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// seedBench loads 1 GiB into a 1-member cluster, then adds one replica at a time (1 → 2 → …),
// each seeded from the primary, and records the figures.
func seedBench(ctx context.Context, sec *benchSection, runs int) {
	GinkgoHelper()
	if cluster == nil {
		sec.Note("Seeding not measured: the local copy needs localkube's volumes on this machine (KUBECONFIG was set).")
		Skip("seeding needs localkube's volumes")
	}
	c := k8sClient()
	ns := fmt.Sprintf("bench-seed-%d", time.Now().Unix()%100000)
	createFaultCluster(ctx, ns, func(s string) string {
		return strings.NewReplacer("replicas: 3", "replicas: 1", "size: 1Gi", "size: 4Gi").Replace(s)
	})
	// Waited for, so the next bench section does not share the machine with this one's teardown.
	DeferCleanup(func(ctx SpecContext) { _, _ = kubectlOut(ctx, "delete", "namespace", ns, "--timeout=3m") })
	e := openFaultEnv(ctx, "seed", ns)
	e.stop()
	written, took := loadData(ctx, e, 1<<30)
	sec.Note(fmt.Sprintf("Seeding: %d MiB loaded into the primary through %s-primary in %s with a bounded loop of "+
		"INSERT … SELECT of 256 rows of 32 KiB (REPEAT(MD5(RAND()), 1024), so every row differs) from seq_1_to_256.",
		written>>20, faultClusterName, took.Round(time.Second)))
	var rs []seedRun
	for i := 1; i <= runs; i++ {
		rs = append(rs, addReplica(ctx, c, ns, i))
	}
	recordSeeding(sec, rs)
}

// loadData writes about want bytes into bench.fill through the primary Service, bounded in
// statements and time.
func loadData(ctx context.Context, e *faultEnv, want int64) (int64, time.Duration) {
	GinkgoHelper()
	db, err := sql.Open("mysql", workload.DSN(e.user, e.password, e.primary, "", 5*time.Second, 5*time.Minute))
	Expect(err).NotTo(HaveOccurred())
	defer db.Close()
	_, err = db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS bench")
	Expect(err).NotTo(HaveOccurred())
	_, err = db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS bench.fill (id BIGINT AUTO_INCREMENT PRIMARY KEY, pad LONGBLOB NOT NULL)")
	Expect(err).NotTo(HaveOccurred())
	const perStatement = 256 * 32 * 1024
	start := time.Now()
	var written int64
	for i := 0; written < want && i < 2*int(want/perStatement) && time.Since(start) < 15*time.Minute; i++ {
		_, err := db.ExecContext(ctx, "INSERT INTO bench.fill (pad) SELECT REPEAT(MD5(RAND()), 1024) FROM bench.seq_1_to_256")
		Expect(err).NotTo(HaveOccurred())
		written += perStatement
	}
	Expect(written).To(BeNumerically(">=", want), "loaded within the bound")
	return written, time.Since(start)
}

// addReplica scales the cluster to ordinal+1 members and measures the new member's seed.
func addReplica(ctx context.Context, c client.Client, ns string, ordinal int) seedRun {
	GinkgoHelper()
	name, total := scaleUpTo(ctx, c, ns, ordinal, 20*time.Minute)
	r := seedRun{total: total}
	initLog := kubectl(ctx, "-n", ns, "logs", name, "-c", "init")
	r.seed, r.stream = seedWindow(initLog)
	Expect(r.seed).To(BeNumerically(">", 0), "init of %s logged a seed", name)
	r.donor = logValue(initLog, `msg="seed marker found`, "donor")
	donor, _, _ := strings.Cut(r.donor, ".")
	Expect(donor).NotTo(BeEmpty(), "init of %s logged its donor", name)
	GinkgoWriter.Printf("bench: %s's donor %s: %s\n", name, donor, lastLine(kubectl(ctx, "-n", ns, "logs", donor, "-c", "agent"), `msg="backup done"`))
	var err error
	r.seededBytes, err = dirBytes(pvHostPath(ctx, c, ns, "data-"+name))
	Expect(err).NotTo(HaveOccurred())
	r.copies = localCopies(ctx, pvHostPath(ctx, c, ns, "data-"+faultClusterName+"-0"))
	r.tool, r.toolBytes = backupAlone(ctx, ns, donor)
	Expect(r.toolBytes).To(BeNumerically(">", 512<<20), "bytes of %s's backup stream", donor)
	// The primary holds the 1 GiB loaded: less means the volumes were read in the wrong place.
	Expect(r.seededBytes).To(BeNumerically(">", 512<<20), "bytes in %s's datadir", name)
	Expect(r.bytes).To(BeNumerically(">", 512<<20), "bytes in the primary's datadir")
	GinkgoWriter.Printf("bench: seeded %s: %d MiB in %s (stream %s), Ready and replicating %s after the patch\n",
		name, r.seededBytes>>20, r.seed.Round(time.Millisecond), r.stream.Round(time.Millisecond), r.total.Round(time.Millisecond))
	GinkgoWriter.Printf("bench: cp -a of %d MiB: %s as cached, %s from the disk, %s from the disk and fsynced; %s's mariadb-backup alone: %d MiB in %s\n",
		r.bytes>>20, r.asIs.Round(time.Millisecond), r.fromDisk.Round(time.Millisecond), r.synced.Round(time.Millisecond),
		donor, r.toolBytes>>20, r.tool.Round(time.Millisecond))
	return r
}

// scaleUpTo patches the cluster to ordinal+1 members and waits (bounded) until member ordinal is
// Ready and replicating; it returns the member's name and how long that took.
func scaleUpTo(ctx context.Context, c client.Client, ns string, ordinal int, within time.Duration) (string, time.Duration) {
	GinkgoHelper()
	name := fmt.Sprintf("%s-%d", faultClusterName, ordinal)
	patched := time.Now()
	kubectl(ctx, "-n", ns, "patch", "mysqlcluster", faultClusterName, "--type=merge",
		"-p", fmt.Sprintf(`{"spec":{"replicas":%d}}`, ordinal+1))
	Eventually(func() bool {
		return memberServing(ctx, c, ns, name)
	}).WithContext(ctx).WithTimeout(within).WithPolling(500*time.Millisecond).Should(BeTrue(), "%s Ready and replicating", name)
	return name, time.Since(patched)
}

// memberServing reports whether the member's pod is Ready and the cluster reports it serving.
func memberServing(ctx context.Context, c client.Client, ns, name string) bool {
	mc := &v1alpha1.MySQLCluster{}
	if c.Get(ctx, client.ObjectKey{Namespace: ns, Name: faultClusterName}, mc) != nil {
		return false
	}
	for _, m := range mc.Status.Members {
		if m.Name == name {
			return m.Ready && m.Serving && m.Role == "replica"
		}
	}
	return false
}

// seedWindow reads init's log (slog text): from "seed marker found" to "datadir seeded" (the
// whole seed: wipe, stream, prepare, position) and the stream alone ("backup received took=").
func seedWindow(log string) (whole, stream time.Duration) {
	var from, to time.Time
	for _, l := range strings.Split(log, "\n") {
		at := logTime(l)
		switch {
		case strings.Contains(l, `msg="seed marker found`):
			from = at
		case strings.Contains(l, `msg="datadir seeded"`):
			to = at
		case strings.Contains(l, `msg="backup received"`):
			if _, v, ok := strings.Cut(l, " took="); ok {
				stream, _ = time.ParseDuration(strings.Fields(v)[0])
			}
		}
	}
	if from.IsZero() || to.Before(from) {
		return 0, stream
	}
	return to.Sub(from), stream
}

// logValue is the value of key in the last line of log (slog text) that holds msg.
func logValue(log, msg, key string) string {
	l := lastLine(log, msg)
	if _, v, ok := strings.Cut(l, " "+key+"="); ok {
		return strings.Fields(v)[0]
	}
	return ""
}

// lastLine is the last line of log that holds s.
func lastLine(log, s string) string {
	lines := strings.Split(log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], s) {
			return lines[i]
		}
	}
	return ""
}

func logTime(l string) time.Time {
	_, v, ok := strings.Cut(l, "time=")
	if !ok {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, strings.Fields(v)[0])
	return t
}

// recordSeeding turns the added replicas into figures: medians over the runs.
func recordSeeding(sec *benchSection, rs []seedRun) {
	per := func(f func(seedRun) float64) []float64 {
		out := make([]float64, len(rs))
		for i, r := range rs {
			out[i] = f(r)
		}
		return out
	}
	rates := seedRates{seed: per(seedRun.seedRate), stream: per(seedRun.streamRate), copy: per(seedRun.copyRate),
		synced: per(seedRun.syncedRate), asIs: per(seedRun.asIsRate), tool: per(seedRun.toolRate)}
	med := func(name, label string, v []float64, unit string) results.Figure {
		return pctFigure(name, label+", median", v, 50, unit)
	}
	sec.Figure(med("add_replica_seconds", "Add one replica to a cluster holding 1 GiB: patch → Ready and replicating",
		per(func(r seedRun) float64 { return r.total.Seconds() }), "s"))
	sec.Figure(med("seed_seconds", "Seed of the new replica (init: marker found → datadir seeded)",
		per(func(r seedRun) float64 { return r.seed.Seconds() }), "s"))
	sec.Figure(med("seed_mib_per_second", "Seeding throughput (seeded datadir / whole seed)", rates.seed, "MiB/s"))
	sec.Figure(med("seed_stream_mib_per_second", "Stream alone (seeded datadir / mariadb-backup stream)", rates.stream, "MiB/s"))
	sec.Figure(med("seed_tool_alone_mib_per_second", "The donor's mariadb-backup alone, its stream read and thrown away", rates.tool, "MiB/s"))
	sec.Figure(med("local_copy_mib_per_second", "Local copy (cp -a of the primary's datadir from the disk, same disk)", rates.copy, "MiB/s"))
	sec.Figure(med("local_copy_synced_mib_per_second", "Local copy on disk (cp -a from the disk, then fsync of every file)", rates.synced, "MiB/s"))
	sec.Figure(med("local_copy_cached_mib_per_second", "Local copy, page cache as the seed left it (cp -a)", rates.asIs, "MiB/s"))
	ratios := per(func(r seedRun) float64 { return r.seedRate() / r.copyRate() })
	r := med("seeding_ratio", "Seeding throughput / local copy (cp -a from the disk)", ratios, "ratio")
	r.Target, r.Op, r.Goal = "≥ 0.8", ">=", 0.8
	r.Note = fmt.Sprintf("both read the datadir from the disk; %d of this run's %d seeds at ≥ 0.8 (%.2f–%.2f); %s",
		countAtLeast(ratios, 0.8), len(ratios), lo(ratios), hi(ratios), seedingRunsSoFar)
	sec.Figure(r)
	sec.Figure(med("seeding_ceiling_ratio", "Ceiling: mariadb-backup alone / local copy (cp -a from the disk)",
		per(func(r seedRun) float64 { return r.toolRate() / r.copyRate() }), "ratio"))
	sec.Figure(med("seeding_tool_ratio", "Seeding throughput / mariadb-backup alone",
		per(func(r seedRun) float64 { return r.seedRate() / r.toolRate() }), "ratio"))
	sec.Figure(med("seeding_synced_ratio", "Seeding throughput / local copy on disk (cp -a from the disk + fsync)",
		per(func(r seedRun) float64 { return r.seedRate() / r.syncedRate() }), "ratio"))
	sec.Figure(med("seeding_cached_ratio", "Seeding throughput / local copy, page cache as the seed left it",
		per(func(r seedRun) float64 { return r.seedRate() / r.asIsRate() }), "ratio"))
	sec.Series(results.Series{Name: "provisioning-seeding", Title: "Seeding a replica vs a local copy (median)",
		Kind: "bar", YLabel: "MiB/s", Groups: []results.Group{
			{Label: "tool alone", Values: []float64{round3(median(rates.tool))}},
			{Label: "whole seed", Values: []float64{round3(median(rates.seed))}},
			{Label: "stream alone", Values: []float64{round3(median(rates.stream))}},
			{Label: "cp, disk, fsync", Values: []float64{round3(median(rates.synced))}},
			{Label: "cp, disk", Values: []float64{round3(median(rates.copy))}},
			{Label: "cp, cached", Values: []float64{round3(median(rates.asIs))}},
		}})
	seedingNotes(sec, rs, rates)
}

// seedingRunsSoFar is what the earlier runs of this section with this seeding code measured
// (the code of commit ebf8a90, run before it landed): one run's median does not settle the target
// either way on this machine.
const seedingRunsSoFar = "medians of the 4 earlier runs on 2026-12-03 with the same seeding code: 0.686, 0.768, " +
	"0.906, 0.878 (in each of the first two, one or two seeds took 6.6–7.8 s instead of 4–5 s)"

// earlierMachine is what the runs before 2026-12-03 17:25Z measured, on another machine.
const earlierMachine = "The target was met (medians 0.906, 0.878) only in runs on an earlier machine, where cp -a " +
	"from the disk ran at 388–489 MiB/s; on the machine of the runs of 2026-12-03 17:25Z and after, the backups " +
	"section's cp -a from the disk ran at 369 MiB/s minutes after this section's ran at 2302 MiB/s (why the " +
	"baseline swings so was not traced)."

// ratioOf divides a by b, run by run.
func ratioOf(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] / b[i]
	}
	return out
}

// countAtLeast counts the values at or above floor.
func countAtLeast(v []float64, floor float64) int {
	n := 0
	for _, x := range v {
		if x >= floor {
			n++
		}
	}
	return n
}

// seedRates are the runs' rates in MiB/s, per run.
type seedRates struct{ seed, stream, copy, synced, asIs, tool []float64 }

func lo(v []float64) float64 { return sortedCopy(v)[0] }
func hi(v []float64) float64 { return sortedCopy(v)[len(v)-1] }

func seedingNotes(sec *benchSection, rs []seedRun, rates seedRates) {
	sec.Note(fmt.Sprintf("Seeding: %d runs, each adding one replica (replicas 1 → 2, then 2 → 3, …) to the same cluster, "+
		"seeded by `ordinal init` from the donor the operator chose (the primary for the first; then the first serving "+
		"replica, mysql-1, which keeps the load off the primary) (mariadb-backup --backup streamed by the donor's agent over mutual TLS, "+
		"unpacked by init itself and fsynced, --prepare, a temporary server that records the position). The seed's time "+
		"is from init's log (\"seed marker found\" → \"datadir seeded\"), the stream's from \"backup received\"; its "+
		"bytes are the new member's datadir once it replicates (InnoDB pages of the loaded rows: more than the bytes "+
		"inserted). The local copy is `cp -a --reflink=never` of the primary's whole datadir (binary logs included) to a directory beside "+
		"it on the same disk, right after each seed, three times: with the page cache as the seed left it; then with the "+
		"datadir's cached pages evicted first (POSIX_FADV_DONTNEED on every file), so that it reads the disk as the seed "+
		"does (mariadb-backup opens the data files with O_DIRECT, strace shows: the page cache plays no part in its "+
		"reads); and that again with an fsync of every copied file. Each copy is removed, then sync and 3 s of rest "+
		"(the root file system is mounted with discard); the first copy of a run also fills new page cache pages, which "+
		"costs more on this VM than reusing the pages the last copy freed, so the copy as cached tends to be the slowest. "+
		"Then the donor's mariadb-backup runs once more, alone, in its agent container (kubectl exec) with the agent's "+
		"options, its stream counted by wc -c and thrown away. "+
		"Ratios are per run, then the median; the target's is against "+
		"the copy from the disk (until 2026-12-03 it was against the copy as cached, on the mistaken premise that the "+
		"donor's reads were cached too).", len(rs)))
	rest := make([]float64, len(rs))
	for i, r := range rs {
		rest[i] = (r.seed - r.stream).Seconds()
	}
	sec.Note(fmt.Sprintf("Reading the seeding ratio: `cp -a` from the disk ran at %.0f–%.0f MiB/s in these runs, its copy "+
		"in the page cache, not yet on disk, when it ends (%.0f–%.0f MiB/s with an fsync of every file); as cached it ran "+
		"at %.0f–%.0f MiB/s. A seed must be on disk before init removes its marker: init writes InnoDB's page-aligned chunks with "+
		"O_DIRECT and fsyncs every file. The stream (%.0f–%.0f MiB/s) passes every byte through mariadb-backup (which "+
		"reads the data files with O_DIRECT, 10 MiB at a time, and checksums every page), a pipe, the donor agent's "+
		"read-ahead (24 MiB, so the tool's next read overlaps the sending of the last), TLS on both sides and the loopback "+
		"network; --prepare and the temporary server add %.1f s (median). The ratio's ceiling is the backup tool itself: "+
		"mariadb-backup alone on the donor, run as the agent runs it with its stream counted and thrown away, ran at "+
		"%.0f–%.0f MiB/s (one thread, for a datadir that is one big table), %.2f of the copy from the disk (median): no "+
		"transport could bring a streamed seed above that. %s What makes seeding "+
		"independent of the stream: a storage-side copy of the donor's volume, where the storage offers one "+
		"(spec.storage.seedFromVolumeSnapshot; its figures follow, prefixed snapshot_).",
		lo(rates.copy), hi(rates.copy), lo(rates.synced), hi(rates.synced), lo(rates.asIs), hi(rates.asIs),
		lo(rates.stream), hi(rates.stream), median(rest), lo(rates.tool), hi(rates.tool),
		median(ratioOf(rates.tool, rates.copy)), earlierMachine))
}
