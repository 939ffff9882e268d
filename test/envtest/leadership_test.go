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
	"context"
	"net/http"
	"path"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/internal/manager"
)

// leaseName is the operator's leader election lease.
const leaseName = "ordinal.mysql.ordinal.dev"

// An operator whose lease is taken while it cannot renew (a frozen process, a lost node) does not
// exit: it stands by again at once, so the next lost leader has a standby that is already running.
var _ = Describe("an operator that loses its leadership", func() {
	It("stands by again in the same process, and leads again once the lease is free", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		var mu sync.Mutex
		var managers []ctrl.Manager
		// What the second manager (the standby) lists before its election: only its config records.
		standbyLists := &listLog{}
		nth := func(n int) ctrl.Manager {
			mu.Lock()
			defer mu.Unlock()
			if len(managers) <= n {
				return nil
			}
			return managers[n]
		}
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			defer GinkgoRecover()
			done <- manager.Run(runCtx, func(bool) (ctrl.Manager, error) {
				cfg := rest.CopyConfig(env.Config)
				mu.Lock()
				if len(managers) == 1 {
					cfg.WrapTransport = standbyLists.wrap(func() ctrl.Manager { return nth(1) })
				}
				mu.Unlock()
				// Always again: the suite's own manager registered the controllers' names first.
				m, err := manager.New(cfg, manager.Options{MetricsAddr: "0", ProbeAddr: "0", Image: operatorImage,
					Opener: servers, LeaderElect: true, LeaderElectionNamespace: ns, WatchNamespaces: []string{ns}, Again: true})
				if err == nil {
					mu.Lock()
					managers = append(managers, m)
					mu.Unlock()
				}
				return m, err
			})
		}()
		DeferCleanup(func() {
			stop()
			Eventually(done).WithTimeout(30 * time.Second).Should(Receive(BeNil()))
		})
		elected := func(n int) func() bool {
			return func() bool {
				m := nth(n)
				return m != nil && isElected(m)
			}
		}
		Eventually(elected(0)).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(BeTrue())

		By("another holder takes the lease, as a standby does once a frozen leader's lease expired")
		takeLease(ctx, ns, "another-replica")
		Eventually(func() ctrl.Manager { return nth(1) }).WithTimeout(30*time.Second).WithPolling(200*time.Millisecond).
			ShouldNot(BeNil(), "a second manager in the same process")
		Consistently(done).WithTimeout(2*time.Second).ShouldNot(Receive(), "the process kept running")

		By("the other holder stops renewing: the standing-by manager takes over")
		Eventually(elected(1)).WithTimeout(40 * time.Second).WithPolling(200 * time.Millisecond).Should(BeTrue())

		By("it had listed, while standing by, every kind its first pass reads through the cache")
		Expect(standbyLists.resources()).To(ContainElements("statefulsets", "services", "configmaps", "serviceaccounts",
			"poddisruptionbudgets", "persistentvolumeclaims", "mysqlbackups"),
			"lists the standby made before it was elected (a new leader failing a primary over must not list them first)")
	})
})

// listLog records the resources a manager lists through its transport before it is elected.
type listLog struct {
	mu     sync.Mutex
	listed map[string]bool
}

func (l *listLog) wrap(standby func() ctrl.Manager) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if m := standby(); m != nil && lists(req) && !isElected(m) {
				l.mu.Lock()
				if l.listed == nil {
					l.listed = map[string]bool{}
				}
				l.listed[path.Base(req.URL.Path)] = true
				l.mu.Unlock()
			}
			return rt.RoundTrip(req)
		})
	}
}

// lists: a list, or a watch that begins with the objects' initial state (client-go's watch-list,
// which informers use in place of a list).
func lists(req *http.Request) bool {
	q := req.URL.Query()
	return req.Method == http.MethodGet && (q.Get("watch") != "true" || q.Get("sendInitialEvents") == "true")
}

func (l *listLog) resources() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.listed))
	for r := range l.listed {
		out = append(out, r)
	}
	return out
}

func isElected(m ctrl.Manager) bool {
	select {
	case <-m.Elected():
		return true
	default:
		return false
	}
}

// takeLease makes holder the lease's holder, renewed now.
func takeLease(ctx context.Context, ns, holder string) {
	GinkgoHelper()
	Eventually(func() error {
		l := &coordinationv1.Lease{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: leaseName}, l); err != nil {
			return err
		}
		now := metav1.NewMicroTime(time.Now())
		l.Spec.HolderIdentity, l.Spec.RenewTime, l.Spec.AcquireTime = ptr.To(holder), &now, &now
		l.Spec.LeaseTransitions = ptr.To(ptr.Deref(l.Spec.LeaseTransitions, 0) + 1)
		return k8s.Update(ctx, l)
	}).WithContext(ctx).WithTimeout(10 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
}
