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

import (
	"fmt"
	"strings"
	"time"
)

// Role is a member's place in the topology; also the value of the role label.
type Role string

// The roles. Before any primary is recorded every member is RoleUnknown.
const (
	RolePrimary Role = "primary"
	RoleReplica Role = "replica"
	RoleUnknown Role = "unknown"
)

// Assignment is the role label of one pod and whether it serves: the primary
// Service selects role=primary, the replicas Service role=replica and
// serving=true. Dropping a lagging replica is only a label change.
type Assignment struct {
	Name    string
	Role    Role
	Serving bool
}

// MemberStatus is the per-member summary for status.
type MemberStatus struct {
	Name     string
	Ordinal  int
	Role     Role
	Ready    bool   // the pod's readiness
	Serving  bool   // see Assignment
	Executed string // the executed GTID set (last recorded when the member does not answer)
	Lag      time.Duration
	LagKnown bool
	Errant   bool
	// ErrantTransactions is what the member has beyond the primary, when computable.
	ErrantTransactions string
	Message            string // why the member is not serving; "" when it is
}

// Condition is one status condition as plain data.
type Condition struct {
	Status  bool
	Reason  string // CamelCase
	Message string
}

// Health is the cluster summary behind the Available, Ready and Degraded conditions.
type Health struct {
	Available Condition // a writable primary exists
	Ready     Condition // every desired member exists and serves
	Degraded  Condition // some member is unhealthy, errant or lagging, or the primary is lost
	Serving   int       // members serving, the primary included
	Desired   int       // spec.replicas
}

// Roles returns the role and serving flag of every member that has a pod, by ordinal.
func Roles(s Snapshot) []Assignment {
	v := newView(s)
	var out []Assignment
	for _, m := range v.members {
		if !m.PodExists {
			continue
		}
		role, serving, _ := v.roleOf(m)
		out = append(out, Assignment{Name: m.Name, Role: role, Serving: serving})
	}
	return out
}

// Members returns the status summary of every listed member, by ordinal.
func Members(s Snapshot) []MemberStatus {
	v := newView(s)
	out := make([]MemberStatus, 0, len(v.members))
	for _, m := range v.members {
		role, serving, msg := v.roleOf(m)
		ms := MemberStatus{
			Name: m.Name, Ordinal: m.Ordinal, Role: role, Ready: m.PodReady, Serving: serving,
			Executed: m.Executed.String(), Lag: m.Lag, LagKnown: m.LagKnown,
			Errant: v.errant(m), Message: msg,
		}
		if extra, ok := v.errantSet(m); ok && !extra.IsEmpty() {
			ms.ErrantTransactions = extra.String()
		}
		out = append(out, ms)
	}
	return out
}

// roleOf returns m's role, whether it serves, and why not.
func (v *view) roleOf(m Member) (Role, bool, string) {
	switch {
	case !v.hasP && v.s.CurrentPrimary == "":
		return RoleUnknown, false, "no primary is recorded yet"
	case m.Name == v.s.CurrentPrimary:
		return RolePrimary, m.writable(), primaryMessage(m)
	}
	serving, why := v.serving(m)
	return RoleReplica, serving, why
}

func primaryMessage(p Member) string {
	var parts []string
	switch {
	case !p.Reachable:
		return "primary does not answer"
	case !p.Writable:
		parts = append(parts, "primary is read-only")
	case p.CannotCommit:
		parts = append(parts, "primary cannot commit: "+p.CommitError)
	}
	if p.SemiSyncWaiting > 0 {
		parts = append(parts, fmt.Sprintf("%d session(s) waiting for a semi-sync acknowledgement", p.SemiSyncWaiting))
	}
	return strings.Join(parts, "; ")
}

// StatefulSetReplicas is the replica count the StatefulSet may have now:
// spec.replicas, but never so low that it would remove the current primary
// (a scale-down switches over first, docs/topology.md B.4).
func StatefulSetReplicas(s Snapshot) int {
	v := newView(s)
	if v.hasP && v.primary.Ordinal+1 > s.Replicas {
		return v.primary.Ordinal + 1
	}
	return s.Replicas
}
