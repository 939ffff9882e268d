//go:build envtest

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

package envtest

import (
	"net/http"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql/fake"
)

// requests counts the operator's API requests per namespace and verb ("GET", "LIST", "WATCH",
// "PATCH", ...), from the URLs its transport sends.
type requestCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		c.add(namespaceOfPath(req.URL.Path), verbOf(req))
		return rt.RoundTrip(req)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (c *requestCounter) add(ns, verb string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[ns+" "+verb]++
}

// snapshot returns the counts of ns by verb.
func (c *requestCounter) snapshot(ns string) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.n {
		if n, verb, _ := strings.Cut(k, " "); n == ns {
			out[verb] = v
		}
	}
	return out
}

func namespaceOfPath(p string) string {
	parts := strings.Split(p, "/")
	for i := range len(parts) - 1 {
		if parts[i] == "namespaces" {
			return parts[i+1]
		}
	}
	return ""
}

func verbOf(r *http.Request) string {
	if r.Method != http.MethodGet {
		return r.Method
	}
	if r.URL.Query().Get("watch") == "true" {
		return "WATCH"
	}
	last := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if strings.HasSuffix(last, "s") && !strings.Contains(r.URL.Path, "/"+last+"/") {
		return "LIST?" // a collection or a name ending in s; both are reads
	}
	return "GET"
}

// callsOf counts a fake server's calls whose name starts with op.
func callsOf(in *fake.Instance, op string) int {
	n := 0
	for _, c := range in.Calls() {
		if strings.HasPrefix(c, op+"(") {
			n++
		}
	}
	return n
}

var _ = Describe("a settled cluster at rest", func() {
	It("makes no API request and no pass; its members' pulse wakes it for a failover", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		c := mariadbCluster(ns)
		c.Spec.Failover.Delay = &metav1.Duration{Duration: time.Second}
		Expect(k8s.Create(ctx, c)).To(Succeed())
		var members []*fake.Instance
		for _, name := range []string{"mysql-0", "mysql-1", "mysql-2"} {
			members = append(members, runPod(ctx, ns, name))
		}
		statusCalls := func() int {
			n := 0
			for _, m := range members {
				n += callsOf(m, "Status")
			}
			return n
		}
		Eventually(func(g Gomega) {
			servers.Replicate()
			got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
			g.Expect(got.Status.Conditions).To(ContainElement(And(
				HaveField("Type", v1alpha1.ConditionReady), HaveField("Status", metav1.ConditionTrue))))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(200 * time.Millisecond).Should(Succeed())
		// The passes that follow Ready (its own status write, the StatefulSet settling) end; then none.
		Eventually(func() int {
			before := statusCalls()
			time.Sleep(6 * time.Second)
			return statusCalls() - before
		}).WithContext(ctx).WithTimeout(timeout).Should(BeZero())

		requestsBefore, statusBefore := requests.snapshot(ns), statusCalls()
		pulsesBefore := callsOf(members[0], "Pulse")
		time.Sleep(11 * time.Second)
		Expect(requests.snapshot(ns)).To(Equal(requestsBefore), "API requests at rest in the cluster's namespace")
		Expect(statusCalls()-statusBefore).To(BeZero(), "a full observation (a pass) at rest")
		Expect(callsOf(members[0], "Pulse")-pulsesBefore).To(BeNumerically(">=", 2), "the primary's pulse every 5 s")
		// The passes' pools are closed 15 s after their last use (the pulse has its own connections).
		Eventually(func() []int {
			var closes []int
			for _, m := range members {
				closes = append(closes, callsOf(m, "Close"))
			}
			return closes
		}).WithContext(ctx).WithTimeout(25*time.Second).Should(HaveEach(BeNumerically(">=", 1)),
			"the pass's connection to each member of a resting cluster closed")

		members[0].SetUnreachable(true)
		start := time.Now()
		Eventually(func(g Gomega) {
			servers.Replicate()
			got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
			g.Expect(got.Status.CurrentPrimary).To(BeElementOf("mysql-1", "mysql-2"))
			svc := get(ctx, &corev1.Service{}, ns, "mysql-primary")
			g.Expect(svc.Spec.Selector).To(HaveKeyWithValue(appsv1.StatefulSetPodNameLabel, got.Status.CurrentPrimary))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(100 * time.Millisecond).Should(Succeed())
		// One pulse (≤ 5 s) to notice, the confirming probes and the 1 s failover delay.
		Expect(time.Since(start)).To(BeNumerically("<", 12*time.Second), "a resting cluster's failover")
		GinkgoWriter.Printf("failover of a resting cluster: %s\n", time.Since(start).Round(100*time.Millisecond))
	})
})
