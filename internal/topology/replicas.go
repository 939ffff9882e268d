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
	case want && !p.SemiSyncSource && (p.SemiSyncClients > 0 || replicaCanReturn(v)):
		return actStep(EnableSemiSync, "semiSync", p.Name,
			"semi-sync is wanted and %s does not wait for acknowledgements (%d semi-sync replica(s) connected): commits now wait for one",
			p.Name, p.SemiSyncClients), true
	case !want && p.SemiSyncSource:
		return actStep(DisableSemiSync, "semiSync", p.Name,
			"semi-sync is not wanted (mode %s, %d member(s)): %s stops waiting for acknowledgements", v.s.Mode, v.s.Replicas, p.Name), true
	}
	return Step{}, false
}

// replicaCanReturn reports whether a member that is to stay already holds transactions: it
// replicated before and will acknowledge again once repaired. Without one (a single member scaled
// up, its new members still seeding) the wait would stop every write until a seed completes, so
// it is turned on when the first replica connects.
func replicaCanReturn(v *view) bool {
	for _, m := range v.others() {
		if !v.removing(m) && m.hasData() {
			return true
		}
	}
	return false
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
	// above spec.replicas are about to go and are not seeded; a seed without
	// a donor waits (the member is left alone meanwhile).
	if st, needed := seedStep(v, m); needed {
		return st, st.Kind == Seed && !v.removing(m)
	}
	if m.Source != p.Name {
		st := actStep(ConfigureReplica, "repoint", m.Name,
			"%s replicates from %q: pointing it at the primary %s with GTID auto-positioning", m.Name, m.Source, p.Name)
		return st.from(p.Name), true
	}
	if want := ReplicatesOverTLS(v.s, m, p); want != m.ReplicationTLS && (want || !v.s.AccountsRequireTLS) {
		st := actStep(ConfigureReplica, "encryptReplication", m.Name,
			"%s replicates from %s %s: configuring it %s", m.Name, p.Name, overTLS(m.ReplicationTLS), overTLS(want))
		return st.from(p.Name), true
	}
	if !m.IORunning || (!m.SQLRunning && !(m.BackingUp && m.LastSQLErrno == 0)) {
		return actStep(StartReplication, "restartThreads", m.Name,
			"%s: %s; starting replication", m.Name, threadsMessage(m)), true
	}
	return Step{}, false
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

func overTLS(on bool) string {
	if on {
		return "over TLS"
	}
	return "without TLS"
}

// tlsEverywhere reports whether every desired member has a pod that serves TLS and every replica
// replicates from P over it, a semi-sync one connected when the wait is on: only then can the
// accounts refuse plain connections without cutting anyone off, and their change (a replicated
// transaction) commit at once. A member still to come would otherwise need a seed for it.
func tlsEverywhere(v *view) bool {
	if !v.s.TLS || commitWouldWait(v) {
		return false
	}
	present := 0
	for _, m := range v.members {
		if !m.PodExists {
			continue
		}
		if !v.removing(m) {
			present++
		}
		if !m.ServesTLS || (m.Name != v.primary.Name && (!m.Reachable || m.Source != v.primary.Name || !m.ReplicationTLS)) {
			return false
		}
	}
	return present >= v.s.Replicas
}

// requireAccountTLS makes the replication and operator accounts refuse plain connections once TLS
// reaches every member (B.7): a password then never crosses the network in the clear.
func requireAccountTLS(v *view) (Step, bool) {
	if !v.primaryEstablished() || v.s.AccountsRequireTLS || !tlsEverywhere(v) {
		return Step{}, false
	}
	return actStep(RequireAccountTLS, "requireAccountTLS", v.primary.Name,
		"every member serves TLS and replicates over it: the replication and operator accounts now refuse plain connections"), true
}

// relaxAccounts lets the accounts connect without TLS again when TLS is turned off, before any
// replica is configured without it or any member restarts without certificates (B.7).
func relaxAccounts(v *view) (Step, bool) {
	if !v.primaryEstablished() || !v.s.AccountsRequireTLS || v.s.TLS || commitWouldWait(v) {
		return Step{}, false
	}
	return actStep(RelaxAccountTLS, "relaxAccountTLS", v.primary.Name,
		"TLS is turned off: the replication and operator accounts accept plain connections again before members stop serving TLS"), true
}

// commitWouldWait reports whether a transaction on P would wait for an acknowledgement no
// replica can give now: the account steps (replicated transactions) wait until one is connected.
func commitWouldWait(v *view) bool {
	return v.semiSyncWanted() && v.primary.SemiSyncClients == 0
}
