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

// rule is one line of docs/topology.md: it returns a step when it applies.
type rule func(v *view) (Step, bool)

// primaryRules are section B of docs/topology.md, in order. Earlier rules
// protect data, later ones restore redundancy, the last are housekeeping.
var primaryRules = []rule{
	fenceRogueWriter,    // B.1
	primaryLost,         // B.2
	primaryBehind,       // B.3
	switchover,          // B.4
	makePrimaryWritable, // B.5
	semiSync,            // B.6
	relaxAccounts,       // B.7 (TLS turned off: before replicas and restarts go plain)
	repairReplicas,      // B.7
	requireAccountTLS,   // B.7 (TLS everywhere: the accounts refuse plain connections)
	rollingRestart,      // B.8
	spreadMembers,       // B.9
}

// Decide returns the single next step for the cluster. It is pure: the same
// snapshot, in any member order, always yields the same step.
func Decide(s Snapshot) Step {
	v := newView(s)
	if len(v.members) == 0 {
		return waitStep("noMembers", "no member observed yet")
	}
	if s.CurrentPrimary == "" {
		return choosePrimary(v)
	}
	for _, r := range primaryRules {
		if st, ok := r(v); ok {
			return st
		}
	}
	return settled(v)
}

// fenceRogueWriter: only the recorded primary is ever writable (B.1).
func fenceRogueWriter(v *view) (Step, bool) {
	for _, m := range v.others() {
		if m.writable() {
			return fenceStep("fenceRogueWriter", m,
				"%s is writable but %s is the primary: fencing it", m.Name, v.s.CurrentPrimary), true
		}
	}
	return Step{}, false
}

// fenceStep fences m, or restarts its pod once fencing it failed repeatedly:
// read_only waits for commits stuck on an ack that will never come, and they
// must not be released by turning the wait off (B.1, A.3).
func fenceStep(rule string, m Member, format string, args ...any) Step {
	if m.Isolated && m.PodExists {
		return actStep(ForceRestart, rule, m.Name,
			"fencing %s failed repeatedly: restarting its pod; it comes back read-only", m.Name)
	}
	return actStep(Fence, rule, m.Name, format, args...)
}

// primaryBehind: a read-only primary that lacks transactions another member
// has lost them (crash without the binlog tail); it must not take writes (B.3).
// An explicit switchover to a member that holds everything goes ahead (B.4):
// the primary is read-only already, as good as fenced.
func primaryBehind(v *view) (Step, bool) {
	d := v.primaryLacks()
	if d == "" {
		return Step{}, false
	}
	p := planSwitchover(v)
	switch {
	case p.explicit && p.problem == "":
		return Step{}, false
	case p.explicit:
		return refuseStep("primaryBehind", "primary %s stays read-only: %s; switchover to %s refused: %s",
			v.primary.Name, d, v.s.SwitchoverTo, p.problem), true
	}
	return refuseStep("primaryBehind",
		"primary %s stays read-only: %s; switch over to a member that has everything or re-seed %s",
		v.primary.Name, d, v.primary.Name), true
}

// primaryLacks says what a reachable, read-only primary lacks that a
// non-errant member has; "" when nothing (or P is writable or lost).
func (v *view) primaryLacks() string {
	if !v.primaryReachable() || v.primary.Writable {
		return ""
	}
	p := v.primary
	p.Received = p.Executed // only what the primary applied counts
	return lacks(p, nonErrant(v, v.others()))
}

// makePrimaryWritable: the normal step after every restart of the primary (B.5).
func makePrimaryWritable(v *view) (Step, bool) {
	if v.primaryReachable() && !v.primary.Writable {
		return actStep(MakeWritable, "makePrimaryWritable", v.primary.Name,
			"primary %s answers read-only: making it writable", v.primary.Name), true
	}
	return Step{}, false
}

// settled: nothing to do; report a pending or refused switchover or restart (B.9).
func settled(v *view) Step {
	if p := planSwitchover(v); p.wanted {
		switch {
		case p.problem != "" && p.explicit:
			return refuseStep("settled", "switchover to %s refused: %s", v.s.SwitchoverTo, p.problem)
		case p.problem != "":
			return waitStep("settled", "%s; no switchover yet: %s", p.why, p.problem)
		default:
			return waitStep("settled", "%s; switchover to %s waits until it is connected and caught up (lag at most %s)",
				p.why, p.target.Name, fenceLag)
		}
	}
	if pending := outdatedReplicas(v); len(pending) > 0 {
		return waitStep("settled", "rolling restart of %s waits until every other member serves", names(pending))
	}
	return waitStep("settled", "primary %s is writable; nothing to do%s", v.s.CurrentPrimary, sharedNodeNote(v))
}
