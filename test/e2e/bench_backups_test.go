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
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/objstore/s3test"
	"github.com/ordinal-dev/ordinal/test/bench/results"
	"github.com/ordinal-dev/ordinal/test/workload"
)

const (
	// benchLoadStatements × benchLoadRows rows of 8 KiB (hex of random bytes: about 2:1 under
	// gzip, like much real data) make about 1 GiB.
	benchLoadStatements = 128
	benchLoadRows       = 1000
	benchLoadTimeout    = 20 * time.Minute
	// benchRPOSampling is how long the archive's recovery point is sampled, once a second.
	benchRPOSampling = 90 * time.Second
	// benchBackupMember is the member backups are taken from: the highest ordinal serving replica.
	benchBackupMember = "mysql-2"
)

var _ = Describe("bench: backups", Ordered, func() {
	var (
		ns, prefix string
		c          client.Client
		s3         *s3test.Server
		sec        *benchSection
		dataBytes  int64 // the backed-up member's datadir without binary and relay logs
		copyRates  []float64
	)
	runs := envInt("E2E_BACKUP_RUNS", 3)

	BeforeAll(func(ctx SpecContext) {
		if flavor != "mariadb" || cluster == nil {
			Skip("the backup bench needs localkube (the datadir on the host) and MariaDB (store backups)")
		}
		c = k8sClient()
		sec = newBenchSection("backups", "Backups and restores")
		GinkgoWriter.Printf("bench: backups: load ~1 GiB, %d backups, %d restores, %s of archive sampling: estimated %s\n",
			runs, runs, benchRPOSampling, (6*time.Minute + time.Duration(runs)*3*time.Minute).Round(time.Minute))
		s3 = startS3(ctx)
		ns = faultNamespace("bench-backups")
		prefix = ns + "/mysql"
		benchStoreNamespace(ctx, s3, ns)
		applyManifest(ctx, ns, docBlock("cluster-with-backups", docEndpoint, s3.Endpoint, "size: 1Gi", "size: 8Gi"))
		waitReady(ctx, c, ns)
	}, NodeTimeout(readyTimeout+2*time.Minute))

	It("loads about 1 GiB and archives it", func(ctx SpecContext) {
		password, primary := clusterAccess(ctx, c, ns)
		start := time.Now()
		loaded := loadBulk(ctx, primary, password)
		sec.Note(fmt.Sprintf("Loaded %d MiB of row data (%d rows of 8 KiB) through the primary Service in %s (semiSync, 3 members).",
			loaded>>20, benchLoadStatements*benchLoadRows, time.Since(start).Round(time.Second)))
		waitSameRows(ctx, c, ns, password, benchLoadStatements*benchLoadRows)
		// The archive uploads the load's binary logs: wait, so it does not share the disk with what follows.
		caught := time.Now()
		archivedPastBench(ctx, c, ns, time.Now())
		sec.Note(fmt.Sprintf("The archive caught up with the load's binary logs %s after every member held every row.",
			time.Since(caught).Round(time.Second)))
		dataBytes = datadirBytes(ctx, c, ns, benchBackupMember, false)
		sec.Figure(results.Figure{Name: "datadir_gib", Label: "Data directory backed up (without binary logs)",
			Value: round3(float64(dataBytes) / (1 << 30)), Unit: "GiB", Samples: 1})
		sec.Note(fmt.Sprintf("The datadir is %.1f GiB for %d MiB of rows: InnoDB stores each 8 KiB value off the row, in "+
			"pages of its own. Rates below are of the datadir's bytes (binary and relay logs excluded; cp -a copies them too "+
			"and its rate counts them).", float64(dataBytes)/(1<<30), loaded>>20))
	}, NodeTimeout(benchLoadTimeout+15*time.Minute))

	It("measures the recovery point of binlog archiving under steady writes", func(ctx SpecContext) {
		password, primary := clusterAccess(ctx, c, ns)
		w := startWriter(ctx, primary, password, 100*time.Millisecond)
		lags, at := sampleRPO(ctx, s3, prefix, w, benchRPOSampling)
		w.halt()
		Expect(lags).NotTo(BeEmpty(), "no write acknowledged while sampling")
		sec.Figure(pctFigure("archive_rpo_p50_seconds", "Recovery point of binlog archiving (archiveInterval 5 s), p50", lags, 50, "s"))
		sec.Figure(pctFigure("archive_rpo_max_seconds", "Recovery point of binlog archiving (archiveInterval 5 s), max", lags, 100, "s"))
		sec.Series(results.Series{Name: "backups-rpo", Title: "Acknowledged writes not yet in the store (10 writes/s)",
			Kind: "line", XLabel: "seconds", YLabel: "seconds behind the last acknowledged write",
			Groups: []results.Group{{Label: "archive lag", X: at, Values: lags}}})
		sec.Note(fmt.Sprintf("Recovery point: every second, how long the oldest acknowledged write not yet in the store "+
			"(past the last commit of the newest archived binary log's manifest) had waited: the writes a loss of the whole "+
			"cluster would take then. archiveInterval (5 s) rotates the binary log; its upload comes on top: max %.1f s.",
			results.Percentile(lags, 100)))
	}, NodeTimeout(benchRPOSampling+3*time.Minute))

	It("backs up against a plain local copy of the same datadir", func(ctx SpecContext) {
		var rates, ratios, sizes []float64
		for run := 1; run <= runs; run++ {
			cp := copyDatadir(ctx, c, ns, benchBackupMember)
			copyRates = append(copyRates, cp)
			name := fmt.Sprintf("bench-%d", run)
			took, size := timedBackup(ctx, c, ns, name)
			rate := float64(dataBytes) / took.Seconds()
			rates, ratios = append(rates, rate/(1<<20)), append(ratios, rate/cp)
			sizes = append(sizes, float64(size)/float64(dataBytes))
			GinkgoWriter.Printf("bench: backup %s: %s, %.0f MiB/s (cp -a %.0f MiB/s), stored %d bytes\n",
				name, took, rate/(1<<20), cp/(1<<20), size)
		}
		sec.Series(results.Series{Name: "backups-rates", Title: "Backup and cp -a of the same datadir", Kind: "box", YLabel: "MiB/s",
			Groups: []results.Group{{Label: "cp -a", Values: mibs(copyRates)}, {Label: "backup", Values: rates}}})
		sec.Figure(pctFigure("copy_rate_mib_s", "cp -a of the datadir from the disk (its pages evicted first), same disk, p50", mibs(copyRates), 50, "MiB/s"))
		sec.Figure(pctFigure("backup_rate_mib_s", "Backup throughput (datadir bytes / status duration), p50", rates, 50, "MiB/s"))
		sec.Figure(pctFigure("backup_vs_copy_ratio", "Backup throughput as a ratio to cp -a, p50", ratios, 50, "ratio"))
		sec.Figure(pctFigure("backup_stored_ratio", "Stored (compressed) size as a ratio to the datadir, p50", sizes, 50, "ratio"))
	}, NodeTimeout(time.Duration(runs)*20*time.Minute))

	It("restores a new cluster from the backup against a plain local copy", func(ctx SpecContext) {
		var secs, ratios []float64
		for run := 1; run <= runs; run++ {
			took := timedRestore(ctx, c, s3, prefix, fmt.Sprintf("bench-%d", run))
			secs = append(secs, took.Seconds())
			rate := float64(dataBytes) / took.Seconds()
			ratios = append(ratios, rate/median(copyRates))
			GinkgoWriter.Printf("bench: restore of bench-%d: %s to Ready\n", run, took.Round(100*time.Millisecond))
		}
		sec.Figure(pctFigure("restore_seconds", "Restore of the backup to a Ready 1-member cluster, p50", secs, 50, "s"))
		sec.Figure(pctFigure("restore_vs_copy_ratio", "Restore throughput (datadir bytes / time to Ready) as a ratio to cp -a, p50",
			ratios, 50, "ratio"))
		sec.Note("Restore: kubectl apply of a 1-member cluster with spec.restore.backup to Ready (fetch, decompress, prepare, start).")
	}, NodeTimeout(time.Duration(runs)*20*time.Minute))

	AfterAll(func() {
		if sec == nil {
			return
		}
		sec.Write()
	})
})

