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
	"fmt"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql/fake"
)

var nextIP atomic.Int32

// runPod plays the kubelet for one member: it gives the pod an IP, a fake server behind it, and
// marks it Running and Ready, so the StatefulSet controller moves on to the next ordinal.
func runPod(ctx context.Context, ns, name string) *fake.Instance {
	GinkgoHelper()
	eventuallyGet(ctx, &corev1.Pod{}, ns, name)
	ip := fmt.Sprintf("127.0.42.%d", nextIP.Add(1))
	srv := servers.Add(ip+":3306", uint32(100+nextIP.Load()))
	servers.Alias(name+"."+"mysql."+ns+".svc:3306", ip+":3306")
	now := metav1.Now()
	Eventually(func() error {
		pod := get(ctx, &corev1.Pod{}, ns, name)
		pod.Status.Phase = corev1.PodRunning
		pod.Status.PodIP, pod.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
		pod.Status.Conditions = []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
		return k8s.Status().Update(ctx, pod)
	}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
	return srv
}

func roleOf(ctx context.Context, ns, name string) string {
	return get(ctx, &corev1.Pod{}, ns, name).Labels[v1alpha1.LabelRole]
}

var _ = Describe("the topology side, against fake servers behind pods", func() {
	It("bootstraps ordinal 0, points the others at it, labels roles, and fails over", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		c := mariadbCluster(ns)
		c.Spec.Failover.Delay = &metav1.Duration{Duration: time.Second}
		Expect(k8s.Create(ctx, c)).To(Succeed())
		srv := map[string]*fake.Instance{}
		for _, name := range []string{"mysql-0", "mysql-1", "mysql-2"} {
			srv[name] = runPod(ctx, ns, name)
		}
		Eventually(func(g Gomega) {
			servers.Replicate()
			got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
			g.Expect(got.Status.CurrentPrimary).To(Equal("mysql-0"))
			g.Expect(roleOf(ctx, ns, "mysql-0")).To(Equal(v1alpha1.RolePrimary))
			g.Expect(roleOf(ctx, ns, "mysql-1")).To(Equal(v1alpha1.RoleReplica))
			g.Expect(roleOf(ctx, ns, "mysql-2")).To(Equal(v1alpha1.RoleReplica))
			g.Expect(meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionAvailable)).To(HaveField("Status", metav1.ConditionTrue))
			ready := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionReady)
			g.Expect(ready).To(HaveField("Status", metav1.ConditionTrue), "%+v %+v", ready, got.Status.Members)
			g.Expect(got.Status.MembersSummary).To(Equal("3/3"))
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(200 * time.Millisecond).Should(Succeed())
		for _, name := range []string{"mysql-1", "mysql-2"} {
			st, err := srv[name].Status(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(st.ReadOnly).To(BeTrue(), "%s stays fenced", name)
			Expect(st.Replication.SourceHost).To(Equal("mysql-0.mysql." + ns + ".svc"))
		}

		srv["mysql-0"].Write(3)
		servers.Replicate()
		before, err := srv["mysql-0"].Status(ctx)
		Expect(err).NotTo(HaveOccurred())
		srv["mysql-0"].SetUnreachable(true)
		Eventually(func(g Gomega) {
			servers.Replicate()
			got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
			g.Expect(got.Status.CurrentPrimary).To(BeElementOf("mysql-1", "mysql-2"))
			g.Expect(roleOf(ctx, ns, got.Status.CurrentPrimary)).To(Equal(v1alpha1.RolePrimary))
			svc := get(ctx, &corev1.Service{}, ns, "mysql-primary")
			g.Expect(svc.Spec.Selector).To(HaveKeyWithValue(appsv1.StatefulSetPodNameLabel, got.Status.CurrentPrimary),
				"the primary Service selects exactly the recorded primary")
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(200 * time.Millisecond).Should(Succeed())
		got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
		st, err := srv[got.Status.CurrentPrimary].Status(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(st.ReadOnly).To(BeFalse(), "the promoted replica is writable")
		Expect(before.Executed.SubsetOf(st.Executed)).To(BeTrue(), "it holds every transaction of the lost primary: %s ⊄ %s", before.Executed, st.Executed)
		var events eventsv1.EventList
		Expect(k8s.List(ctx, &events, client.InNamespace(ns))).To(Succeed())
		Expect(reasons(events)).To(ContainElements("Bootstrap", "Promote"))
	})
})

func reasons(l eventsv1.EventList) []string {
	out := make([]string, 0, len(l.Items))
	for _, e := range l.Items {
		out = append(out, e.Reason)
	}
	return out
}
