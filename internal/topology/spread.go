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

package topology

import "fmt"

// spreadMembers (B.9) moves a replica off a node it shares with another member, once a node its
// pods may run on holds no member: after a fault (a re-seeded or evicted pod scheduled while its
// own node was tainted or cordoned) the members' anti-affinity, a preference, can leave two on one
// node, and losing that node would then lose two members at once. The replica is restarted like a
// rolling restart (every other member serving, none being deleted, no switchover wanted), and only
// while another replica keeps acknowledging the primary's commits in semi-sync: a move may take
// longer than a restart (a volume detached and attached elsewhere), so it must not hold up writes.
// The scheduler places the new pod on the node without a member. A member that was moved and landed beside another member
// again (MoveFailed: its volume may be bound to the node) is not moved again.
func spreadMembers(v *view) (Step, bool) {
	if v.s.SchedulableNodes == nil || len(outdatedReplicas(v)) > 0 || planSwitchover(v).wanted || !ackedWithout(v) {
		return Step{}, false
	}
	for _, m := range v.members {
		if m.Deleting {
			return Step{}, false
		}
	}
	spare := spareNodes(v)
	if len(spare) == 0 {
		return Step{}, false
	}
	for _, c := range movableReplicas(v) {
		if serving, _ := v.serving(c); serving && allServingExcept(v, c) {
			return actStep(Restart, "spreadMembers", c.Name,
				"%s shares node %s with %s and node %s holds no member: restarting it so that it is scheduled there",
				c.Name, c.Node, names(v.sharing(c)), spare[0]), true
		}
	}
	return Step{}, false
}

// ackedWithout reports whether the primary's commits stay acknowledged while one replica restarts:
// it commits, and in semi-sync another semi-sync replica is connected.
func ackedWithout(v *view) bool {
	p := v.primary
	return p.writable() && !p.CannotCommit && (!v.semiSyncWanted() || p.SemiSyncClients >= 2)
}

// movableReplicas are the replicas below spec.replicas that share their node with another member
// and may be moved (a pod, not isolated, not moved back there before), highest ordinal first.
func movableReplicas(v *view) []Member {
	var out []Member
	others := v.others()
	for i := len(others) - 1; i >= 0; i-- {
		m := others[i]
		if m.PodExists && !m.Isolated && !m.MoveFailed && !m.Pinned && !v.removing(m) && len(v.sharing(m)) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// sharing are the other members to stay (below spec.replicas) on m's node, none when its node is
// unknown.
func (v *view) sharing(m Member) []Member {
	var out []Member
	for _, o := range v.members {
		if m.Node != "" && o.Name != m.Name && o.Node == m.Node && !v.removing(o) {
			out = append(out, o)
		}
	}
	return out
}

// spareNodes are the schedulable nodes that hold no member, sorted as observed.
func spareNodes(v *view) []string {
	used := map[string]bool{}
	for _, m := range v.members {
		used[m.Node] = true
	}
	var out []string
	for _, n := range v.s.SchedulableNodes {
		if !used[n] {
			out = append(out, n)
		}
	}
	return out
}

// sharedNodeNote says, for the settled message, which members share a node and why they stay
// there; "" when no two members share one.
func sharedNodeNote(v *view) string {
	for _, m := range v.members {
		if others := v.sharing(m); len(others) > 0 && !v.removing(m) {
			why := "moving one waits until every member serves and another replica acknowledges"
			switch {
			case v.s.SchedulableNodes == nil:
				why = "the operator does not place members (spec.pod.affinity or topologySpreadConstraints are set, or it cannot read nodes)"
			case len(spareNodes(v)) == 0:
				why = "no other node their pods may run on is free"
			case len(movableReplicas(v)) == 0:
				why = unmovable(append(others, m))
			}
			return fmt.Sprintf("; %s and %s share node %s: %s", m.Name, names(others), m.Node, why)
		}
	}
	return ""
}

// unmovable says why none of members (sharing a node) may be moved.
func unmovable(members []Member) string {
	for _, m := range members {
		if m.Pinned {
			return "its volume is bound to nodes that hold a member (a local or zonal volume)"
		}
		if m.MoveFailed {
			return "moving them did not help (the scheduler placed the pod beside another member again: its volume may be bound to the node)"
		}
	}
	return "a replica there is isolated (its steps keep failing) or has no pod"
}
