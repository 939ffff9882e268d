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
	"strings"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// primaryLost is B.2 of docs/topology.md: the recorded primary does not
// answer. It always returns a step: nothing else is done while the primary
// is lost, except fencing (B.1, checked before).
func primaryLost(v *view) (Step, bool) {
	if v.primaryReachable() {
		return Step{}, false
	}
	s := v.s
	if s.PrimaryUnreachableFor < s.FailoverDelay {
		st := waitStep("waitFailoverDelay", "primary %s has not answered for %s; failover starts after %s",
			s.CurrentPrimary, s.PrimaryUnreachableFor, s.FailoverDelay)
		st.After = s.FailoverDelay - s.PrimaryUnreachableFor
		return st, true
	}
	if !s.FailoverEnabled {
		return waitStep("failoverDisabled", "primary %s has not answered for %s and failover is disabled",
			s.CurrentPrimary, s.PrimaryUnreachableFor), true
	}
	return failover(v), true
}

// failover runs the phases in order; each pass does the first one not done.
func failover(v *view) Step {
	if st, ok := stopReceivers(v); ok {
		return st
	}
	if st, ok := waitUnseenReplica(v); ok {
		return st
	}
	c, pool, ok := chooseCandidate(v)
	if !ok {
		return refuseStep("chooseCandidate", "failover from %s refused: no member holds every transaction: %s",
			v.s.CurrentPrimary, describeLacks(failoverCandidates(v), pool))
	}
	if st, ok := waitApplied(c, "waitApplied", "failover"); ok {
		return st
	}
	st := actStep(Promote, "chooseCandidate", c.Name,
		"failover: primary %s has not answered for %s; %s holds every transaction (%s)",
		v.s.CurrentPrimary, v.s.PrimaryUnreachableFor, c.Name, c.has())
	st.Also = followers(v, c)
	return st
}

// stopReceivers: without acks the old primary, if alive but cut off, can no
// longer commit (semi-sync), and the received sets stop moving (B.2.3). One
// step stops every receiver: a failover must not cost a pass per member.
func stopReceivers(v *view) (Step, bool) {
	var receivers []string
	for _, m := range v.others() {
		if m.Reachable && m.IORunning {
			receivers = append(receivers, m.Name)
		}
	}
	if len(receivers) == 0 {
		return Step{}, false
	}
	st := actStep(StopReplicaIO, "stopReceivers", receivers[0],
		"failover: primary %s is lost; stopping the IO thread of %s so nothing more is received or acknowledged",
		v.s.CurrentPrimary, strings.Join(receivers, ", "))
	st.Also = nilIfEmpty(receivers[1:])
	return st, true
}

// waitUnseenReplica: a member whose pod is ready but which does not answer
// may be alive and hold transactions nobody else has (B.2.4).
func waitUnseenReplica(v *view) (Step, bool) {
	for _, m := range v.others() {
		if !m.Reachable && m.PodReady {
			return waitStep("waitUnseenReplica",
				"failover waits: %s does not answer but its pod is ready; it may hold transactions no other member has", m.Name), true
		}
	}
	return Step{}, false
}

// chooseCandidate returns the candidate that holds every transaction of the
// pool, preferring (candidateBefore) one that can be promoted soonest and
// stays (B.2.5). pool is what the candidate was compared with.
func chooseCandidate(v *view) (Member, []Member, bool) {
	pool := failoverPool(v)
	var best Member
	found := false
	for _, c := range failoverCandidates(v) {
		if holdsAll(c, pool) && (!found || candidateBefore(v, c, best)) {
			best, found = c, true
		}
	}
	return best, pool, found
}

// failoverPool is every member other than P as the candidate must cover it:
// an errant member's acks counted on P too, so what it holds beyond its
// known errant transactions counts (B.2.5).
func failoverPool(v *view) []Member {
	pool := v.others()
	for i, m := range pool {
		if !v.errant(m) {
			continue
		}
		kept := m.has().Subtract(m.RecordedErrant)
		if extra, ok := v.errantSet(m); ok {
			kept = kept.Subtract(extra)
		}
		pool[i].Executed, pool[i].Received = kept, gtid.Set{}
	}
	return pool
}

// failoverCandidates are the members that could take over now: they answer,
// have a pod that is not being deleted, and are not errant.
func failoverCandidates(v *view) []Member {
	var out []Member
	for _, m := range v.others() {
		if m.Reachable && m.PodExists && !m.Deleting && !v.errant(m) {
			out = append(out, m)
		}
	}
	return out
}

// candidateBefore orders holders of every transaction: not isolated (its
// steps keep failing), an ordinal below spec.replicas (it stays), the
// smallest unapplied backlog (it is ready sooner), the lowest ordinal.
func candidateBefore(v *view, a, b Member) bool {
	switch {
	case a.Isolated != b.Isolated:
		return !a.Isolated
	case v.removing(a) != v.removing(b):
		return !v.removing(a)
	case backlog(a) != backlog(b):
		return backlog(a) < backlog(b)
	}
	return a.Ordinal < b.Ordinal
}

// backlog is how many received transactions m has not applied yet.
func backlog(m Member) uint64 { return m.has().Subtract(m.Executed).Count() }

// waitApplied: resetting replication on a member with unapplied relay log
// would discard those transactions (B.2.6, A.4, B.4.4).
func waitApplied(c Member, rule, what string) (Step, bool) {
	if c.applied() {
		return Step{}, false
	}
	pending := c.has().Subtract(c.Executed)
	if c.SQLRunning {
		return waitStep(rule, "%s waits for %s to apply %s from its relay log", what, c.Name, pending), true
	}
	return refuseStep(rule, "%s refused: %s cannot apply %s, its SQL thread is stopped (error %d)",
		what, c.Name, pending, c.LastSQLErrno), true
}

// describeLacks says, for each candidate, what it lacks and who holds it.
func describeLacks(cands, pool []Member) string {
	if len(cands) == 0 {
		return "no member that answers can take over"
	}
	var parts []string
	for _, c := range cands {
		if d := lacks(c, pool); d != "" {
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, "; ")
}
