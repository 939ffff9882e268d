//go:build e2e && bench

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
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// spreadForNodeFault makes a node-fault run start from a cluster whose members are on different
// nodes, every node schedulable. A run can leave two members on one node: an old primary that
// returns with an unacknowledged commit is re-seeded at once, and its new pod is scheduled while
// its own node, just restored, still carries the unreachable taint (the members' anti-affinity is
// a preference). Losing that node then loses two members of three, and semi-sync rightly takes
// no writes until it returns. The operator does not move members back apart yet; here the harness
// does, as a person would (it deletes the co-located replica's pod), and says so in the section's
// notes. It returns that note, or "".
func spreadForNodeFault(ctx context.Context, e *faultEnv, run int) string {
	GinkgoHelper()
	waitNodesSchedulable(ctx, e.c)
	shared, node := colocatedReplica(ctx, e)
	if shared == "" {
		return ""
	}
	GinkgoWriter.Printf("bench: faults: run %d: %s shares %s with another member; deleting its pod to spread the cluster\n", run, shared, node)
	Expect(e.c.Delete(ctx, pod(ctx, e.c, e.ns, shared))).To(Succeed())
	Eventually(func() string {
		if s, _ := colocatedReplica(ctx, e); s != "" {
			return s + " still shares a node"
		}
		_, why := clusterReady(ctx, e.c, e.ns)
		return why
	}).WithContext(ctx).WithTimeout(readyTimeout).WithPolling(time.Second).Should(BeEmpty(), "cluster in %s spread and Ready", e.ns)
	return fmt.Sprintf("node lost, before run %d: %s shared %s with another member after the last run (its re-seed's pod was "+
		"scheduled while its own node was still tainted); the harness deleted its pod so the run loses one member, not two.", run, shared, node)
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
			if !slices.ContainsFunc(n.Status.Conditions, func(c corev1.NodeCondition) bool {
				return c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue
			}) {
				return n.Name + " not Ready"
			}
		}
		return ""
	}).WithContext(ctx).WithTimeout(3*time.Minute).WithPolling(time.Second).Should(BeEmpty(), "every node schedulable")
}
