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
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// The operator's metrics endpoint (docs/monitoring.md): HTTPS on the leader's pod IP, only for
// tokens allowed to GET /metrics. Each phase's scrapes (operator and agents) go to
// bin/e2e-metrics/<phase> with the alerts expected to fire, for test/alerts to evaluate.
var _ = Describe("operator metrics", Ordered, func() {
	var (
		ns, reader, primary, replica string
		c                            client.Client
	)

	BeforeAll(func(ctx SpecContext) {
		c = k8sClient()
		ns = fmt.Sprintf("e2e-opmetrics-%d", time.Now().Unix()%100000)
		kubectl(ctx, "create", "namespace", ns)
		kubectl(ctx, "-n", ns, "create", "serviceaccount", "scraper")
		kubectl(ctx, "-n", ns, "create", "serviceaccount", "stranger")
		kubectl(ctx, "create", "clusterrolebinding", ns+"-scraper", "--clusterrole=ordinal-metrics-reader",
			"--serviceaccount="+ns+":scraper")
		DeferCleanup(func(ctx SpecContext) {
			kubectl(ctx, "delete", "clusterrolebinding", ns+"-scraper", "--ignore-not-found")
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", ns, "--wait=false")
			}
		})
		reader = strings.TrimSpace(kubectl(ctx, "-n", ns, "create", "token", "scraper"))
		sample := strings.ReplaceAll(sampleManifest("mysql_v1alpha1_mysqlcluster.yaml"), "flavor: mariadb", "flavor: "+flavor)
		applyManifest(ctx, ns, strings.Replace(sample, "replicas: 3", "replicas: 2", 1))
		mc := waitReady(ctx, c, ns)
		primary = mc.Status.CurrentPrimary
		replica = map[string]string{"mysql-0": "mysql-1", "mysql-1": "mysql-0"}[primary]
	}, NodeTimeout(readyTimeout+time.Minute))

	It("refuses scrapes without a token allowed to GET /metrics", func(ctx SpecContext) {
		addr := operatorMetricsAddr(ctx, c)
		code, _ := scrapeOperator(addr, "")
		Expect(code).To(Equal(http.StatusUnauthorized), "no token")
		stranger := strings.TrimSpace(kubectl(ctx, "-n", ns, "create", "token", "stranger"))
		code, _ = scrapeOperator(addr, stranger)
		Expect(code).To(Equal(http.StatusForbidden), "a token not bound to metrics-reader")
		code, body := scrapeOperator(addr, reader)
		Expect(code).To(Equal(http.StatusOK), body)
	})

	It("reports the cluster's members, primary and semi-sync; no alert fires", func(ctx SpecContext) {
		sel := fmt.Sprintf(`{cluster="mysql",namespace="%s"}`, ns)
		Eventually(func(g Gomega) {
			m := operatorSeries(ctx, c, reader)
			g.Expect(m).To(HaveKeyWithValue("ordinal_cluster_members_desired"+sel, 2.0))
			g.Expect(m).To(HaveKeyWithValue("ordinal_cluster_members_ready"+sel, 2.0))
			g.Expect(m).To(HaveKeyWithValue("ordinal_cluster_members_serving"+sel, 2.0))
			g.Expect(m).To(HaveKeyWithValue(fmt.Sprintf(`ordinal_cluster_primary_info{cluster="mysql",namespace="%s",pod="%s"}`, ns, primary), 1.0))
			g.Expect(m).To(HaveKeyWithValue("ordinal_cluster_writable"+sel, 1.0))
			g.Expect(m).To(HaveKeyWithValue("ordinal_cluster_semisync_replicas"+sel, 1.0))
			g.Expect(m).To(HaveKey(fmt.Sprintf(`ordinal_member_replication_lag_seconds{cluster="mysql",namespace="%s",pod="%s"}`, ns, replica)))
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Succeed())
		savePhase(ctx, c, ns, reader, "healthy", map[string]bool{"OrdinalPrimaryLost": false, "OrdinalCannotCommit": false,
			"OrdinalReplicaLagging": false, "OrdinalErrantMember": false})
	})

	It("shows a replica whose applier stopped, and the step that restarts it", func(ctx SpecContext) {
		password, _ := clusterAccess(ctx, c, ns)
		steps := `ordinal_topology_step_duration_seconds_count{step="StartReplication"}`
		before := operatorSeries(ctx, c, reader)[steps]
		db := rootDB(net.JoinHostPort(pod(ctx, c, ns, replica).Status.PodIP, mysqlPort), password)
		defer db.Close()
		_, err := db.ExecContext(ctx, "STOP SLAVE SQL_THREAD")
		Expect(err).NotTo(HaveOccurred())
		// Scraped at once: the operator restarts a stopped applier within a pass.
		savePhase(ctx, c, ns, reader, "replica-stopped", map[string]bool{"OrdinalReplicaLagging": true, "OrdinalPrimaryLost": false})
		Eventually(func() float64 { return operatorSeries(ctx, c, reader)[steps] }).WithContext(ctx).
			WithTimeout(30*time.Second).Should(BeNumerically(">", before), "the operator's StartReplication step")
	})

	It("counts a failover when the primary is frozen, and alerts while it is lost", func(ctx SpecContext) {
		if cluster == nil {
			Skip("freezing a pod needs localkube")
		}
		sel := fmt.Sprintf(`{cluster="mysql",namespace="%s"}`, ns)
		failovers := fmt.Sprintf(`ordinal_failovers_total{cluster="mysql",namespace="%s",reason="primaryLost"}`, ns)
		Expect(cluster.FreezePod(ns, primary)).To(Succeed())
		DeferCleanup(func() { _ = cluster.ThawPod(ns, primary) })
		// The scrape that shows the primary lost is the one saved: a failover may follow within seconds
		// (a written-to primary is read every 2 s), and a second scrape would show the new primary.
		var lost string
		Eventually(func() float64 {
			code, body := scrapeOperator(operatorMetricsAddr(ctx, c), reader)
			m := parseSeries(body)
			if _, ok := m["ordinal_cluster_primary_ready"+sel]; code != http.StatusOK || !ok {
				return -1
			}
			lost = body
			return m["ordinal_cluster_primary_ready"+sel]
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Equal(0.0))
		savePhaseScraped(ctx, c, ns, "primary-lost", lost, map[string]bool{"OrdinalPrimaryLost": true})
		Eventually(func(g Gomega) {
			m := operatorSeries(ctx, c, reader)
			g.Expect(m[failovers]).To(BeNumerically(">=", 1))
			g.Expect(m).To(HaveKeyWithValue(fmt.Sprintf(`ordinal_cluster_primary_info{cluster="mysql",namespace="%s",pod="%s"}`, ns, replica), 1.0))
			g.Expect(m).NotTo(HaveKey(fmt.Sprintf(`ordinal_cluster_primary_info{cluster="mysql",namespace="%s",pod="%s"}`, ns, primary)))
			g.Expect(m).To(HaveKeyWithValue("ordinal_cluster_primary_ready"+sel, 1.0))
		}).WithContext(ctx).WithTimeout(90 * time.Second).Should(Succeed())
		// The new primary's only replica is frozen: whether it commits is what writable says, and
		// OrdinalCannotCommit must agree with it.
		writable := operatorSeries(ctx, c, reader)["ordinal_cluster_writable"+sel] == 1
		savePhase(ctx, c, ns, reader, "failed-over", map[string]bool{"OrdinalPrimaryLost": false, "OrdinalCannotCommit": !writable})
		AddReportEntry("operator metrics after the failover", fmt.Sprintf("failovers %v, writable %v",
			operatorSeries(ctx, c, reader)[failovers], writable))
	})

	It("counts a refused switchover", func(ctx SpecContext) {
		refused := fmt.Sprintf(`ordinal_switchovers_total{cluster="mysql",namespace="%s",result="refused"}`, ns)
		waitReady(ctx, c, ns) // the old primary, thawed, is back
		rule := fmt.Sprintf(`ordinal_promotions_refused_total{cluster="mysql",namespace="%s",reason="settled"}`, ns)
		kubectl(ctx, "-n", ns, "annotate", "mysqlcluster", "mysql", v1alpha1.AnnotationSwitchoverTo+"=mysql-9")
		Eventually(func(g Gomega) {
			m := operatorSeries(ctx, c, reader)
			g.Expect(m[refused]).To(BeNumerically(">=", 1))
			g.Expect(m[rule]).To(BeNumerically(">=", 1))
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Succeed())
		kubectl(ctx, "-n", ns, "annotate", "mysqlcluster", "mysql", v1alpha1.AnnotationSwitchoverTo+"-")
		waitReady(ctx, c, ns)
	})
})

// operatorMetricsAddr is the leader's metrics endpoint: only the leader reconciles, so only it
// has the clusters' series.
func operatorMetricsAddr(ctx SpecContext, c client.Client) string {
	GinkgoHelper()
	var addr string
	Eventually(func(g Gomega) {
		name, err := operatorLeader(ctx, c)
		g.Expect(err).NotTo(HaveOccurred())
		p := &corev1.Pod{}
		g.Expect(c.Get(ctx, client.ObjectKey{Namespace: "ordinal-system", Name: name}, p)).To(Succeed())
		g.Expect(p.Status.PodIP).NotTo(BeEmpty())
		addr = net.JoinHostPort(p.Status.PodIP, "8443")
	}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Succeed())
	return addr
}

// scrapeOperator GETs https://addr/metrics with token (none when empty); the certificate is the
// manager's self-signed one.
func scrapeOperator(addr, token string) (int, string) {
	GinkgoHelper()
	hc := http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed, as Prometheus' ServiceMonitor
	}}
	req, err := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
	Expect(err).NotTo(HaveOccurred())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, string(b)
}

