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

// semiSync turns the primary's ack wait on whenever it is wanted, even with
// no replica connected yet: a writable primary never acknowledges a write no
// replica holds. It turns it off when not wanted (B.6). Here the primary
// answers and is writable.
func semiSync(v *view) (Step, bool) {
	p := v.primary
	switch want := v.semiSyncWanted(); {
	case want && !p.SemiSyncSource:
		return actStep(EnableSemiSync, "semiSync", p.Name,
			"semi-sync is wanted and %s does not wait for acknowledgements (%d semi-sync replica(s) connected): commits now wait for one",
			p.Name, p.SemiSyncClients), true
	case !want && p.SemiSyncSource:
		return actStep(DisableSemiSync, "semiSync", p.Name,
			"semi-sync is not wanted (mode %s, %d member(s)): %s stops waiting for acknowledgements", v.s.Mode, v.s.Replicas, p.Name), true
	}
	return Step{}, false
}

// repairReplicas repairs the first member, lowest ordinal first, that needs
// it (B.7). Members that do not answer, have no pod, are being deleted or are
// isolated (their steps keep failing) are left alone.
func repairReplicas(v *view) (Step, bool) {
	for _, m := range v.others() {
		if !m.Reachable || !m.PodExists || m.Deleting || m.Isolated {
			continue
		}
		if st, ok := repairMember(v, m); ok {
			return st, true
		}
	}
	return Step{}, false
}

func repairMember(v *view, m Member) (Step, bool) {
	p := v.primary
	// Seeds first: a member that needs one must not be repointed. Members
	// above spec.replicas are about to go and are not seeded.
	if v.errant(m) {
		st, ok := reseedErrant(v, m)
		return st, ok && !v.removing(m)
	}
	if st, ok := needsSeed(v, m); ok {
		return st, !v.removing(m)
	}
	if m.Source != p.Name {
		st := actStep(ConfigureReplica, "repoint", m.Name,
			"%s replicates from %q: pointing it at the primary %s with GTID auto-positioning", m.Name, m.Source, p.Name)
		return st.from(p.Name), true
	}
	if !m.IORunning || !m.SQLRunning {
		return actStep(StartReplication, "restartThreads", m.Name,
			"%s: %s; starting replication", m.Name, threadsMessage(m)), true
	}
	return Step{}, false
}

// reseedErrant re-seeds an errant member once its errant set is confirmed:
// computed now and recorded at the previous observation (B.7.1). Its binary
// logs are kept aside first: they may hold the only copy of a write.
func reseedErrant(v *view, m Member) (Step, bool) {
	extra, ok := v.errantSet(m)
	if !ok || extra.IsEmpty() || !m.Errant {
		return Step{}, false
	}
	donor := seedDonor(v, m)
	return actStep(Seed, "reseedErrant", m.Name,
		"%s has errant transactions (%s) the primary %s never executed: its binary logs are kept aside (keepAside) and it is re-seeded from %s",
		m.Name, extra, v.primary.Name, donor).from(donor), true
}

// needsSeed returns the Seed step for m, which is not errant, when its
// datadir must be re-created: binlogs purged on the source (B.7.2), or a new
// empty member while the primary has data (B.7.3).
func needsSeed(v *view, m Member) (Step, bool) {
	donor := seedDonor(v, m)
	// Not errant here means m has nothing the primary lacks. A running IO
	// thread is working, whatever error it last reported.
	if m.LastIOErrno == 1236 && !m.IORunning {
		return actStep(Seed, "reseedPurged", m.Name,
			"%s cannot replicate: the source no longer has binlogs it needs (error 1236); re-seeding it from %s",
			m.Name, donor).from(donor), true
	}
	if !m.hasData() && m.Source == "" && v.primary.hasData() {
		return actStep(Seed, "seedEmpty", m.Name,
			"%s has an empty datadir and the primary %s has data: seeding it from %s",
			m.Name, v.primary.Name, donor).from(donor), true
	}
	return Step{}, false
}

// seedDonor is the lowest-ordinal serving replica other than m, else the
// primary: a replica donor keeps the load off the primary.
func seedDonor(v *view, m Member) string {
	for _, o := range v.others() {
		if ok, _ := v.serving(o); ok && o.Name != m.Name && !o.Isolated {
			return o.Name
		}
	}
	return v.primary.Name
}

// rollingRestart restarts the highest-ordinal outdated replica once every
// other member serves (B.8). A single-member cluster restarts its primary:
// there is nobody to switch over to.
func rollingRestart(v *view) (Step, bool) {
	for _, m := range v.members {
		if m.Deleting {
			return Step{}, false
		}
	}
	if len(v.members) == 1 && v.s.Replicas <= 1 && v.primary.Outdated && v.primary.PodExists && !v.primary.Isolated {
		return actStep(Restart, "rollingRestart", v.primary.Name,
			"%s runs an outdated pod template and is the only member: restarting it", v.primary.Name), true
	}
	pending := outdatedReplicas(v)
	for i := len(pending) - 1; i >= 0; i-- {
		c := pending[i]
		if !c.Isolated && allServingExcept(v, c) {
			return actStep(Restart, "rollingRestart", c.Name,
				"%s runs an outdated pod template and every other member serves: restarting it", c.Name), true
		}
	}
	return Step{}, false
}

// outdatedReplicas are the members other than the primary, below
// spec.replicas, whose pod runs an outdated template, by ordinal.
func outdatedReplicas(v *view) []Member {
	var out []Member
	for _, m := range v.others() {
		if m.Outdated && m.PodExists && !v.removing(m) {
			out = append(out, m)
		}
	}
	return out
}

// allServingExcept reports whether every ordinal below spec.replicas other
// than the primary and c has a member that serves.
func allServingExcept(v *view, c Member) bool {
	for i := 0; i < v.s.Replicas; i++ {
		m, ok := v.byOrdinal(i)
		if !ok {
			return false
		}
		if m.Name == v.primary.Name || m.Name == c.Name {
			continue
		}
		if serving, _ := v.serving(m); !serving {
			return false
		}
	}
	return true
}
