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
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/manager"
)

const readyTimeout = 6 * time.Minute

func k8sClient() client.Client {
	GinkgoHelper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	Expect(err).NotTo(HaveOccurred())
	c, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	return c
}

func getCluster(ctx context.Context, c client.Client, ns string) *v1alpha1.MySQLCluster {
	GinkgoHelper()
	mc := &v1alpha1.MySQLCluster{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mysql"}, mc)).To(Succeed())
	return mc
}

// waitReady waits for the Ready condition of the current generation and returns the cluster.
func waitReady(ctx context.Context, c client.Client, ns string) *v1alpha1.MySQLCluster {
	GinkgoHelper()
	kubectl(ctx, "-n", ns, "wait", "--for=condition=Ready", "mysqlcluster/mysql", fmt.Sprintf("--timeout=%s", readyTimeout))
	var mc *v1alpha1.MySQLCluster
	Eventually(func(g Gomega) {
		mc = getCluster(ctx, c, ns)
		g.Expect(mc.Status.ObservedGeneration).To(Equal(mc.Generation))
		g.Expect(meta.IsStatusConditionTrue(mc.Status.Conditions, v1alpha1.ConditionReady)).To(BeTrue())
	}).WithContext(ctx).WithTimeout(readyTimeout).Should(Succeed())
	return mc
}

func pod(ctx context.Context, c client.Client, ns, name string) *corev1.Pod {
	GinkgoHelper()
	p := &corev1.Pod{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, p)).To(Succeed())
	return p
}

// rowsVia counts the rows of app.t through host, from inside a pod.
func rowsVia(ctx context.Context, ns, from, host string) string {
	out, err := sqlIn(ctx, ns, from, host, "SELECT COUNT(*) FROM app.t")
	if err != nil {
		return "error: " + err.Error()
	}
	return out
}

