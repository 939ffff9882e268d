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
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/internal/desired"
)

// The per-server metrics each database pod's agent serves (docs/monitoring.md): scraped from the
// test like Prometheus does, on the pod IP and the "metrics" port, without credentials.
var _ = Describe("per-server metrics", Ordered, func() {
	var (
		ns, password, primary, replica string
		c                              client.Client
		ip                             = map[string]string{}
	)

	BeforeAll(func(ctx SpecContext) {
		c = k8sClient()
		ns = fmt.Sprintf("e2e-metrics-%d", time.Now().Unix()%100000)
		kubectl(ctx, "create", "namespace", ns)
		DeferCleanup(func(ctx SpecContext) {
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", ns, "--wait=false")
			}
		})
		sample := strings.ReplaceAll(sampleManifest("mysql_v1alpha1_mysqlcluster.yaml"), "flavor: mariadb", "flavor: "+flavor)
		applyManifest(ctx, ns, strings.Replace(sample, "replicas: 3", "replicas: 2", 1))
		mc := waitReady(ctx, c, ns)
		primary = mc.Status.CurrentPrimary
		for _, name := range []string{"mysql-0", "mysql-1"} {
			ip[name] = pod(ctx, c, ns, name).Status.PodIP
			if name != primary {
				replica = name
			}
		}
		password, _ = clusterAccess(ctx, c, ns)
	}, NodeTimeout(readyTimeout+time.Minute))

	It("serves every member's server, and its queries grow with the writes through the primary Service", func(ctx SpecContext) {
		p := pod(ctx, c, ns, primary)
		Expect(containerPort(p.Spec.Containers, desired.ContainerAgent, desired.PortNameMetrics)).To(Equal(int32(desired.PortMetrics)))
		for name := range ip {
			m := scrapeMetrics(ip[name])
			Expect(m).To(HaveKeyWithValue("mysql_up", 1.0), name)
			Expect(m).To(HaveKey("mysql_global_status_threads_connected"), name)
			Expect(m["ordinal_volume_capacity_bytes"]).To(BeNumerically(">", 0), name)
			Expect(m).To(HaveKey(HavePrefix("ordinal_agent_info{")), name)
		}
		before := scrapeMetrics(ip[primary])["mysql_global_status_queries"]
		_, addr := clusterAccess(ctx, c, ns)
		db := rootDB(addr, password)
		defer db.Close()
		_, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS metrics")
		Expect(err).NotTo(HaveOccurred())
		_, err = db.ExecContext(ctx, "CREATE TABLE metrics.t (id INT PRIMARY KEY)")
		Expect(err).NotTo(HaveOccurred())
		for i := range 20 {
			_, err := db.ExecContext(ctx, "INSERT INTO metrics.t VALUES (?)", i)
			Expect(err).NotTo(HaveOccurred())
		}
		after := scrapeMetrics(ip[primary])
		Expect(after["mysql_global_status_queries"]).To(BeNumerically(">=", before+22))
		Expect(after["mysql_binlog_size_bytes"]).To(BeNumerically(">", 0))
		AddReportEntry("primary queries before and after 22 statements", fmt.Sprintf("%.0f → %.0f", before, after["mysql_global_status_queries"]))
	})

	It("reports the replica's threads and lag, and a stopped applier", func(ctx SpecContext) {
		Eventually(func(g Gomega) {
			m := scrapeMetrics(ip[replica])
			g.Expect(m).To(HaveKeyWithValue("mysql_slave_status_slave_io_running", 1.0))
			g.Expect(m).To(HaveKeyWithValue("mysql_slave_status_slave_sql_running", 1.0))
			g.Expect(m).To(HaveKey("mysql_slave_status_seconds_behind_master"))
			g.Expect(m).To(HaveKeyWithValue("mysql_global_variables_read_only", 1.0))
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Succeed())
		Expect(scrapeMetrics(ip[primary])).NotTo(HaveKey("mysql_slave_status_slave_sql_running"))

		// Straight to the replica and scraped at once: the operator restarts a stopped applier.
		db := rootDB(net.JoinHostPort(ip[replica], mysqlPort), password)
		defer db.Close()
		_, err := db.ExecContext(ctx, "STOP SLAVE SQL_THREAD")
		Expect(err).NotTo(HaveOccurred())
		m := scrapeMetrics(ip[replica])
		Expect(m).To(HaveKeyWithValue("mysql_slave_status_slave_sql_running", 0.0))
		Expect(m).NotTo(HaveKey("mysql_slave_status_seconds_behind_master"), "no lag without an applier")
		_, err = db.ExecContext(ctx, "START SLAVE SQL_THREAD")
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			g.Expect(scrapeMetrics(ip[replica])).To(HaveKeyWithValue("mysql_slave_status_slave_sql_running", 1.0))
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Succeed())
	})
})

// scrapeMetrics GETs a member's metrics: unlabelled series by name, labelled ones by their full
// text and, for the one-series-per-name slave_status series, by name too.
func scrapeMetrics(podIP string) map[string]float64 {
	GinkgoHelper()
	hc := http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get("http://" + net.JoinHostPort(podIP, strconv.Itoa(desired.PortMetrics)) + "/metrics")
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(http.StatusOK), string(b))
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		i := strings.LastIndexByte(line, ' ')
		if line == "" || line[0] == '#' || i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		Expect(err).NotTo(HaveOccurred(), line)
		out[line[:i]] = v
		if name, _, ok := strings.Cut(line[:i], "{"); ok && strings.HasPrefix(name, "mysql_slave_status_") {
			out[name] = v
		}
	}
	return out
}

// containerPort is the number of the named port of a container, 0 when it has none.
func containerPort(cs []corev1.Container, container, port string) int32 {
	for _, c := range cs {
		for _, p := range c.Ports {
			if c.Name == container && p.Name == port {
				return p.ContainerPort
			}
		}
	}
	return 0
}
