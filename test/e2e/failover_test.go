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
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/localkube"
)

// Losing the primary's node is a localkube fault; on another cluster these specs are not run.
var _ = Describe("failover when the primary's node is lost", Ordered, func() {
	var (
		ns      string
		c       client.Client
		primary string
		node    string
	)

	BeforeAll(func(ctx SpecContext) {
		if cluster == nil {
			Skip("node faults need localkube (KUBECONFIG names another cluster)")
		}
		c = k8sClient()
		ns = fmt.Sprintf("e2e-failover-%d", time.Now().Unix()%100000)
		kubectl(ctx, "create", "namespace", ns)
		DeferCleanup(func(ctx SpecContext) {
			if node != "" {
				_ = cluster.RestoreNode(node)
			}
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", ns, "--wait=false")
			}
		})
		sample := strings.ReplaceAll(sampleManifest("mysql_v1alpha1_mysqlcluster.yaml"), "flavor: mariadb", "flavor: "+flavor)
		applyManifest(ctx, ns, sample+"  failover:\n    delay: 5s\n")
		waitReady(ctx, c, ns)
		_, err := sqlIn(ctx, ns, "mysql-1", "mysql-primary",
			"CREATE DATABASE app; CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(32)); "+
				"INSERT INTO app.t (v) VALUES ('1'),('2'),('3'),('4')")
		Expect(err).NotTo(HaveOccurred())
	}, NodeTimeout(readyTimeout+time.Minute))

	It("promotes a replica holding every acknowledged write, within seconds", func(ctx SpecContext) {
		primary = getCluster(ctx, c, ns).Status.CurrentPrimary
		node = pod(ctx, c, ns, primary).Spec.NodeName
		start := time.Now()
		Expect(cluster.LoseNode(node, localkube.LoseKill)).To(Succeed())
		var now string
		Eventually(func(g Gomega) {
			now = getCluster(ctx, c, ns).Status.CurrentPrimary
			g.Expect(now).NotTo(Equal(primary))
			from := "mysql-1"
			if now == "mysql-1" {
				from = "mysql-2"
			}
			g.Expect(sqlIn(ctx, ns, from, "mysql-primary", "INSERT INTO app.t (v) VALUES ('after'); SELECT @@hostname")).To(Equal(now))
		}).WithContext(ctx).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())
		AddReportEntry("primary lost to writable new primary", time.Since(start).Round(100*time.Millisecond).String())
		Expect(rowsVia(ctx, ns, now, "localhost")).To(Equal("5"), "every acknowledged row survived")
		var events eventsv1.EventList
		Expect(c.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
		Expect(reasonsOf(events)).To(ContainElement("Promote"))
	})

	It("brings the old primary back read-only, as a replica of the new one", func(ctx SpecContext) {
		Expect(cluster.RestoreNode(node)).To(Succeed())
		node = ""
		Eventually(func(g Gomega) {
			mc := getCluster(ctx, c, ns)
			g.Expect(mc.Status.CurrentPrimary).NotTo(Equal(primary))
			g.Expect(memberRole(mc, primary)).To(Equal(v1alpha1.RoleReplica))
			g.Expect(rowsVia(ctx, ns, primary, "localhost")).To(Equal("5"))
		}).WithContext(ctx).WithTimeout(3 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
		_, err := sqlIn(ctx, ns, primary, "localhost", "INSERT INTO app.t (v) VALUES ('no')")
		Expect(err).To(MatchError(ContainSubstring("read-only")), "the old primary is fenced")
		waitReady(ctx, c, ns)
	})
})

func memberRole(mc *v1alpha1.MySQLCluster, name string) string {
	for _, m := range mc.Status.Members {
		if m.Name == name {
			return m.Role
		}
	}
	return ""
}

func reasonsOf(l eventsv1.EventList) []string {
	out := make([]string, 0, len(l.Items))
	for _, e := range l.Items {
		out = append(out, e.Reason)
	}
	return out
}
