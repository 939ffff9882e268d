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
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/objstore/s3test"
	"github.com/ordinal-dev/ordinal/test/workload"
)

// The placeholders of docs/backups.md the suite replaces.
const (
	docEndpoint = "https://s3.eu-west-1.amazonaws.com"
	docAccess   = "AKIAEXAMPLE"
	docSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	docPrefix   = "production/mysql"
	docTime     = "2026-12-01T09:30:00Z"
)

var _ = Describe("backups to S3, as docs/backups.md sets them up", Ordered, func() {
	var (
		ns, prefix string
		c          client.Client
		s3         *s3test.Server
		w          *writer
	)

	// inNamespace creates a namespace holding the store's Secret from the docs.
	inNamespace := func(ctx SpecContext, name string) {
		kubectl(ctx, "create", "namespace", name)
		DeferCleanup(func(ctx SpecContext) {
			if CurrentSpecReport().Failed() {
				AddReportEntry("cluster in "+name, restoreDiagnostics(ctx, name))
			}
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", name, "--wait=false")
			}
		})
		applyManifest(ctx, name, docBlock("store-secret", docAccess, s3.AccessKey, docSecret, s3.SecretKey))
	}

	BeforeAll(func(ctx SpecContext) {
		if flavor != "mariadb" {
			Skip("physical store backups are MariaDB-only in this build (docs/backups.md)")
		}
		c = k8sClient()
		s3 = startS3(ctx)
		ns = faultNamespace("backup")
		prefix = ns + "/mysql"
		inNamespace(ctx, ns)
		applyManifest(ctx, ns, docBlock("cluster-with-backups", docEndpoint, s3.Endpoint,
			`"0 3 * * *"`, `"* * * * *"`, "keepLast: 7", "keepLast: 2", "archiveInterval: 5s", "archiveInterval: 2s"))
		waitReady(ctx, c, ns)
		password, primary := clusterAccess(ctx, c, ns)
		w = startWriter(ctx, primary, password, 100*time.Millisecond)
	}, NodeTimeout(readyTimeout+time.Minute))

	It("takes scheduled backups under writes, verifies each, and keeps what retention says", func(ctx SpecContext) {
		var verified []string
		Eventually(func(g Gomega) {
			verified = nil
			for _, b := range scheduledBackups(g, c, ns) {
				g.Expect(b.Status.Phase).NotTo(Equal(v1alpha1.BackupFailed), describeBackup(&b))
				if v := b.Status.Verification; v != nil {
					g.Expect(v.Phase).NotTo(Equal(v1alpha1.VerificationFailed), describeBackup(&b))
					if v.Phase == v1alpha1.VerificationVerified {
						verified = append(verified, b.Name)
					}
				}
			}
			g.Expect(len(verified)).To(BeNumerically(">=", 3), "verified scheduled backups")
		}).WithContext(ctx).WithTimeout(5 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
		AddReportEntry("verified scheduled backups", strings.Join(verified, ", "))
		// Retention keeps the newest two succeeded ones, objects and resources alike.
		Eventually(func(g Gomega) {
			store := objectsUnder(g, s3, prefix, backup.BaseDir)
			var kept []string
			for _, b := range scheduledBackups(g, c, ns) {
				if b.Status.Phase == v1alpha1.BackupSucceeded {
					kept = append(kept, b.Name)
					g.Expect(store).To(ContainElement(backup.ManifestKey(b.Name)), "kept backup %s is in the store", b.Name)
				}
			}
			g.Expect(len(kept)).To(BeNumerically("<=", 2), "succeeded backups kept: %v", kept)
			for _, name := range verified[:len(verified)-2] {
				g.Expect(store).NotTo(ContainElement(backup.ManifestKey(name)), "expired backup %s is gone from the store", name)
			}
		}).WithContext(ctx).WithTimeout(90 * time.Second).WithPolling(2 * time.Second).Should(Succeed())
	}, SpecTimeout(8*time.Minute))

	It("fails a backup and says why when the store refuses the credentials", func(ctx SpecContext) {
		kubectl(ctx, "-n", ns, "patch", "secret", "s3-credentials", "--type=merge", "-p", `{"stringData":{"secretAccessKey":"wrong"}}`)
		DeferCleanup(func(ctx SpecContext) {
			kubectl(ctx, "-n", ns, "patch", "secret", "s3-credentials", "--type=merge", "-p",
				fmt.Sprintf(`{"stringData":{"secretAccessKey":%q}}`, s3.SecretKey))
		})
		applyManifest(ctx, ns, docBlock("on-demand-backup", "before-upgrade", "wrong-key"))
		Eventually(func(g Gomega) {
			b := backupOf(ctx, c, ns, "wrong-key")
			g.Expect(b.Status.Phase).To(Equal(v1alpha1.BackupFailed), describeBackup(b))
			g.Expect(b.Status.Error).To(ContainSubstring("credentials were refused"))
			g.Expect(meta.IsStatusConditionTrue(b.Status.Conditions, v1alpha1.ConditionStalled)).To(BeTrue())
		}).WithContext(ctx).WithTimeout(time.Minute).Should(Succeed())
		Eventually(func() string { return conditionOf(getCluster(ctx, c, ns), v1alpha1.ConditionBackupsReady) }).
			WithContext(ctx).WithTimeout(30 * time.Second).Should(HavePrefix("False ArchiveFailed"))
	}, SpecTimeout(3*time.Minute))

	It("takes an on-demand backup, fails over in the middle of archiving, and restores a point in time after the failover", func(ctx SpecContext) {
		applyManifest(ctx, ns, docBlock("on-demand-backup"))
		Eventually(func(g Gomega) {
			b := backupOf(ctx, c, ns, "before-upgrade")
			g.Expect(b.Status.Verification).NotTo(BeNil(), describeBackup(b))
			g.Expect(b.Status.Verification.Phase).To(Equal(v1alpha1.VerificationVerified), describeBackup(b))
		}).WithContext(ctx).WithTimeout(3 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
		b := backupOf(ctx, c, ns, "before-upgrade")
		from, to := b.Status.StartTime.Time, b.Status.CompletionTime.Time.Add(time.Second)
		p50, p99, n := latencies(w.acked(), from, to)
		q50, q99, m := latencies(w.acked(), from.Add(-30*time.Second), from)
		AddReportEntry("primary write latency during the backup", fmt.Sprintf("p50 %v p99 %v over %d writes (the 30 s before: p50 %v p99 %v over %d)",
			p50, p99, n, q50, q99, m))
		Expect(p99).To(BeNumerically("<", time.Second), "writes on the primary while a replica is backed up")
		failOver(ctx, c, ns)
		time.Sleep(3 * time.Second)       // writes on the new primary, archived by it
		since := w.pause(3 * time.Second) // nothing commits in [since, since+3s)
		target := since.Add(1500 * time.Millisecond).UTC().Truncate(time.Second)
		time.Sleep(3 * time.Second)
		acks := w.acked()
		archivedPast(ctx, c, ns, target.Add(time.Second))
		rns := ns + "-pitr"
		inNamespace(ctx, rns)
		start := time.Now()
		applyManifest(ctx, rns, docBlock("restore-point-in-time", docEndpoint, s3.Endpoint, docPrefix, prefix,
			docTime, target.Format(time.RFC3339)))
		waitReady(ctx, c, rns)
		AddReportEntry("point-in-time restore to Ready (1 member)", time.Since(start).Round(time.Second).String())
		rpw, _ := clusterAccess(ctx, c, rns)
		ids := rowsOf(ctx, c, rns, "mysql-0", rpw)
		var missing, extra []int64
		for _, a := range acks {
			switch {
			case a.at.Before(since) && !ids[a.id]:
				missing = append(missing, a.id)
			case a.at.After(since.Add(3*time.Second)) && ids[a.id]:
				extra = append(extra, a.id)
			}
		}
		Expect(missing).To(BeEmpty(), "writes acknowledged before %s missing from the restore to %s (%d acknowledged in all)", since, target, len(acks))
		Expect(extra).To(BeEmpty(), "writes committed after %s present in the restore to %s", since.Add(3*time.Second), target)
	}, SpecTimeout(8*time.Minute))

	It("catches a backup corrupted in the store", func(ctx SpecContext) {
		name := "to-corrupt"
		applyManifest(ctx, ns, docBlock("on-demand-backup", "before-upgrade", name))
		Eventually(func(g Gomega) {
			b := backupOf(ctx, c, ns, name)
			g.Expect(b.Status.Verification).NotTo(BeNil(), describeBackup(b))
			g.Expect(b.Status.Verification.Phase).To(Equal(v1alpha1.VerificationVerified), describeBackup(b))
		}).WithContext(ctx).WithTimeout(3 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
		flipByte(filepath.Join(s3.Dir, s3Bucket, prefix, backup.DataKey(name)))
		// Verify it again: delete the Job and the recorded outcome.
		b := backupOf(ctx, c, ns, name)
		kubectl(ctx, "-n", ns, "delete", "job", b.Status.Verification.Job, "--wait=true")
		b.Status.Verification = nil
		meta.RemoveStatusCondition(&b.Status.Conditions, v1alpha1.ConditionVerified)
		Expect(c.Status().Update(ctx, b)).To(Succeed())
		Eventually(func(g Gomega) {
			b := backupOf(ctx, c, ns, name)
			g.Expect(b.Status.Verification).NotTo(BeNil())
			g.Expect(b.Status.Verification.Phase).To(Equal(v1alpha1.VerificationFailed), describeBackup(b))
			g.Expect(b.Status.Verification.Message).To(ContainSubstring("checksum"))
			g.Expect(meta.IsStatusConditionFalse(b.Status.Conditions, v1alpha1.ConditionVerified)).To(BeTrue())
		}).WithContext(ctx).WithTimeout(3 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
		// A person would now delete it; the restores below must not start from it.
		Expect(os.Remove(filepath.Join(s3.Dir, s3Bucket, prefix, backup.ManifestKey(name)))).To(Succeed())
	}, SpecTimeout(7*time.Minute))

	It("restores a new 3-member cluster to the latest write after a switchover and the loss of the whole cluster", func(ctx SpecContext) {
		old := getCluster(ctx, c, ns).Status.CurrentPrimary
		to := "mysql-1"
		if old == to {
			to = "mysql-2"
		}
		kubectl(ctx, "-n", ns, "annotate", "mysqlcluster/mysql", "--overwrite", v1alpha1.AnnotationSwitchoverTo+"="+to)
		Eventually(func() string { return getCluster(ctx, c, ns).Status.CurrentPrimary }).
			WithContext(ctx).WithTimeout(time.Minute).Should(Equal(to))
		time.Sleep(5 * time.Second) // writes on the new primary, archived by it
		// Lose the whole cluster at once, under writes: no pod gets to stop cleanly.
		lost := time.Now()
		kubectl(ctx, "-n", ns, "delete", "mysqlcluster", "mysql", "--wait=false")
		kubectl(ctx, "-n", ns, "delete", "pods", "--all", "--grace-period=0", "--force")
		time.Sleep(2 * time.Second)
		acks := w.halt()
		Expect(acks).NotTo(BeEmpty())
		rns := ns + "-latest"
		inNamespace(ctx, rns)
		start := time.Now()
		applyManifest(ctx, rns, docBlock("restore-latest", docEndpoint, s3.Endpoint, docPrefix, prefix))
		waitReady(ctx, c, rns)
		AddReportEntry("restore to latest, to Ready (3 members)", time.Since(start).Round(time.Second).String())
		rpw, _ := clusterAccess(ctx, c, rns)
		var rpo time.Duration
		for i := range 3 {
			member := fmt.Sprintf("mysql-%d", i)
			ids := rowsOf(ctx, c, rns, member, rpw)
			var lastKept time.Time
			var missing []ack
			for _, a := range acks {
				if ids[a.id] {
					lastKept = a.at
				} else {
					missing = append(missing, a)
				}
			}
			if len(missing) > 0 {
				rpo = max(rpo, acks[len(acks)-1].at.Sub(lastKept))
				// Only the end of the history may be lost: every write acknowledged more than the
				// target recovery point before the loss is there.
				Expect(missing[0].at).To(BeTemporally(">", lost.Add(-10*time.Second)),
					"%s lacks %d of %d acknowledged writes, the first acknowledged at %s (the cluster was lost at %s)",
					member, len(missing), len(acks), missing[0].at, lost)
			}
		}
		AddReportEntry("writes lost by losing the whole cluster (restore to latest)", rpo.Round(time.Millisecond).String())
	}, SpecTimeout(10*time.Minute))

})

// scheduledBackups lists the schedule's MySQLBackups in ns.
func scheduledBackups(g Gomega, c client.Client, ns string) []v1alpha1.MySQLBackup {
	list := &v1alpha1.MySQLBackupList{}
	g.Expect(c.List(context.Background(), list, client.InNamespace(ns), client.MatchingLabels{v1alpha1.LabelScheduled: "true"})).To(Succeed())
	return list.Items
}

// archivedPast waits until the cluster's archive is complete past t and returns by how much.
func archivedPast(ctx SpecContext, c client.Client, ns string, t time.Time) time.Duration {
	GinkgoHelper()
	var lag time.Duration
	Eventually(func(g Gomega) {
		s := getCluster(ctx, c, ns).Status.Backup
		g.Expect(s).NotTo(BeNil())
		g.Expect(s.Archive).NotTo(BeNil())
		g.Expect(s.Archive.LastTime).NotTo(BeNil(), "archive %+v", s.Archive)
		g.Expect(s.Archive.LastTime.Time).To(BeTemporally(">", t), "archive %+v", s.Archive)
		lag = s.Archive.LastTime.Sub(t)
	}).WithContext(ctx).WithTimeout(time.Minute).Should(Succeed())
	return lag
}

// rowsOf reads app.w's ids on a member of the cluster in ns.
func rowsOf(ctx SpecContext, c client.Client, ns, member, password string) map[int64]bool {
	GinkgoHelper()
	var ids map[int64]bool
	Eventually(func() error {
		var err error
		ids, err = workload.RowIDs(ctx, "root", password, pod(ctx, c, ns, member).Status.PodIP+":"+mysqlPort, "app")
		return err
	}).WithContext(ctx).WithTimeout(time.Minute).Should(Succeed())
	return ids
}

// objectsUnder lists the keys under a cluster's prefix and dir, relative to the prefix.
func objectsUnder(g Gomega, s3 *s3test.Server, prefix, dir string) []string {
	var out []string
	root := filepath.Join(s3.Dir, s3Bucket, prefix)
	err := filepath.Walk(filepath.Join(root, dir), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(root, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	g.Expect(err).NotTo(HaveOccurred())
	slices.Sort(out)
	return out
}

// flipByte corrupts a stored object in place, in the middle.
func flipByte(path string) {
	GinkgoHelper()
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred(), "the stored object %s", path)
	b[len(b)/2] ^= 0xff
	Expect(os.WriteFile(path, b, 0o644)).To(Succeed())
}

// failOver freezes the primary (server and agent: its archiving stops mid-way) until another
// member is promoted, then thaws it; without localkube it asks for a switchover instead.
func failOver(ctx SpecContext, c client.Client, ns string) {
	GinkgoHelper()
	old := getCluster(ctx, c, ns).Status.CurrentPrimary
	if cluster == nil {
		to := map[bool]string{true: "mysql-2", false: "mysql-1"}[old == "mysql-1"]
		kubectl(ctx, "-n", ns, "annotate", "mysqlcluster/mysql", "--overwrite", v1alpha1.AnnotationSwitchoverTo+"="+to)
	} else {
		Expect(cluster.FreezePod(ns, old)).To(Succeed())
		defer func() { Expect(cluster.ThawPod(ns, old)).To(Succeed()) }()
	}
	start := time.Now()
	Eventually(func() string { return getCluster(ctx, c, ns).Status.CurrentPrimary }).
		WithContext(ctx).WithTimeout(2 * time.Minute).ShouldNot(Equal(old))
	AddReportEntry("failover from "+old, time.Since(start).Round(time.Millisecond).String())
}

// restoreDiagnostics is what a failed restore left: the cluster's conditions, its pods, the end
// of NAME-0's init log.
func restoreDiagnostics(ctx SpecContext, ns string) string {
	var b strings.Builder
	for _, args := range [][]string{
		{"-n", ns, "get", "mysqlcluster", "mysql", "-o", "jsonpath={.status.conditions}"},
		{"-n", ns, "get", "pods", "-o", "wide"},
		{"-n", ns, "logs", "mysql-0", "-c", "init", "--tail=30"},
		{"-n", ns, "get", "pod", "mysql-0", "-o", "jsonpath={.status.initContainerStatuses[*].lastState.terminated.message}"},
		{"-n", ns, "get", "events", "--sort-by=.lastTimestamp"},
	} {
		out, err := kubectlOut(ctx, args...)
		fmt.Fprintf(&b, "$ kubectl %s\n%s%v\n", strings.Join(args, " "), out, err)
	}
	return b.String()
}
