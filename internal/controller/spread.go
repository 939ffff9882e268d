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

package controller

import (
	"context"
	"fmt"
	"sort"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=persistentvolumes,verbs=get

// Members on one node are moved apart (topology rule spreadMembers) only where the operator can
// see the nodes (WatchNodes: a cluster-wide install) and places the members itself: the default
// anti-affinity, no affinity or topology spread constraints of the user's.

// placement is where c's members may move: the schedulable nodes (sorted) and, per member that
// shares a node, whether its volume binds it to nodes that hold members (pinned).
type placement struct {
	nodes  []string
	pinned map[string]bool
}

// observePlacement reads the nodes, from the cache, when the operator places c's members and two
// of them share a node; nil otherwise (nothing to move, or not ours to place), so a cluster whose
// members are spread costs no read. A sharing member's volume is read (one uncached read) only when
// a node is free to move to.
func (r *ClusterReconciler) observePlacement(ctx context.Context, c *v1alpha1.MySQLCluster, pods []corev1.Pod) (*placement, error) {
	if !r.WatchNodes || !placesMembers(c) || !shareNode(pods) {
		return nil, nil
	}
	var nodes corev1.NodeList
	if err := r.List(ctx, &nodes, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	used := map[string]bool{}
	for _, p := range pods {
		used[p.Spec.NodeName] = true
	}
	pl := &placement{nodes: []string{}, pinned: map[string]bool{}}
	var free []*corev1.Node
	for i := range nodes.Items {
		if n := &nodes.Items[i]; fitsMembers(n, c.Spec.Pod) {
			pl.nodes = append(pl.nodes, n.Name)
			if !used[n.Name] {
				free = append(free, n)
			}
		}
	}
	sort.Strings(pl.nodes)
	if len(free) == 0 {
		return pl, nil
	}
	for i := range pods {
		if sharesNode(&pods[i], pods) {
			pl.pinned[pods[i].Name] = r.volumePinned(ctx, c, pods[i].Name, free)
		}
	}
	return pl, nil
}

// volumePinned reports whether member's data volume may be attached on none of the free nodes
// (its PV's required node affinity: a local or zonal volume). A volume that cannot be read counts
// as pinned: a restart that might not move the member is not risked.
func (r *ClusterReconciler) volumePinned(ctx context.Context, c *v1alpha1.MySQLCluster, member string, free []*corev1.Node) bool {
	ord, _ := c.Ordinal(member)
	var pvc corev1.PersistentVolumeClaim
	if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.PVCName(ord)}, &pvc); err != nil || pvc.Spec.VolumeName == "" {
		return true
	}
	var pv corev1.PersistentVolume
	if err := r.APIReader.Get(ctx, client.ObjectKey{Name: pvc.Spec.VolumeName}, &pv); err != nil {
		logf(ctx)("Cannot read the volume of a member sharing a node; it is not moved", "member", member, "err", err)
		return true
	}
	if pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required == nil {
		return false
	}
	for _, n := range free {
		if matchesNodeSelector(pv.Spec.NodeAffinity.Required, n) {
			return false
		}
	}
	return true
}

// matchesNodeSelector reports whether node n satisfies one of sel's terms (as the scheduler reads
// a volume's node affinity: expressions on labels, fields on the node's name).
func matchesNodeSelector(sel *corev1.NodeSelector, n *corev1.Node) bool {
	for _, term := range sel.NodeSelectorTerms {
		if matchesAll(term.MatchExpressions, labels.Set(n.Labels)) &&
			matchesAll(term.MatchFields, labels.Set{"metadata.name": n.Name}) {
			return true
		}
	}
	return false
}

func matchesAll(reqs []corev1.NodeSelectorRequirement, set labels.Set) bool {
	ops := map[corev1.NodeSelectorOperator]selection.Operator{
		corev1.NodeSelectorOpIn: selection.In, corev1.NodeSelectorOpNotIn: selection.NotIn,
		corev1.NodeSelectorOpExists: selection.Exists, corev1.NodeSelectorOpDoesNotExist: selection.DoesNotExist,
		corev1.NodeSelectorOpGt: selection.GreaterThan, corev1.NodeSelectorOpLt: selection.LessThan,
	}
	for _, req := range reqs {
		r, err := labels.NewRequirement(req.Key, ops[req.Operator], req.Values)
		if err != nil || !r.Matches(set) {
			return false
		}
	}
	return true
}

// placesMembers reports whether the members' placement is the operator's default (a preferred
// anti-affinity): the user's own affinity or spread constraints are theirs to keep.
func placesMembers(c *v1alpha1.MySQLCluster) bool {
	return c.Spec.Pod.Affinity == nil && len(c.Spec.Pod.TopologySpreadConstraints) == 0
}

// sharesNode reports whether another of the pods is scheduled on pod's node.
func sharesNode(pod *corev1.Pod, pods []corev1.Pod) bool {
	for i := range pods {
		if pods[i].Name != pod.Name && pod.Spec.NodeName != "" && pods[i].Spec.NodeName == pod.Spec.NodeName {
			return true
		}
	}
	return false
}

// shareNode reports whether two of the pods are scheduled on one node.
func shareNode(pods []corev1.Pod) bool {
	for i := range pods {
		if sharesNode(&pods[i], pods) {
			return true
		}
	}
	return false
}

// fitsMembers reports whether a member's pod may be scheduled on n now: n is Ready, not cordoned,
// its NoSchedule and NoExecute taints are tolerated and its labels match the node selector.
// Resources are the scheduler's to weigh: a pod it places back on its old node is not moved again.
func fitsMembers(n *corev1.Node, p v1alpha1.PodOverrides) bool {
	if n.Spec.Unschedulable || !nodeReady(n) {
		return false
	}
	for k, v := range p.NodeSelector {
		if n.Labels[k] != v {
			return false
		}
	}
	for i := range n.Spec.Taints {
		if t := &n.Spec.Taints[i]; t.Effect != corev1.TaintEffectPreferNoSchedule && !tolerates(p.Tolerations, t) {
			return false
		}
	}
	return true
}

func tolerates(tols []corev1.Toleration, t *corev1.Taint) bool {
	for i := range tols {
		if tols[i].ToleratesTaint(logr.Discard(), t, false) {
			return true
		}
	}
	return false
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
