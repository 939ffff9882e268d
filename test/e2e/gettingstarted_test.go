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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// docs/getting-started.md, followed as a newcomer would: its marked blocks are applied and run
// as written (in a namespace of their own), and what the page says happens is checked.
var _ = Describe("getting started (docs/getting-started.md)", Ordered, func() {
	const orders = "150" // the Job's loop in the page
	var (
		ns string
		c  client.Client
	)
	insertsOn := func(member string) float64 {
		m := scrapeMetrics(pod(context.Background(), c, ns, member).Status.PodIP)
		return m[`mysql_global_status_commands_total{command="insert"}`]
	}
	ordersOn := func(ctx context.Context, member string) string {
		out, _ := runPluginErr(ctx, "-n", ns, "mysql", "shop", "--pod", member, "--",
			"-N", "-B", "-e", "SELECT CONCAT(COUNT(*), ' ', COUNT(DISTINCT id), ' ', MIN(id), ' ', MAX(id)) FROM shop.orders")
		return strings.TrimSpace(out)
	}

	BeforeAll(func(ctx SpecContext) {
		c = k8sClient()
		ns = fmt.Sprintf("e2e-start-%d", time.Now().Unix()%100000)
		kubectl(ctx, "create", "namespace", ns)
		DeferCleanup(func(ctx SpecContext) {
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", ns, "--wait=false")
			}
		})
		start := time.Now()
		applyManifest(ctx, ns, pageBlock("getting-started.md", "shop-cluster", "yaml"))
		kubectl(ctx, "-n", ns, "wait", "--for=condition=Ready", "mysqlcluster/shop", fmt.Sprintf("--timeout=%s", readyTimeout))
		AddReportEntry("getting started: shop Ready", time.Since(start).Round(time.Second).String())
	}, NodeTimeout(readyTimeout+time.Minute))

	It("shows the members with the plugin and gives the application its Secret", func(ctx SpecContext) {
		out := runPlugin(ctx, "-n", ns, "status", "shop")
		for _, m := range []string{"shop-0", "shop-1", "shop-2"} {
			Expect(out).To(ContainSubstring(m))
		}
		Expect(out).To(ContainSubstring("primary"))
		Eventually(func(g Gomega) {
			mc := getClusterNamed(ctx, c, ns, "shop")
			for _, m := range mc.Status.Members {
				want := "acknowledging"
				if m.Role == v1alpha1.RolePrimary {
					want = "waiting, 2 replicas acknowledging"
				}
				g.Expect(m.SemiSync).To(Equal(want), m.Name)
			}
		}).WithContext(ctx).WithTimeout(30*time.Second).Should(Succeed(), "status and the plugin show each member's semi-sync part")
		secret := appSecret(ctx, c, ns, "shop-app")
		for _, k := range []string{"host", "port", "username", "password", "database", "uri", "jdbc-url"} {
			Expect(secret).To(HaveKey(k))
		}
		Expect(secret["username"]).To(Equal("shop"))
		Expect(secret["host"]).To(Equal("shop-primary." + ns + ".svc"))
	})

	It("runs the application with its own user, and the primary's metrics show its writes", func(ctx SpecContext) {
		before := insertsOn("shop-0")
		applyManifest(ctx, ns, pageBlock("getting-started.md", "shop-app", "yaml"))
		Eventually(func() float64 { return insertsOn("shop-0") - before }).
			WithContext(ctx).WithTimeout(2*time.Minute).WithPolling(time.Second).Should(BeNumerically(">=", 10),
			"mysql_global_status_commands_total{command=\"insert\"} on the primary climbs with the application's writes")
		// The Job can only write as the account the operator created from spec.user: it has no other
		// password. Its orders are counted on every member after the switchover below.
	})

	It("switches over with the plugin under the application's writes, and every order is on every member", func(ctx SpecContext) {
		for _, line := range strings.Split(strings.TrimSpace(pageBlock("getting-started.md", "switchover", "sh")), "\n") {
			args, ok := strings.CutPrefix(line, "kubectl ordinal ")
			Expect(ok).To(BeTrue(), "the switchover block runs the plugin: %q", line)
			out := runPlugin(ctx, append([]string{"-n", ns}, strings.Fields(args)...)...)
			AddReportEntry("getting started: kubectl ordinal "+args, out)
		}
		Expect(getClusterNamed(ctx, c, ns, "shop").Status.CurrentPrimary).To(Equal("shop-1"))
		Expect(runPlugin(ctx, "-n", ns, "history", "shop")).To(ContainSubstring("shop-1"))
		Expect(kubectl(ctx, "-n", ns, "get", "service", "shop-primary", "-o", "jsonpath={.spec.selector}")).To(ContainSubstring("shop-1"))
		kubectl(ctx, "-n", ns, "wait", "--for=condition=Complete", "job/shop-app", "--timeout=5m")
		for _, m := range []string{"shop-0", "shop-1", "shop-2"} {
			Eventually(func() string { return ordersOn(ctx, m) }).WithContext(ctx).WithTimeout(30*time.Second).
				Should(Equal(orders+" "+orders+" 1 "+orders), "every order of the application on %s", m)
		}
	})
})

// pageBlock is the block of docs/PAGE marked "<!-- test: name -->" in the given language.
func pageBlock(page, name, lang string) string {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(repo, "docs", page))
	Expect(err).NotTo(HaveOccurred())
	_, rest, ok := strings.Cut(string(b), "<!-- test: "+name+" -->\n```"+lang+"\n")
	Expect(ok).To(BeTrue(), "docs/%s has no %s block %q", page, lang, name)
	block, _, ok := strings.Cut(rest, "```")
	Expect(ok).To(BeTrue())
	return block
}

// getClusterNamed reads a MySQLCluster by name.
func getClusterNamed(ctx context.Context, c client.Client, ns, name string) *v1alpha1.MySQLCluster {
	GinkgoHelper()
	mc := &v1alpha1.MySQLCluster{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, mc)).To(Succeed())
	return mc
}
