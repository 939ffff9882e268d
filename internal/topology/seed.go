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

// seedStep says whether m's datadir must be re-created (B.7.1-3) and returns
// the Seed step; the step is zero while the seed cannot happen yet (an errant
// set not confirmed, or no donor). A member that needs a seed is never
// repointed or restarted as a replica.
func seedStep(v *view, m Member) (Step, bool) {
	why, rule, needed := seedReason(v, m)
	if !needed || why == "" {
		return Step{}, needed
	}
	donor, note := seedDonor(v, m)
	if donor == "" {
		return Step{}, true
	}
	return actStep(Seed, rule, m.Name, "%s from %s%s", why, donor, note).from(donor), true
}

// seedReason returns why m needs a seed and the rule, or "" with needed set
// when it needs one that must wait. The reason ends where the donor follows.
func seedReason(v *view, m Member) (why, rule string, needed bool) {
	p := v.primary
	if v.errant(m) {
		// Confirmed on two observations: the flag recorded at the previous one,
		// and computed now (B.7.1). Its binlogs may hold the only copy of a write.
		extra, ok := v.errantSet(m)
		if !ok || extra.IsEmpty() || !m.Errant {
			return "", "", true
		}
		return fmt.Sprintf("%s has errant transactions (%s) the primary %s never executed: "+
			"its binary logs are kept aside (keepAside) and it is re-seeded", m.Name, extra, p.Name), "reseedErrant", true
	}
	// Not errant here means m has nothing the primary lacks. A running IO
	// thread is working, whatever error it last reported.
	if m.LastIOErrno == 1236 && !m.IORunning {
		return fmt.Sprintf("%s cannot replicate: the source no longer has binlogs it needs (error 1236); re-seeding it",
			m.Name), "reseedPurged", true
	}
	if !m.hasData() && m.Source == "" && p.hasData() {
		return fmt.Sprintf("%s has an empty datadir and the primary %s has data: seeding it", m.Name, p.Name),
			"seedEmpty", true
	}
	return "", "", false
}

// seedDonor chooses whom m is seeded from: a serving replica (it keeps the
// load off the primary), else the primary unless its pod is being deleted,
// preferring one that runs m's server version (MySQL's clone requires it;
// an image upgrade must not deadlock on a seed). note names a mismatch.
func seedDonor(v *view, m Member) (donor, note string) {
	var donors []Member
	for _, o := range v.others() {
		if ok, _ := v.serving(o); ok && o.Name != m.Name && !o.Isolated {
			donors = append(donors, o)
		}
	}
	if !v.primary.Deleting {
		donors = append(donors, v.primary)
	}
	if len(donors) == 0 {
		return "", ""
	}
	for _, d := range donors {
		if d.Version != "" && d.Version == m.Version {
			return d.Name, ""
		}
	}
	d := donors[0]
	if d.Version != "" && m.Version != "" {
		note = fmt.Sprintf(" (no donor runs %s's version %s; %s runs %s)", m.Name, m.Version, d.Name, d.Version)
	}
	return d.Name, note
}

// VolumeSeedDonor chooses the member whose volume is snapshotted for the volume of target, a
// member the StatefulSet is about to create, when new members are seeded from volume snapshots
// (docs/topology.md, "Volume seeds"). needed is false while the cluster holds no data: no primary recorded
// yet, or one without transactions (a new member then initialises empty, like the first). The
// donor is chosen as for a streamed seed (seedDonor): a serving replica, else the primary; ""
// with needed set means none may be snapshotted now, and the new member waits.
func VolumeSeedDonor(s Snapshot, target string) (donor, note string, needed bool) {
	v := newView(s)
	if !v.hasP || !v.primary.hasData() {
		return "", "", false
	}
	if !v.primaryReachable() {
		return "", "", true
	}
	donor, note = seedDonor(v, Member{Name: target})
	return donor, note, true
}