// operatorSeries scrapes the leader and returns every series by its full text.
func operatorSeries(ctx SpecContext, c client.Client, token string) map[string]float64 {
	GinkgoHelper()
	code, body := scrapeOperator(operatorMetricsAddr(ctx, c), token)
	Expect(code).To(Equal(http.StatusOK), body)
	return parseSeries(body)
}

func parseSeries(text string) map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		i := strings.LastIndexByte(line, ' ')
		if line == "" || line[0] == '#' || i < 0 {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[i+1:], &v); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// savePhase writes what the operator and every member's agent serve now, and the alerts expected
// to fire (true) or stay quiet (false), to bin/e2e-metrics/<phase> for test/alerts. A frozen
// member's agent does not answer: like a failed Prometheus scrape, it has no file.
func savePhase(ctx SpecContext, c client.Client, ns, token, phase string, expect map[string]bool) {
	GinkgoHelper()
	code, body := scrapeOperator(operatorMetricsAddr(ctx, c), token)
	Expect(code).To(Equal(http.StatusOK), body)
	savePhaseScraped(ctx, c, ns, phase, body, expect)
}

// savePhaseScraped is savePhase with the operator's scrape already taken (operator).
func savePhaseScraped(ctx SpecContext, c client.Client, ns, phase, operator string, expect map[string]bool) {
	GinkgoHelper()
	dir := filepath.Join(repo, "bin", "e2e-metrics", phase)
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	pods := &corev1.PodList{}
	Expect(c.List(ctx, pods, client.InNamespace(ns))).To(Succeed())
	for _, p := range pods.Items {
		if p.Status.PodIP == "" || !p.DeletionTimestamp.IsZero() || metav1.HasLabel(p.ObjectMeta, "job-name") {
			continue
		}
		hc := http.Client{Timeout: 3 * time.Second}
		resp, err := hc.Get("http://" + net.JoinHostPort(p.Status.PodIP, fmt.Sprint(desired.PortMetrics)) + "/metrics")
		if err != nil {
			continue
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK {
			Expect(writeFile(filepath.Join(dir, "agent_"+p.Name+".prom"), string(b))).To(Succeed())
		}
	}
	Expect(writeFile(filepath.Join(dir, "operator.prom"), operator)).To(Succeed())
	lines := []string{"namespace " + ns}
	for alert, fire := range expect {
		lines = append(lines, alert+" "+map[bool]string{true: "firing", false: "quiet"}[fire])
	}
	Expect(writeFile(filepath.Join(dir, "expect"), strings.Join(lines, "\n")+"\n")).To(Succeed())
}
