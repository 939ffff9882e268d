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
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// Flux's health checks (and kubectl/cli-utils) read a MySQLCluster with the kstatus library; this
// spec reads it the same way, through a rollout and a stall.
var _ = Describe("kstatus, the way Flux reads a MySQLCluster", Ordered, func() {
	It("is InProgress while it rolls out, Current when Ready, Failed when Stalled", func(ctx SpecContext) {
		c := k8sClient()
		ns := fmt.Sprintf("e2e-kstatus-%d", time.Now().Unix()%100000)
		createFaultCluster(ctx, ns, nil)
		DeferCleanup(func(ctx SpecContext) {
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", ns, "--wait=false")
			}
		})
		trail := sampleKstatus(ctx, c, ns, "mysql")
		waitReady(ctx, c, ns)
		Eventually(trail.last).WithContext(ctx).WithTimeout(time.Minute).Should(Equal(status.CurrentStatus))
		Expect(trail.saw(status.InProgressStatus)).To(BeTrue(), "a cluster being created is InProgress first: %s", trail)

		// A restart-only config change rolls every member: InProgress until the rollout is done, then Current.
		trail.reset()
		kubectl(ctx, "-n", ns, "patch", "mysqlcluster/mysql", "--type=merge", "-p", `{"spec":{"config":{"back_log":"91"}}}`)
		Eventually(trail.saw).WithContext(ctx).WithTimeout(time.Minute).WithArguments(status.InProgressStatus).Should(BeTrue(), "rolling out: %s", trail)
		waitReady(ctx, c, ns)
		Eventually(trail.last).WithContext(ctx).WithTimeout(time.Minute).Should(Equal(status.CurrentStatus))
		// Never Current between two members' restarts: Flux would move on with the rollout half done.
		Expect(trail.String()).To(MatchRegexp(`^(Current->)?InProgress->Current$`), "one InProgress stretch for the whole rollout")

		// A cluster that waits for the user (its Secret does not exist) is Stalled: Failed.
		applyManifest(ctx, ns, `apiVersion: mysql.ordinal.dev/v1alpha1
kind: MySQLCluster
metadata:
  name: stalled
spec:
  replicas: 1
  credentialsSecretName: no-such-secret
  storage:
    size: 1Gi
`)
		var res *status.Result
		Eventually(func() status.Status {
			res = kstatusOf(ctx, c, ns, "stalled")
			return res.Status
		}).WithContext(ctx).WithTimeout(time.Minute).Should(Equal(status.FailedStatus))
		Expect(res.Message).To(ContainSubstring("no-such-secret"))
		GinkgoWriter.Printf("KSTATUS-RESULT create+rollout=%s stalled=%q\n", trail, res.Message)
	}, NodeTimeout(12*time.Minute))
})

// kstatusOf computes the kstatus of a MySQLCluster as the library does for any resource.
func kstatusOf(ctx context.Context, c client.Client, ns, name string) *status.Result {
	GinkgoHelper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("MySQLCluster"))
	Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u)).To(Succeed())
	res, err := status.Compute(u)
	Expect(err).NotTo(HaveOccurred())
	return res
}

// kstatusTrail records the distinct successive kstatus values of one object, sampled every 200 ms.
type kstatusTrail struct {
	mu   sync.Mutex
	seen []status.Status
}

func sampleKstatus(ctx context.Context, c client.Client, ns, name string) *kstatusTrail {
	t := &kstatusTrail{}
	go func() {
		defer GinkgoRecover()
		for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(200 * time.Millisecond) {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("MySQLCluster"))
			if c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u) != nil {
				continue
			}
			if res, err := status.Compute(u); err == nil {
				t.add(res.Status)
			}
		}
	}()
	return t
}

func (t *kstatusTrail) add(s status.Status) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.seen) == 0 || t.seen[len(t.seen)-1] != s {
		t.seen = append(t.seen, s)
	}
}

func (t *kstatusTrail) last() status.Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.seen) == 0 {
		return status.UnknownStatus
	}
	return t.seen[len(t.seen)-1]
}

func (t *kstatusTrail) saw(s status.Status) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, x := range t.seen {
		if x == s {
			return true
		}
	}
	return false
}

func (t *kstatusTrail) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen = nil
}

func (t *kstatusTrail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	parts := make([]string, len(t.seen))
	for i, s := range t.seen {
		parts[i] = string(s)
	}
	return strings.Join(parts, "->")
}
