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
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/workload"
)

// spreadWithin bounds how long the operator may take to move a member off a shared node once
// another node is free: a pass (woken by the node's change), a replica's restart and its start.
const spreadWithin = 2 * time.Minute

func init() {
	scenarios = append(scenarios, scenario{
		name: "members-share-node", text: "moves apart two members left on one node, once another node is free", node: true,
		fault: membersShareNode,
	})
}

// membersShareNode puts two replicas on one node (the other nodes cordoned, one replica's pod
// deleted), checks that nothing moves while no node is free, then uncordons one node: the
// operator must restart the higher-ordinal replica of the two, and the scheduler place it there.
func membersShareNode(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
	GinkgoHelper()
	waitSpread(ctx, e)
	reps := e.replicas(ctx) // highest ordinal first
	high, low := reps[0], reps[1]
	pNode, highNode, lowNode := nodeOf(ctx, e, r.primaryBefore), nodeOf(ctx, e, high), nodeOf(ctx, e, low)
	for _, n := range []string{pNode, highNode} {
		kubectl(ctx, "cordon", n)
		DeferCleanup(func(ctx SpecContext) { _, _ = kubectlOut(ctx, "uncordon", n) })
	}
	old := pod(ctx, e.c, e.ns, high)
	Expect(e.c.Delete(ctx, old)).To(Succeed())
	var shared *corev1.Pod
	Eventually(func(g Gomega) {
		shared = pod(ctx, e.c, e.ns, high)
		g.Expect(shared.UID).NotTo(Equal(old.UID))
		g.Expect(shared.Spec.NodeName).To(Equal(lowNode))
		g.Expect(podReady(shared)).To(BeTrue())
	}).WithContext(ctx).WithTimeout(3 * time.Minute).WithPolling(time.Second).Should(Succeed())
	r.note("shared_node", lowNode)
	sleepCtx(ctx, 15*time.Second)
	Expect(pod(ctx, e.c, e.ns, high).UID).To(Equal(shared.UID), "%s restarted while no node was free", high)
	kubectl(ctx, "uncordon", highNode)
	start := time.Now()
	moved := within(ctx, spreadWithin, func() bool {
		p := &corev1.Pod{}
		return e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: high}, p) == nil &&
			p.UID != shared.UID && p.Spec.NodeName == highNode && podReady(p)
	})
	r.note("moved_after", map[bool]string{true: time.Since(start).Round(100 * time.Millisecond).String(), false: "never"}[moved])
	Expect(moved).To(BeTrue(), "%s moved from %s to %s, the node that holds no member, within %s", high, lowNode, highNode, spreadWithin)
	kubectl(ctx, "uncordon", pNode)
}

// nodeOf is the node member's pod runs on.
func nodeOf(ctx context.Context, e *faultEnv, member string) string {
	GinkgoHelper()
	n := pod(ctx, e.c, e.ns, member).Spec.NodeName
	Expect(n).NotTo(BeEmpty(), "%s is scheduled", member)
	return n
}

// waitSpread waits until every node is schedulable and the operator has the members on different
// nodes; it returns the member it saw sharing a node first and that node, "" when none did.
func waitSpread(ctx context.Context, e *faultEnv) (string, string) {
	GinkgoHelper()
	waitNodesSchedulable(ctx, e.c)
	first, node := colocatedReplica(ctx, e)
	Eventually(func() string {
		if s, n := colocatedReplica(ctx, e); s != "" {
			return s + " still shares " + n + " with another member"
		}
		_, why := clusterReady(ctx, e.c, e.ns)
		return why
	}).WithContext(ctx).WithTimeout(spreadWithin+readyTimeout).WithPolling(time.Second).Should(BeEmpty(),
		"the operator moves the members of %s onto different nodes", e.ns)
	return first, node
}

// colocatedReplica is a member that is not the recorded primary and shares its node with another
// member, and that node; "" when the members are on different nodes.
func colocatedReplica(ctx context.Context, e *faultEnv) (string, string) {
	GinkgoHelper()
	mc := &v1alpha1.MySQLCluster{}
	Expect(e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: faultClusterName}, mc)).To(Succeed())
	byNode := map[string][]string{}
	for _, m := range mc.Status.Members {
		p := &corev1.Pod{}
		if e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: m.Name}, p) != nil || p.Spec.NodeName == "" {
			continue
		}
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], m.Name)
	}
	for node, names := range byNode {
		if len(names) < 2 {
			continue
		}
		if i := slices.IndexFunc(names, func(n string) bool { return n != mc.Status.CurrentPrimary }); i >= 0 {
			return names[i], node
		}
	}
	return "", ""
}

// waitNodesSchedulable waits until every node is Ready without a NoSchedule or NoExecute taint.
func waitNodesSchedulable(ctx context.Context, c client.Client) {
	GinkgoHelper()
	Eventually(func() string {
		var nodes corev1.NodeList
		if err := c.List(ctx, &nodes); err != nil {
			return err.Error()
		}
		for _, n := range nodes.Items {
			for _, t := range n.Spec.Taints {
				if t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute {
					return n.Name + " tainted " + t.Key
				}
			}
			if n.Spec.Unschedulable {
				return n.Name + " cordoned"
			}
			if !slices.ContainsFunc(n.Status.Conditions, func(c corev1.NodeCondition) bool {
				return c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue
			}) {
				return n.Name + " not Ready"
			}
		}
		return ""
	}).WithContext(ctx).WithTimeout(3*time.Minute).WithPolling(time.Second).Should(BeEmpty(), "every node schedulable")
}