var _ = Describe("the sample 3-member cluster", Ordered, func() {
	var (
		ns string
		c  client.Client
	)

	BeforeAll(func(ctx SpecContext) {
		c = k8sClient()
		ns = fmt.Sprintf("e2e-sample-%d", time.Now().Unix()%100000)
		kubectl(ctx, "create", "namespace", ns)
		DeferCleanup(func(ctx SpecContext) {
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", ns, "--wait=false")
			}
		})
		sample := strings.ReplaceAll(sampleManifest("mysql_v1alpha1_mysqlcluster.yaml"), "flavor: mariadb", "flavor: "+flavor)
		applyManifest(ctx, ns, sample)
		start := time.Now()
		waitReady(ctx, c, ns)
		AddReportEntry("time to Ready", time.Since(start).Round(time.Second).String())
	}, NodeTimeout(readyTimeout+time.Minute))

	It("created its pods in ordinal order, each with its own PVC", func(ctx SpecContext) {
		var starts []time.Time
		for i := range 3 {
			p := pod(ctx, c, ns, fmt.Sprintf("mysql-%d", i))
			starts = append(starts, p.CreationTimestamp.Time)
			vol := p.Spec.Volumes[slicesIndex(p.Spec.Volumes, "data")]
			Expect(vol.PersistentVolumeClaim.ClaimName).To(Equal(fmt.Sprintf("data-mysql-%d", i)))
			pvc := &corev1.PersistentVolumeClaim{}
			Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: vol.PersistentVolumeClaim.ClaimName}, pvc)).To(Succeed())
			Expect(pvc.Status.Phase).To(Equal(corev1.ClaimBound))
		}
		Expect(sort.SliceIsSorted(starts, func(a, b int) bool { return starts[a].Before(starts[b]) })).To(BeTrue(),
			"pods were created in ordinal order: %v", starts)
	})

	It("gives every pod every other's stable DNS name", func(ctx SpecContext) {
		for i := range 3 {
			for j := range 3 {
				host := fmt.Sprintf("mysql-%d.mysql", j)
				out := kubectl(ctx, "-n", ns, "exec", fmt.Sprintf("mysql-%d", i), "-c", "mysql", "--", "getent", "hosts", host)
				Expect(out).To(ContainSubstring(pod(ctx, c, ns, fmt.Sprintf("mysql-%d", j)).Status.PodIP), "%s from mysql-%d", host, i)
			}
		}
	})

	It("shows the primary and ready members in status and kubectl get", func(ctx SpecContext) {
		mc := getCluster(ctx, c, ns)
		Expect(mc.Status.CurrentPrimary).To(Equal("mysql-0"))
		Expect(mc.Status.ReadyMembers).To(BeEquivalentTo(3))
		out := kubectl(ctx, "-n", ns, "get", "mysqlcluster", "mysql")
		Expect(out).To(MatchRegexp(`mysql\s+True\s+mysql-0\s+3/3`))
	})

	It("replicates rows written through the primary Service to every replica's stable name", func(ctx SpecContext) {
		_, err := sqlIn(ctx, ns, "mysql-1", "mysql-primary",
			"CREATE DATABASE IF NOT EXISTS app; CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(32)); "+
				"INSERT INTO app.t (v) VALUES ('a'),('b'),('c')")
		Expect(err).NotTo(HaveOccurred())
		for _, host := range []string{"mysql-1.mysql", "mysql-2.mysql"} {
			Eventually(func() string { return rowsVia(ctx, ns, "mysql-0", host) }).
				WithContext(ctx).WithTimeout(10*time.Second).Should(Equal("3"), host)
		}
	})

	It("refuses a write on a replica, even from root", func(ctx SpecContext) {
		_, err := sqlIn(ctx, ns, "mysql-0", "mysql-1.mysql", "INSERT INTO app.t (v) VALUES ('no')")
		Expect(err).To(MatchError(ContainSubstring("read-only")))
		Expect(rowsVia(ctx, ns, "mysql-0", "mysql-1.mysql")).To(Equal("3"))
	})

	It("brings a deleted replica back with the same name and volume, and it catches up", func(ctx SpecContext) {
		before := pod(ctx, c, ns, "mysql-1")
		pvc := &corev1.PersistentVolumeClaim{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "data-mysql-1"}, pvc)).To(Succeed())
		kubectl(ctx, "-n", ns, "delete", "pod", "mysql-1", "--wait=true")
		_, err := sqlIn(ctx, ns, "mysql-0", "mysql-primary", "INSERT INTO app.t (v) VALUES ('d'),('e')")
		Expect(err).NotTo(HaveOccurred())
		waitReady(ctx, c, ns)
		after := pod(ctx, c, ns, "mysql-1")
		Expect(after.UID).NotTo(Equal(before.UID), "a new pod")
		again := &corev1.PersistentVolumeClaim{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "data-mysql-1"}, again)).To(Succeed())
		Expect(again.UID).To(Equal(pvc.UID), "the same volume")
		Eventually(func() string { return rowsVia(ctx, ns, "mysql-0", "mysql-1.mysql") }).
			WithContext(ctx).WithTimeout(30 * time.Second).Should(Equal("5"))
	})

	It("scales from 3 to 5 with seeded replicas that hold every row", func(ctx SpecContext) {
		kubectl(ctx, "-n", ns, "scale", "mysqlcluster/mysql", "--replicas=5")
		mc := waitReady(ctx, c, ns)
		Expect(mc.Status.MembersSummary).To(Equal("5/5"))
		for _, host := range []string{"mysql-3.mysql", "mysql-4.mysql"} {
			Eventually(func() string { return rowsVia(ctx, ns, "mysql-0", host) }).
				WithContext(ctx).WithTimeout(30*time.Second).Should(Equal("5"), host)
		}
	})

	It("replicates a row to every replica within a second", func(ctx SpecContext) {
		_, err := sqlIn(ctx, ns, "mysql-0", "mysql-primary", "INSERT INTO app.t (v) VALUES ('timed')")
		Expect(err).NotTo(HaveOccurred())
		start := time.Now()
		for _, host := range []string{"mysql-1.mysql", "mysql-2.mysql"} {
			Eventually(func() string { return rowsVia(ctx, ns, "mysql-0", host) }).
				WithContext(ctx).WithTimeout(5*time.Second).WithPolling(50*time.Millisecond).Should(Equal("6"), host)
		}
		AddReportEntry("replication visible on every replica after", time.Since(start).String())
	})

	It("brings a deleted primary back as primary with its data when failover is disabled", func(ctx SpecContext) {
		kubectl(ctx, "-n", ns, "patch", "mysqlcluster/mysql", "--type=merge", "-p", `{"spec":{"failover":{"enabled":false}}}`)
		waitReady(ctx, c, ns)
		old := pod(ctx, c, ns, "mysql-0")
		// Grace 0: a graceful delete of the primary's pod is planned maintenance and switches over
		// (drain-primary-node in the fault suite); this one leaves no time to.
		kubectl(ctx, "-n", ns, "delete", "pod", "mysql-0", "--grace-period=0", "--force", "--wait=true")
		// The cluster is Ready again once a new mysql-0 runs, and it answers writable behind the
		// primary Service.
		Eventually(func(g Gomega) {
			p := &corev1.Pod{}
			g.Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mysql-0"}, p)).To(Succeed())
			g.Expect(p.UID).NotTo(Equal(old.UID))
			g.Expect(sqlIn(ctx, ns, "mysql-1", "mysql-primary", "SELECT CONCAT(@@hostname, ' ', @@read_only)")).
				To(MatchRegexp(`^mysql-0 (0|OFF)$`))
		}).WithContext(ctx).WithTimeout(readyTimeout).Should(Succeed())
		mc := waitReady(ctx, c, ns)
		Expect(mc.Status.CurrentPrimary).To(Equal("mysql-0"))
		Expect(rowsVia(ctx, ns, "mysql-1", "mysql-primary")).To(Equal("6"))
		_, err := sqlIn(ctx, ns, "mysql-1", "mysql-primary", "INSERT INTO app.t (v) VALUES ('after')")
		Expect(err).NotTo(HaveOccurred(), "the primary is writable again")
	})

	It("switches over to the member named by the switchover-to annotation", func(ctx SpecContext) {
		kubectl(ctx, "-n", ns, "annotate", "mysqlcluster/mysql", v1alpha1.AnnotationSwitchoverTo+"=mysql-2")
		Eventually(func(g Gomega) {
			g.Expect(getCluster(ctx, c, ns).Status.CurrentPrimary).To(Equal("mysql-2"))
			g.Expect(sqlIn(ctx, ns, "mysql-0", "mysql-primary", "SELECT @@hostname")).To(Equal("mysql-2"))
		}).WithContext(ctx).WithTimeout(2 * time.Minute).Should(Succeed())
		_, err := sqlIn(ctx, ns, "mysql-0", "mysql-primary", "INSERT INTO app.t (v) VALUES ('switched')")
		Expect(err).NotTo(HaveOccurred())
		// The old primary follows the new one, fenced, with every row.
		Eventually(func() string { return rowsVia(ctx, ns, "mysql-0", "localhost") }).
			WithContext(ctx).WithTimeout(30 * time.Second).Should(Equal("8"))
		_, err = sqlIn(ctx, ns, "mysql-0", "localhost", "INSERT INTO app.t (v) VALUES ('no')")
		Expect(err).To(MatchError(ContainSubstring("read-only")))
		waitReady(ctx, c, ns)
	})

	It("applies a live setting to every member under writes, restarting none", func(ctx SpecContext) {
		before := podIdentities(ctx, c, ns)
		password, primary := clusterAccess(ctx, c, ns)
		w := startWriter(ctx, primary, password, 50*time.Millisecond)
		time.Sleep(time.Second)
		kubectl(ctx, "-n", ns, "patch", "mysqlcluster/mysql", "--type=merge", "-p", `{"spec":{"config":{"max_connections":"321"}}}`)
		start := time.Now()
		Eventually(func(g Gomega) {
			for i := range 5 {
				host := fmt.Sprintf("mysql-%d.mysql", i)
				g.Expect(sqlIn(ctx, ns, "mysql-0", host, "SELECT @@GLOBAL.max_connections")).To(Equal("321"), host)
			}
		}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
		AddReportEntry("live setting on 5 members", time.Since(start).Round(100*time.Millisecond).String())
		Consistently(func(g Gomega) {
			g.Expect(podIdentities(ctx, c, ns)).To(Equal(before), "no member restarted")
			g.Expect(getCluster(ctx, c, ns).Status.Config).To(BeNil(), "nothing pending a restart")
		}).WithContext(ctx).WithTimeout(10 * time.Second).WithPolling(time.Second).Should(Succeed())
		acks := w.halt()
		Expect(len(acks)).To(BeNumerically(">", 100), "writes went on")
		expectAcked(ctx, c, ns, password, acks)
		Expect(kubectl(ctx, "-n", ns, "get", "configmap", "mysql-config", "-o", "jsonpath={.data.my\\.cnf}")).
			To(ContainSubstring("max_connections=321"), "persisted for the next start")
		Expect(kubectl(ctx, "-n", ns, "get", "events", "--field-selector", "reason=ConfigAppliedLive", "-o", "name")).NotTo(BeEmpty())
	})

	It("rolls a restart-only setting out one member at a time under writes, keeping every acknowledged row", func(ctx SpecContext) {
		before := podIdentities(ctx, c, ns)
		password, primary := clusterAccess(ctx, c, ns)
		// A fresh table: the writer numbers its rows from 1, and the previous spec's rows would
		// turn every insert into a duplicate key.
		db := rootDB(primary, password)
		_, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS app.w")
		Expect(err).NotTo(HaveOccurred())
		Expect(db.Close()).To(Succeed())
		w := startWriter(ctx, primary, password, 50*time.Millisecond)
		kubectl(ctx, "-n", ns, "patch", "mysqlcluster/mysql", "--type=merge", "-p", `{"spec":{"config":{"max_connections":"321","back_log":"91"}}}`)
		Eventually(func(g Gomega) {
			cfg := getCluster(ctx, c, ns).Status.Config
			g.Expect(cfg).NotTo(BeNil())
			g.Expect(cfg.PendingRestart).To(Equal([]string{"back_log"}), "status names the setting waiting for restarts")
			g.Expect(cfg.MembersPendingRestart).NotTo(BeEmpty())
		}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
		Eventually(func(g Gomega) {
			after := podIdentities(ctx, c, ns)
			for name, id := range before {
				g.Expect(after[name]).NotTo(Equal(id), "%s was restarted", name)
			}
		}).WithContext(ctx).WithTimeout(8 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
		mc := waitReady(ctx, c, ns)
		Expect(mc.Status.Config).To(BeNil(), "nothing pending once every member restarted")
		acks := w.halt()
		Expect(len(acks)).To(BeNumerically(">", 100), "writes went on through the roll")
		expectAcked(ctx, c, ns, password, acks)
		for i := range 5 {
			host := fmt.Sprintf("mysql-%d.mysql", i)
			Expect(sqlIn(ctx, ns, "mysql-0", host, "SELECT @@GLOBAL.back_log")).To(Equal("91"), host)
			Expect(sqlIn(ctx, ns, "mysql-0", host, "SELECT @@GLOBAL.max_connections")).To(Equal("321"), host)
			Expect(rowsVia(ctx, ns, "mysql-0", host)).To(Equal("8"), host)
		}
		_, err = sqlIn(ctx, ns, "mysql-0", "mysql-primary", "INSERT INTO app.t (v) VALUES ('rolled')")
		Expect(err).NotTo(HaveOccurred(), "primary %s is writable", mc.Status.CurrentPrimary)
	})
})

// podIdentities maps each member pod to its UID and restart counts: equal maps mean no member
// was re-created or restarted.
func podIdentities(ctx context.Context, c client.Client, ns string) map[string]string {
	GinkgoHelper()
	pods, err := memberPods(ctx, c, ns)
	Expect(err).NotTo(HaveOccurred())
	out := map[string]string{}
	for _, p := range pods {
		id := string(p.UID)
		for _, s := range p.Status.ContainerStatuses {
			id += fmt.Sprintf(" %s:%d", s.Name, s.RestartCount)
		}
		out[p.Name] = id
	}
	return out
}

// expectAcked checks that every acknowledged write of a writer is on every member.
func expectAcked(ctx SpecContext, c client.Client, ns, password string, acks []ack) {
	GinkgoHelper()
	pods, err := memberPods(ctx, c, ns)
	Expect(err).NotTo(HaveOccurred())
	for _, p := range pods {
		Eventually(func(g Gomega) {
			ids := rowsOf(ctx, c, ns, p.Name, password)
			for _, a := range acks {
				g.Expect(ids).To(HaveKey(a.id), "acknowledged write %d on %s", a.id, p.Name)
			}
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Succeed())
	}
	AddReportEntry("acknowledged writes checked on every member", len(acks))
}

func applyManifest(ctx context.Context, ns, manifest string) {
	GinkgoHelper()
	path := GinkgoT().TempDir() + "/m.yaml"
	Expect(writeFile(path, manifest)).To(Succeed())
	kubectl(ctx, "-n", ns, "apply", "-f", path)
}

func slicesIndex(vs []corev1.Volume, name string) int {
	for i, v := range vs {
		if v.Name == name {
			return i
		}
	}
	Fail("no volume " + name)
	return -1
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }
