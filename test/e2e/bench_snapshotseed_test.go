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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/test/bench/results"
	"github.com/ordinal-dev/ordinal/test/localkube"
)

// snapshotSeedRun is one replica added with spec.storage.seedFromVolumeSnapshot: patch → Ready
// and replicating, the seed from the snapshot's request to init's adoption of the copy, and the
// local copy of the primary's datadir on the same storage it is compared with.
type snapshotSeedRun struct {
	total, seed, restore, adopt time.Duration
	reflink                     time.Duration // cp -a --reflink=always of the primary's datadir: btrfs shares its blocks
	seededBytes                 int64
	donor                       string
	copies
}

func (r snapshotSeedRun) seedRate() float64 { return mib(r.seededBytes) / r.seed.Seconds() }
func (r snapshotSeedRun) copyRate() float64 { return mib(r.bytes) / r.fromDisk.Seconds() }

// snapshotSeedBench is seedBench on localkube's snapshot-capable CSI storage, with new members'
// volumes restored from snapshots.
func snapshotSeedBench(ctx context.Context, sec *benchSection, runs int) {
	GinkgoHelper()
	if cluster == nil {
		sec.Note("Seeding from snapshots not measured: it needs localkube's CSI storage (KUBECONFIG was set).")
		Skip("seeding from snapshots needs localkube's CSI storage")
	}
	c := k8sClient()
	ns := fmt.Sprintf("bench-snapseed-%d", time.Now().Unix()%100000)
	createFaultCluster(ctx, ns, func(s string) string {
		s = strings.NewReplacer("replicas: 3", "replicas: 1", "size: 1Gi", "size: 4Gi").Replace(s)
		return strings.Replace(s, "  storage:\n", "  storage:\n    storageClassName: "+localkube.SnapshotClass+
			"\n    seedFromVolumeSnapshot:\n      volumeSnapshotClassName: "+localkube.SnapshotClass+"\n", 1)
	})
	DeferCleanup(func(ctx SpecContext) { _, _ = kubectlOut(ctx, "delete", "namespace", ns, "--timeout=3m") })
	e := openFaultEnv(ctx, "snapseed", ns)
	e.stop()
	written, took := loadData(ctx, e, 1<<30)
	sec.Note(fmt.Sprintf("Seeding from snapshots: %d MiB loaded the same way into a 1-member cluster on StorageClass %s "+
		"with spec.storage.seedFromVolumeSnapshot, in %s.", written>>20, localkube.SnapshotClass, took.Round(time.Second)))
	var rs []snapshotSeedRun
	for i := 1; i <= runs; i++ {
		rs = append(rs, addSnapshotReplica(ctx, c, ns, i))
	}
	recordSnapshotSeeding(sec, rs)
}

// addSnapshotReplica scales the cluster to ordinal+1 members and measures the new member's seed.
func addSnapshotReplica(ctx context.Context, c client.Client, ns string, ordinal int) snapshotSeedRun {
	GinkgoHelper()
	name, total := scaleUpTo(ctx, c, ns, ordinal, 10*time.Minute)
	r := snapshotSeedRun{total: total}
	requested, restored := seedEvents(ctx, c, ns, name+"-seed")
	initLog := kubectl(ctx, "-n", ns, "logs", name, "-c", "init")
	Expect(initLog).NotTo(ContainSubstring("seed marker found"), "%s was seeded by streaming", name)
	adopted := lastLine(initLog, `msg="adopted the copy"`)
	Expect(adopted).NotTo(BeEmpty(), "init of %s adopted a copied volume:\n%s", name, initLog)
	r.seed, r.restore = logTime(adopted).Sub(requested), restored.Sub(requested)
	r.adopt, _ = time.ParseDuration(logValue(initLog, `msg="adopted the copy"`, "took"))
	r.donor = logValue(initLog, `msg="the datadir is a copy`, "from")
	var err error
	r.seededBytes, err = dirBytes(pvHostPath(ctx, c, ns, "data-"+name))
	Expect(err).NotTo(HaveOccurred())
	primaryDir := pvHostPath(ctx, c, ns, "data-"+faultClusterName+"-0")
	r.copies = localCopies(ctx, primaryDir)
	r.reflink = reflinkCopy(ctx, primaryDir)
	Expect(r.seededBytes).To(BeNumerically(">", 512<<20), "bytes in %s's datadir", name)
	Expect(r.bytes).To(BeNumerically(">", 512<<20), "bytes in the primary's datadir")
	GinkgoWriter.Printf("bench: %s from a snapshot of %s: %d MiB, seed %s (claim restored after %s, adoption %s), Ready and replicating %s after the patch; cp -a of %d MiB from the disk %s, as a reflink clone %s\n",
		name, r.donor, r.seededBytes>>20, r.seed.Round(time.Millisecond), r.restore.Round(time.Millisecond), r.adopt,
		r.total.Round(time.Millisecond), r.bytes>>20, r.fromDisk.Round(time.Millisecond), r.reflink.Round(time.Millisecond))
	return r
}

// reflinkCopy times cp -a --reflink=always of dir beside it (btrfs shares the blocks: no byte
// is copied), then removes the copy.
func reflinkCopy(ctx context.Context, dir string) time.Duration {
	GinkgoHelper()
	dst, err := os.MkdirTemp(filepath.Dir(dir), "bench-reflink-")
	Expect(err).NotTo(HaveOccurred())
	defer os.RemoveAll(dst)
	start := time.Now()
	out, err := exec.CommandContext(ctx, "cp", "-a", "--reflink=always", dir, filepath.Join(dst, "data")).CombinedOutput()
	took := time.Since(start)
	Expect(err).NotTo(HaveOccurred(), string(out))
	return took
}

