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

import "strings"

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
			v.s.CurrentPrimary, describeLacks(failoverCandidates(v, pool), pool))
	}
	if st, ok := waitApplied(c, "waitApplied", "failover"); ok {
		return st
	}
	return actStep(Promote, "chooseCandidate", c.Name,
		"failover: primary %s has not answered for %s; %s holds every transaction (%s)",
		v.s.CurrentPrimary, v.s.PrimaryUnreachableFor, c.Name, c.has())
}

// stopReceivers: without acks the old primary, if alive but cut off, can no
// longer commit (semi-sync), and the received sets stop moving (B.2.3).
func stopReceivers(v *view) (Step, bool) {
	for _, m := range v.others() {
		if m.Reachable && m.IORunning {
			return actStep(StopReplicaIO, "stopReceivers", m.Name,
				"failover: primary %s is lost; stopping %s's IO thread so nothing more is received or acknowledged",
				v.s.CurrentPrimary, m.Name), true
		}
	}
	return Step{}, false
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

// chooseCandidate returns the member that has every transaction any other
// non-errant member has (as observed, or as last recorded for a member that
// does not answer), preferring an ordinal below spec.replicas, then the
// lowest ordinal (B.2.5). pool is what the candidate was compared with.
func chooseCandidate(v *view) (Member, []Member, bool) {
	pool := nonErrant(v, v.others())
	cands := failoverCandidates(v, pool)
	for _, keep := range []bool{true, false} {
		for _, c := range cands {
			if !v.removing(c) == keep && holdsAll(c, pool) {
				return c, pool, true
			}
		}
	}
	return Member{}, pool, false
}

// failoverCandidates are the members of pool that could take over now.
func failoverCandidates(v *view, pool []Member) []Member {
	var out []Member
	for _, m := range pool {
		if m.Reachable && m.PodExists && !m.Deleting {
			out = append(out, m)
		}
	}
	return out
}

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