// benchStoreNamespace creates ns with the store's Secret (as docs/backups.md), deleted when the
// spec ends unless E2E_KEEP.
func benchStoreNamespace(ctx context.Context, s3 *s3test.Server, ns string) {
	GinkgoHelper()
	kubectl(ctx, "create", "namespace", ns)
	DeferCleanup(func(ctx SpecContext) {
		if os.Getenv("E2E_KEEP") == "" {
			_, _ = kubectlOut(ctx, "delete", "namespace", ns, "--wait=false", "--ignore-not-found")
		}
	})
	applyManifest(ctx, ns, docBlock("store-secret", docAccess, s3.AccessKey, docSecret, s3.SecretKey))
}

// timedBackup takes an on-demand backup, waits for it to succeed and be verified (verification
// restores it in a Job: it must not share the machine with the next measurement), and returns its
// duration from status and its stored size.
func timedBackup(ctx context.Context, c client.Client, ns, name string) (time.Duration, int64) {
	GinkgoHelper()
	applyManifest(ctx, ns, docBlock("on-demand-backup", "before-upgrade", name))
	var b *v1alpha1.MySQLBackup
	Eventually(func(g Gomega) {
		b = backupOf(ctx, c, ns, name)
		g.Expect(b.Status.Phase).NotTo(Equal(v1alpha1.BackupFailed), describeBackup(b))
		g.Expect(b.Status.Verification).NotTo(BeNil(), describeBackup(b))
		g.Expect(b.Status.Verification.Phase).To(Equal(v1alpha1.VerificationVerified), describeBackup(b))
	}).WithContext(ctx).WithTimeout(15 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
	took, err := time.ParseDuration(b.Status.Duration)
	Expect(err).NotTo(HaveOccurred(), describeBackup(b))
	return took, b.Status.Size
}

func mibs(rates []float64) []float64 {
	out := make([]float64, len(rates))
	for i, r := range rates {
		out[i] = r / (1 << 20)
	}
	return out
}

// loadBulk inserts benchLoadStatements statements of benchLoadRows 8 KiB rows into bench.bulk
// through addr (bounded in count and by benchLoadTimeout) and returns the row bytes written.
func loadBulk(ctx context.Context, addr, password string) int64 {
	GinkgoHelper()
	db, err := sql.Open("mysql", workload.DSN("root", password, addr, "", 5*time.Second, 2*time.Minute))
	Expect(err).NotTo(HaveOccurred())
	defer db.Close()
	for _, s := range []string{"CREATE DATABASE IF NOT EXISTS bench",
		"CREATE TABLE IF NOT EXISTS bench.bulk (id BIGINT AUTO_INCREMENT PRIMARY KEY, b LONGBLOB NOT NULL)"} {
		_, err := db.ExecContext(ctx, s)
		Expect(err).NotTo(HaveOccurred(), s)
	}
	hex := "HEX(RANDOM_BYTES(1024))"
	insert := fmt.Sprintf("INSERT INTO bench.bulk (b) SELECT CONCAT(%s, %s, %s, %s) FROM "+
		"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %d) SELECT n FROM s) x",
		hex, hex, hex, hex, benchLoadRows)
	deadline := time.Now().Add(benchLoadTimeout)
	for i := range benchLoadStatements {
		Expect(time.Now().Before(deadline)).To(BeTrue(), "the load took longer than %s (%d statements done)", benchLoadTimeout, i)
		_, err := db.ExecContext(ctx, insert)
		Expect(err).NotTo(HaveOccurred(), "statement %d of the load", i+1)
	}
	return benchLoadStatements * benchLoadRows * 8192
}

// waitSameRows waits (bounded) until every member holds rows rows in bench.bulk.
func waitSameRows(ctx context.Context, c client.Client, ns, password string, rows int) {
	GinkgoHelper()
	for i := range 3 {
		member := fmt.Sprintf("mysql-%d", i)
		Eventually(func() (int, error) {
			db, err := sql.Open("mysql", workload.DSN("root", password, pod(ctx, c, ns, member).Status.PodIP+":"+mysqlPort,
				"", 2*time.Second, 30*time.Second))
			if err != nil {
				return 0, err
			}
			defer db.Close()
			var n int
			err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM bench.bulk").Scan(&n)
			return n, err
		}).WithContext(ctx).WithTimeout(10*time.Minute).WithPolling(2*time.Second).Should(Equal(rows), "rows on %s", member)
	}
}

// archivedPastBench waits (bounded: a GiB of binary logs to upload) until status says the
// archive holds every transaction committed before t.
func archivedPastBench(ctx context.Context, c client.Client, ns string, t time.Time) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		s := getCluster(ctx, c, ns).Status.Backup
		g.Expect(s).NotTo(BeNil())
		g.Expect(s.Archive).NotTo(BeNil())
		g.Expect(s.Archive.LastTime).NotTo(BeNil(), "archive %+v", s.Archive)
		g.Expect(s.Archive.LastTime.Time).To(BeTemporally(">", t), "archive %+v", s.Archive)
	}).WithContext(ctx).WithTimeout(10 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
}

