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
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch

// Members on one node are moved apart (topology rule spreadMembers) only where the operator can
// see the nodes (WatchNodes: a cluster-wide install) and places the members itself: the default
// anti-affinity, no affinity or topology spread constraints of the user's.

// schedulableNodes are the nodes c's members may be scheduled on now, sorted, when the operator
// places c's members and two of them share a node (nil otherwise: nothing to move, or not ours to
// place). Nodes are read from the cache only then, so a cluster whose members are spread costs no
// read.
func (r *ClusterReconciler) schedulableNodes(ctx context.Context, c *v1alpha1.MySQLCluster, pods []corev1.Pod) ([]string, error) {
	if !r.WatchNodes || !placesMembers(c) || !shareNode(pods) {
		return nil, nil
	}
	var nodes corev1.NodeList
	if err := r.List(ctx, &nodes, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	out := []string{}
	for i := range nodes.Items {
		if fitsMembers(&nodes.Items[i], c.Spec.Pod) {
			out = append(out, nodes.Items[i].Name)
		}
	}
	sort.Strings(out)
	return out, nil
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
	seen := map[string]bool{}
	for _, p := range pods {
		n := p.Spec.NodeName
		if n != "" && seen[n] {
			return true
		}
		seen[n] = true
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

// markFailedMoves sets MoveFailed on the members the operator moved that landed beside another
// member again, and says so in an event the first time.
func (r *ClusterReconciler) markFailedMoves(c *v1alpha1.MySQLCluster, w *world, s *topology.Snapshot) {
	for i, m := range w.members {
		if m.pod == nil {
			continue
		}
		failed, news := r.moves.failed(c.UID, m.pod, sharesNode(m.pod, w.pods), r.now())
		s.Members[i].MoveFailed = failed
		if news {
			r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "MoveFailed", "Restart",
				"%s was restarted to move it apart from the other members and was scheduled beside one again, on node %s; it stays for %s (its volume may be bound to the node, or the free node lacks room)",
				m.name, m.pod.Spec.NodeName, moveRetryAfter)
		}
	}
}

// moveRetryAfter is how long a member scheduled back on the node it was moved off is left there
// before one more try: the scheduler may have had reasons that pass (resources), or lasting ones
// (a volume bound to the node), and a move restarts a replica.
const moveRetryAfter = time.Hour

// moveMemory remembers, per member the operator restarted to move it off a node, that node and
// when: a new pod scheduled beside another member again is not moved again
// (topology.Member.MoveFailed), so a scheduler that keeps choosing shared nodes (no room on the
// free one) cannot make the operator restart a replica over and over.
type moveMemory struct {
	mu    sync.Mutex
	moves map[string]move
}

type move struct {
	off      string // the node it was moved off
	at       time.Time
	reported bool // the Warning event that it came back was emitted
}

// moved records that member was restarted to move it off node.
func (m *moveMemory) moved(uid types.UID, member, node string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.moves == nil {
		m.moves = map[string]move{}
	}
	m.moves[failureKey(uid, member)] = move{off: node, at: now}
}

// failed reports whether member's pod, created after the move, was scheduled beside another member
// again (shared), and whether that is news (to be reported once). A move that succeeded, or one
// older than moveRetryAfter, is forgotten.
func (m *moveMemory) failed(uid types.UID, pod *corev1.Pod, shared bool, now time.Time) (failed, news bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := failureKey(uid, pod.Name)
	mv, ok := m.moves[key]
	switch {
	case !ok || pod.Spec.NodeName == "" || !pod.DeletionTimestamp.IsZero():
		return false, false
	case pod.CreationTimestamp.Time.Before(mv.at.Truncate(time.Second)):
		return false, false // still the pod that was deleted, as the cache last saw it
	case now.Sub(mv.at) > moveRetryAfter || !shared:
		delete(m.moves, key)
		return false, false
	}
	news, mv.reported = !mv.reported, true
	m.moves[key] = mv
	return true, news
}

// forget drops a deleted cluster's moves.
func (m *moveMemory) forget(uid types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key := range m.moves {
		if len(key) > len(uid) && key[:len(uid)+1] == string(uid)+"/" {
			delete(m.moves, key)
		}
	}
}

// nodeBecameSchedulable passes a node that is new, or that a pod may now be scheduled on and could
// not before (uncordoned, Ready again, a taint removed): members sharing a node may move there.
var nodeBecameSchedulable = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return true },
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
	UpdateFunc: func(e event.UpdateEvent) bool {
		o, okOld := e.ObjectOld.(*corev1.Node)
		n, okNew := e.ObjectNew.(*corev1.Node)
		return okOld && okNew && (o.Spec.Unschedulable && !n.Spec.Unschedulable ||
			!nodeReady(o) && nodeReady(n) || len(n.Spec.Taints) < len(o.Spec.Taints))
	},
}

// clustersSharingNodes maps a node event to every cluster with two members on one node.
func clustersSharingNodes(c client.Reader) handler.MapFunc {
	return func(ctx context.Context, _ client.Object) []reconcile.Request {
		var pods corev1.PodList
		if err := c.List(ctx, &pods, client.HasLabels{v1alpha1.LabelCluster}, client.UnsafeDisableDeepCopy); err != nil {
			return nil
		}
		byCluster := map[types.NamespacedName][]corev1.Pod{}
		for _, p := range pods.Items {
			key := types.NamespacedName{Namespace: p.Namespace, Name: p.Labels[v1alpha1.LabelCluster]}
			byCluster[key] = append(byCluster[key], p)
		}
		var out []reconcile.Request
		for key, ps := range byCluster {
			if shareNode(ps) {
				out = append(out, reconcile.Request{NamespacedName: key})
			}
		}
		return out
	}
}
