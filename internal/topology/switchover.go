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
	"time"
)

// plan is a wanted switchover: why, to whom, and what prevents it.
type plan struct {
	wanted   bool
	explicit bool   // asked for by the switchover-to annotation
	why      string // what asked for it
	target   Member
	problem  string // why it cannot proceed; "" when the target is a healthy target
}

// planSwitchover says whether a switchover is wanted (B.4): by annotation,
// because the primary's pod is being deleted (a drain or eviction), by a
// scale-down that would remove the primary, or by a rolling restart that has
// reached the primary.
func planSwitchover(v *view) plan {
	s := v.s
	if !v.hasP {
		return plan{}
	}
	all := func(Member) bool { return true }
	switch {
	case s.SwitchoverTo != "" && s.SwitchoverTo != s.CurrentPrimary:
		return explicitPlan(v)
	case v.primary.Deleting && v.primary.Reachable:
		return autoTarget(v, fmt.Sprintf("the primary's pod %s is being deleted", v.primary.Name), all)
	case v.removing(v.primary):
		why := fmt.Sprintf("scale-down to %d members would remove the primary %s", s.Replicas, v.primary.Name)
		return autoTarget(v, why, all)
	case v.primary.Outdated && len(outdatedReplicas(v)) == 0 && len(v.others()) > 0:
		why := "rolling restart has reached the primary " + v.primary.Name
		return autoTarget(v, why, func(m Member) bool { return !m.Outdated })
	}
	return plan{}
}

// explicitPlan is the switchover the annotation asks for. While the primary
// is behind (B.3) its target need not replicate, but must hold everything.
func explicitPlan(v *view) plan {
	to := v.s.SwitchoverTo
	p := plan{wanted: true, explicit: true, why: "switchover to " + to + " requested"}
	t, ok := v.member(to)
	switch {
	case !ok:
		p.problem = "no member is named " + to
	case v.primaryLacks() != "":
		p.target, p.problem = t, behindTarget(v, t)
	default:
		p.target, p.problem = t, healthyTarget(v, t)
	}
	return p
}

// autoTarget picks the lowest-ordinal healthy target that also passes ok.
func autoTarget(v *view, why string, ok func(Member) bool) plan {
	p := plan{wanted: true, why: why}
	for _, m := range v.others() {
		if healthyTarget(v, m) == "" && ok(m) {
			p.target = m
			return p
		}
	}
	p.problem = fmt.Sprintf("no healthy, up-to-date replica below ordinal %d to take over", v.s.Replicas)
	return p
}

// eligibleTarget returns why m can never take over in a switchover, "" if it
// may (what the switchover further needs is checked by the callers).
func eligibleTarget(v *view, m Member) string {
	switch {
	case m.Name == v.s.CurrentPrimary:
		return m.Name + " is already the primary"
	case v.removing(m):
		return fmt.Sprintf("%s is above the desired %d members", m.Name, v.s.Replicas)
	case !m.PodExists || m.Deleting || !m.PodReady:
		return m.Name + "'s pod is not ready"
	case !m.Reachable:
		return m.Name + " does not answer"
	case v.errant(m):
		return m.Name + " has errant transactions"
	case m.Isolated:
		return m.Name + "'s steps failed repeatedly (isolated)"
	}
	return ""
}

// healthyTarget returns why m cannot take over in a switchover, "" if it can.
func healthyTarget(v *view, m Member) string {
	switch {
	case eligibleTarget(v, m) != "":
		return eligibleTarget(v, m)
	case m.Source != v.s.CurrentPrimary:
		return fmt.Sprintf("%s does not replicate from %s", m.Name, v.s.CurrentPrimary)
	case !m.IORunning || !m.SQLRunning:
		return m.Name + ": " + threadsMessage(m)
	}
	return ""
}

// behindTarget returns why m cannot take over from a primary that is behind
// (B.3): P has nothing more to send, so m need not replicate from it, but m
// must hold every transaction P or any non-errant member has.
func behindTarget(v *view, m Member) string {
	if why := eligibleTarget(v, m); why != "" {
		return why
	}
	p := v.primary
	p.Received = p.Executed // only what the primary applied counts
	return lacks(m, append(nonErrant(v, v.others()), p))
}

// switchover runs the phases of a wanted switchover whose target is healthy:
// fence the primary once the target has about caught up, wait for the target
// to apply everything, promote it (B.4).
func switchover(v *view) (Step, bool) {
	p := planSwitchover(v)
	if !p.wanted || p.problem != "" || !v.primaryReachable() {
		return Step{}, false
	}
	t, old := p.target, v.primary
	if old.Writable {
		if !readyToFence(v, t) {
			return Step{}, false // not ready to start: settled reports it
		}
		return actStep(Fence, "switchover", old.Name,
			"%s: fencing %s and killing its client connections", p.why, old.Name), true
	}
	if missing := old.Executed.Subtract(t.Executed); !missing.IsEmpty() {
		return waitStep("switchover", "%s: waiting for %s to apply %s", p.why, t.Name, missing), true
	}
	if st, ok := waitApplied(t, "switchover", "switchover"); ok {
		return st, true
	}
	st := actStep(Promote, "switchover", t.Name,
		"%s: %s has every transaction of %s; promoting it", p.why, t.Name, old.Name)
	st.Also = followers(v, t)
	return st, true
}

// readyToFence: writes pause from the fence until the promotion, so the
// target must be connected, within the lag bound and about caught up: lag at
// most fenceLag, or nothing received left to apply (B.4.2).
func readyToFence(v *view, t Member) bool {
	return t.IOConnected && withinLag(t, v.s.MaxLag) && (t.Lag <= fenceLag || t.applied())
}

// fenceLag is the largest lag at which a switchover fences the primary.
const fenceLag = time.Second