// hostDatadir is a member's data volume as a directory of this machine (localkube's hostpath
// provisioner keeps it under the state directory).
func hostDatadir(ctx context.Context, c client.Client, ns, member string) string {
	GinkgoHelper()
	p := pod(ctx, c, ns, member)
	claim := ""
	for _, v := range p.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	Expect(claim).NotTo(BeEmpty(), "%s has a volume claim", member)
	dir := pvHostPath(ctx, c, ns, claim)
	Expect(dir).To(BeADirectory())
	return dir
}

func localkubeDir() string {
	if o := cluster.Options(); o.Dir != "" {
		return o.Dir
	}
	return filepath.Join(repo, ".localkube")
}

// datadirBytes sums a member's datadir, without binary and relay logs unless withLogs.
func datadirBytes(ctx context.Context, c client.Client, ns, member string, withLogs bool) int64 {
	GinkgoHelper()
	return treeBytes(hostDatadir(ctx, c, ns, member), withLogs)
}

func treeBytes(dir string, withLogs bool) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		name := d.Name()
		if !withLogs && (strings.HasPrefix(name, "binlog.") || strings.Contains(name, "relay")) {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// copyDatadir times `cp -a` of a member's whole datadir to the same disk, its pages evicted from
// the page cache first (mariadb-backup reads the data files with O_DIRECT, from the disk), and
// returns its rate in bytes per second; the copy is removed, and the disk given time to settle
// (see settle). The member runs meanwhile: a relay log it purges while
// cp walks the directory fails the copy ("cannot stat"), which is then taken again, at most
// copyTries times (the rate is the successful copy's).
func copyDatadir(ctx context.Context, c client.Client, ns, member string) float64 {
	GinkgoHelper()
	src := hostDatadir(ctx, c, ns, member)
	dst := filepath.Join(localkubeDir(), "volumes", "bench-copy-"+ns)
	defer settle(ctx)
	defer os.RemoveAll(dst)
	var out []byte
	var err error
	for try := 1; try <= copyTries; try++ {
		Expect(os.RemoveAll(dst)).To(Succeed())
		Expect(evictPageCache(src)).To(Succeed())
		cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		start := time.Now()
		out, err = exec.CommandContext(cctx, "cp", "-a", src, dst).CombinedOutput()
		took := time.Since(start)
		cancel()
		if err == nil {
			return float64(treeBytes(dst, true)) / took.Seconds()
		}
		if !strings.Contains(string(out), "No such file or directory") {
			break
		}
		GinkgoWriter.Printf("bench: backups: cp -a try %d: a file went away during the copy, copying again: %s\n", try, out)
	}
	Fail(fmt.Sprintf("cp -a %s %s: %v: %s", src, dst, err, out))
	return 0
}

// copyTries bounds the copies of a running member's datadir (see copyDatadir).
const copyTries = 3

// sampleRPO samples, once a second for d, how long the oldest acknowledged write not yet in the
// store has waited (0 when every acknowledged write is archived); at is seconds since the start.
func sampleRPO(ctx context.Context, s3 *s3test.Server, prefix string, w *writer, d time.Duration) (lags, at []float64) {
	start := time.Now()
	for time.Since(start) < d && ctx.Err() == nil {
		sleepCtx(ctx, time.Second)
		archived, ok := newestArchived(s3, prefix)
		acks := w.acked()
		if !ok || len(acks) == 0 {
			continue
		}
		now := time.Now()
		lag := time.Duration(0)
		for _, a := range acks {
			if a.at.After(archived) {
				lag = now.Sub(a.at)
				break
			}
		}
		lags, at = append(lags, round3(lag.Seconds())), append(at, round3(now.Sub(start).Seconds()))
	}
	return lags, at
}

// newestArchived is the latest commit time the store holds: the greatest LastTime of the
// archived binary logs' manifests (the store is versitygw's directory on this machine).
func newestArchived(s3 *s3test.Server, prefix string) (time.Time, bool) {
	dir := filepath.Join(s3.Dir, s3Bucket, prefix, backup.BinlogDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return time.Time{}, false
	}
	var newest time.Time
	for _, e := range entries {
		if !backup.IsBinlogManifestKey(backup.BinlogDir + e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		var f backup.BinlogFile
		if err != nil || json.Unmarshal(b, &f) != nil {
			continue // being written
		}
		if f.LastTime.After(newest) {
			newest = f.LastTime
		}
	}
	return newest, !newest.IsZero()
}

// timedRestore applies a 1-member cluster restoring the named backup in a new namespace, waits
// (bounded) for Ready and returns how long that took; the namespace is deleted afterwards.
func timedRestore(ctx context.Context, c client.Client, s3 *s3test.Server, prefix, name string) time.Duration {
	GinkgoHelper()
	rns := faultNamespace("bench-restore")
	benchStoreNamespace(ctx, s3, rns)
	manifest := docBlock("restore-latest", docEndpoint, s3.Endpoint, docPrefix, prefix, "replicas: 3", "replicas: 1",
		"size: 1Gi", "size: 8Gi", "    pointInTime:\n      latest: true\n", "    backup: "+name+"\n")
	start := time.Now()
	applyManifest(ctx, rns, manifest)
	Eventually(func() string { _, why := clusterReady(ctx, c, rns); return why }).
		WithContext(ctx).WithTimeout(15*time.Minute).WithPolling(500*time.Millisecond).Should(BeEmpty(), "restored cluster in %s Ready", rns)
	took := time.Since(start)
	_, _ = kubectlOut(ctx, "delete", "namespace", rns, "--wait=false")
	return took
}