// seedEvents returns when the operator asked for the seed snapshot and when it created the claim
// from it, from its events.
func seedEvents(ctx context.Context, c client.Client, ns, snapshot string) (requested, restored time.Time) {
	GinkgoHelper()
	var list eventsv1.EventList
	Expect(c.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	for _, ev := range list.Items {
		switch {
		case ev.Reason == "VolumeSnapshotRequested" && strings.Contains(ev.Note, snapshot):
			requested = eventTime(ev)
		case ev.Reason == "VolumeRestored" && strings.Contains(ev.Note, snapshot):
			restored = eventTime(ev)
		}
	}
	Expect(requested.IsZero() || restored.IsZero()).To(BeFalse(), "events VolumeSnapshotRequested and VolumeRestored for %s", snapshot)
	return requested, restored
}

// recordSnapshotSeeding turns the added replicas into figures: medians over the runs.
func recordSnapshotSeeding(sec *benchSection, rs []snapshotSeedRun) {
	per := func(f func(snapshotSeedRun) float64) []float64 {
		out := make([]float64, len(rs))
		for i, r := range rs {
			out[i] = f(r)
		}
		return out
	}
	med := func(name, label string, v []float64, unit string) results.Figure {
		return pctFigure(name, label+", median", v, 50, unit)
	}
	secs := func(f func(snapshotSeedRun) time.Duration) []float64 {
		return per(func(r snapshotSeedRun) float64 { return f(r).Seconds() })
	}
	sec.Figure(med("snapshot_add_replica_seconds", "Add one replica, its volume restored from a snapshot: patch → Ready and replicating",
		secs(func(r snapshotSeedRun) time.Duration { return r.total }), "s"))
	sec.Figure(med("snapshot_seed_seconds", "Seed from a snapshot (VolumeSnapshot requested → init adopted the copy)",
		secs(func(r snapshotSeedRun) time.Duration { return r.seed }), "s"))
	sec.Figure(med("snapshot_restore_seconds", "… of which snapshot taken and claim created (the two events)",
		secs(func(r snapshotSeedRun) time.Duration { return r.restore }), "s"))
	sec.Figure(med("snapshot_adopt_seconds", "… of which init's adoption (crash recovery, replication settings dropped)",
		secs(func(r snapshotSeedRun) time.Duration { return r.adopt }), "s"))
	rates, copyRates := per(snapshotSeedRun.seedRate), per(snapshotSeedRun.copyRate)
	sec.Figure(med("snapshot_seed_mib_per_second", "Seeding throughput from a snapshot (seeded datadir / seed)", rates, "MiB/s"))
	sec.Figure(med("snapshot_local_copy_mib_per_second", "Local copy (cp -a --reflink=never of the primary's datadir from the disk, same CSI storage)", copyRates, "MiB/s"))
	sec.Figure(med("snapshot_reflink_copy_seconds", "cp -a --reflink=always of the primary's datadir (btrfs shares the blocks)",
		secs(func(r snapshotSeedRun) time.Duration { return r.reflink }), "s"))
	ratios := ratioOf(rates, copyRates)
	f := med("snapshot_seeding_ratio", "Seeding from a snapshot / local copy (cp -a from the disk)", ratios, "ratio")
	f.Target, f.Op, f.Goal = "≥ 0.8", ">=", 0.8
	f.Note = fmt.Sprintf("%d of this run's %d seeds at ≥ 0.8 (%.2f–%.2f)", countAtLeast(ratios, 0.8), len(ratios), lo(ratios), hi(ratios))
	sec.Figure(f)
	sec.Series(results.Series{Name: "provisioning-snapshot-seeding", Title: "Seeding a replica from a snapshot vs a local copy (median)",
		Kind: "bar", YLabel: "MiB/s", Groups: []results.Group{
			{Label: "seed from snapshot", Values: []float64{round3(median(rates))}},
			{Label: "cp, disk", Values: []float64{round3(median(copyRates))}},
		}})
	sec.Note(fmt.Sprintf("Seeding from snapshots: %d runs, each adding one replica to the same cluster on localkube's CSI storage "+
		"(StorageClass %s: btrfs subvolumes of a loop-mounted image on the same disk, snapshots read-only btrfs snapshots, a volume "+
		"restored from one a writable snapshot of it, docs/localkube.md). The seed runs from the operator's VolumeSnapshotRequested "+
		"event to init's \"adopted the copy\" log line: the snapshot, the claim restored from it, the pod scheduled and started, "+
		"and the adoption (a temporary server recovers the copy as after a crash and drops the donor's replication settings). "+
		"Its bytes are the new member's datadir. btrfs copies nothing when it snapshots (copy-on-write shares the blocks), so the "+
		"rate says how soon a new member holds a complete datadir, not how fast bytes move; cloud block storage restores "+
		"snapshots in other ways (some fetch blocks lazily on first read), so this rate is localkube's, not theirs. The local "+
		"copy is cp -a --reflink=never of the primary's datadir from the disk (its cached pages evicted first), as for the streamed seed, "+
		"on the same CSI storage: a copy of every byte. cp's default on btrfs clones by reflink instead (shared blocks, like the "+
		"snapshot): that took %.0f–%.0f ms for the whole datadir, shown as snapshot_reflink_copy_seconds; a seed from a snapshot "+
		"costs more than that because it also waits for the snapshot controller, the provisioner, the pod's start and crash "+
		"recovery.", len(rs), localkube.SnapshotClass, 1000*lo(secs(func(r snapshotSeedRun) time.Duration { return r.reflink })),
		1000*hi(secs(func(r snapshotSeedRun) time.Duration { return r.reflink }))))
}
