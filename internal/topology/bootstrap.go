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

// choosePrimary is section A of docs/topology.md: no primary is recorded yet,
// either because the cluster is new or because its status was lost.
func choosePrimary(v *view) Step {
	if st, ok := waitForEveryMember(v); ok {
		return st
	}
	anyData := false
	for _, m := range v.members {
		anyData = anyData || m.hasData()
	}
	if !anyData {
		return bootstrapEmptyCluster(v)
	}
	return adoptMostComplete(v)
}

// waitForEveryMember: a member that does not answer might be the one holding
// every transaction (A.1).
func waitForEveryMember(v *view) (Step, bool) {
	for _, m := range v.members {
		if !m.Reachable {
			return waitStep("waitForEveryMember",
				"no primary is recorded; %s does not answer and choosing one needs every member's transactions", m.Name), true
		}
	}
	return Step{}, false
}

// bootstrapEmptyCluster: no member has data, so the lowest ordinal becomes
// the first primary (A.2).
func bootstrapEmptyCluster(v *view) Step {
	t := v.members[0]
	if t.Deleting {
		return waitStep("bootstrapEmptyCluster", "%s is being deleted; bootstrap waits", t.Name)
	}
	if st, ok := fenceOthersBeforeChoosing(v, t.Name); ok {
		return st
	}
	st := actStep(Bootstrap, "bootstrapEmptyCluster", t.Name,
		"no member has data and no primary is recorded: %s bootstraps the cluster", t.Name)
	st.Also = followers(v, t)
	return st
}

// adoptMostComplete: members have data but no primary is recorded; adopt the
// member that holds every other member's transactions (A.2 - A.5).
func adoptMostComplete(v *view) Step {
	pool := nonErrant(v, v.members)
	c, ok := adoptionChoice(v, pool)
	if !ok {
		return diverged(v, pool)
	}
	if st, ok := fenceOthersBeforeChoosing(v, c.Name); ok {
		return st
	}
	if st, ok := waitApplied(c, "adoptMostComplete", "adoption"); ok {
		return st
	}
	st := actStep(Promote, "adoptMostComplete", c.Name,
		"no primary is recorded: adopting %s, which holds every member's transactions (%s)", c.Name, c.has())
	st.Also = followers(v, c)
	return st
}

// adoptionChoice prefers, among members holding everything, a writable one
// (it is the old primary), then the one most others replicate from, then the
// lowest ordinal.
func adoptionChoice(v *view, pool []Member) (Member, bool) {
	var best Member
	found := false
	for _, c := range pool {
		if c.Deleting || !holdsAll(c, pool) {
			continue
		}
		if !found || adoptionRank(v, c) > adoptionRank(v, best) {
			best, found = c, true
		}
	}
	return best, found
}

func adoptionRank(v *view, c Member) int {
	followers := 0
	for _, m := range v.members {
		if m.Source == c.Name {
			followers++
		}
	}
	rank := followers
	if c.writable() {
		rank += 1 << 16
	}
	return rank
}

// diverged: no member holds every transaction. Two writers are fenced (never
// a single one: it is no split brain, and a human decides which history wins).
func diverged(v *view, pool []Member) Step {
	var writers []Member
	for _, m := range v.members {
		if m.writable() {
			writers = append(writers, m)
		}
	}
	if len(writers) > 1 {
		w := writers[len(writers)-1]
		return fenceStep("adoptMostComplete", w,
			"no primary is recorded, the members have diverged and %s are writable: fencing %s", names(writers), w.Name)
	}
	return refuseStep("adoptMostComplete", "no primary is recorded and no member holds every transaction: %s",
		describeLacks(pool, pool))
}

// fenceOthersBeforeChoosing: two writers must never coexist (A.3).
func fenceOthersBeforeChoosing(v *view, chosen string) (Step, bool) {
	for _, m := range v.members {
		if m.Name != chosen && m.writable() {
			return fenceStep("fenceOthersBeforeChoosing", m,
				"%s is writable but %s is to become the primary: fencing it first", m.Name, chosen), true
		}
	}
	return Step{}, false
}

func nonErrant(v *view, ms []Member) []Member {
	var out []Member
	for _, m := range ms {
		if !v.errant(m) {
			out = append(out, m)
		}
	}
	return out
}
