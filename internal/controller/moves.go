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
	"maps"
	"reflect"
	"strings"
	"sync"
	"time"

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

// moveRetryAfter is how long a member scheduled beside another member again after a move is left
// there before one more try: the scheduler may have had reasons that pass (room on the free node)
// or lasting ones, and a move restarts a replica. Volumes bound to nodes are not tried at all
// (topology.Member.Pinned).
const moveRetryAfter = time.Hour

// moveMemory remembers, per member the operator restarted to move it apart, the pod it deleted and
// when: a new pod scheduled beside another member again is not moved again
// (topology.Member.MoveFailed), so a scheduler that keeps choosing shared nodes (no room on the
// free one) cannot make the operator restart a replica over and over. The new pod is told from the
// deleted one by its UID, not by clocks.
type moveMemory struct {
	mu    sync.Mutex
	moves map[string]move
}

type move struct {
	deleted  types.UID // the pod the move deleted
	at       time.Time
	reported bool // the Warning event that it landed beside a member again was emitted
}

// moved records that member's pod deleted was restarted to move the member apart.
func (m *moveMemory) moved(uid types.UID, member string, deleted types.UID, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.moves == nil {
		m.moves = map[string]move{}
	}
	m.moves[failureKey(uid, member)] = move{deleted: deleted, at: now}
}

// failed reports whether member's new pod was scheduled beside another member again (shared), and
// whether that is news (to be reported once). A move that succeeded, or one older than
// moveRetryAfter, is forgotten.
func (m *moveMemory) failed(uid types.UID, pod *corev1.Pod, shared bool, now time.Time) (failed, news bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := failureKey(uid, pod.Name)
	mv, ok := m.moves[key]
	switch {
	case !ok || pod.UID == mv.deleted || pod.Spec.NodeName == "" || !pod.DeletionTimestamp.IsZero():
		return false, false
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
		if strings.HasPrefix(key, string(uid)+"/") {
			delete(m.moves, key)
		}
	}
}

// newNodeAge tells a node that joined from one the watch's first list delivers as created: only the
// former can have become a place to move to since the last pass.
const newNodeAge = 2 * time.Minute

// nodeBecameSchedulable passes a node that joined, or whose cordon, readiness, taints or labels
// changed in a way that may let a member's pod be scheduled there: members sharing a node may move
// there. A node's status updates (heartbeats, images) pass nothing.
var nodeBecameSchedulable = predicate.Funcs{
	CreateFunc: func(e event.CreateEvent) bool {
		return time.Since(e.Object.GetCreationTimestamp().Time) < newNodeAge
	},
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
	UpdateFunc: func(e event.UpdateEvent) bool {
		o, okOld := e.ObjectOld.(*corev1.Node)
		n, okNew := e.ObjectNew.(*corev1.Node)
		return okOld && okNew && (o.Spec.Unschedulable && !n.Spec.Unschedulable || !nodeReady(o) && nodeReady(n) ||
			!reflect.DeepEqual(o.Spec.Taints, n.Spec.Taints) || !maps.Equal(o.Labels, n.Labels))
	},
}

// clustersSharingNodes maps a node event to every cluster with two members on one node.
func clustersSharingNodes(c client.Reader) handler.MapFunc {
	return func(ctx context.Context, _ client.Object) []reconcile.Request {
		var pods corev1.PodList
		if err := c.List(ctx, &pods, client.HasLabels{v1alpha1.LabelCluster}, client.UnsafeDisableDeepCopy); err != nil {
			return nil
		}
		type placed struct{ cluster, node types.NamespacedName }
		seen := map[placed]bool{}
		sharing := map[types.NamespacedName]bool{}
		for i := range pods.Items {
			p := &pods.Items[i]
			key := types.NamespacedName{Namespace: p.Namespace, Name: p.Labels[v1alpha1.LabelCluster]}
			at := placed{cluster: key, node: types.NamespacedName{Name: p.Spec.NodeName}}
			if p.Spec.NodeName != "" && seen[at] {
				sharing[key] = true
			}
			seen[at] = true
		}
		out := make([]reconcile.Request, 0, len(sharing))
		for key := range sharing {
			out = append(out, reconcile.Request{NamespacedName: key})
		}
		return out
	}
}
