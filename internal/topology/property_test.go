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
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// randomSnapshot builds a plausible-to-hostile cluster: members share a
// history a:1-k, some hold extra (errant-looking) transactions, relay logs
// run ahead, flags are random.
func randomSnapshot(r *rand.Rand) Snapshot {
	n := 1 + r.IntN(5)
	ms := make([]Member, n)
	for i := range ms {
		ms[i] = randomMember(r, i, n)
	}
	s := cluster("", ms...)
	switch x := r.IntN(10); {
	case x < 2:
	case x < 3:
		s.CurrentPrimary = "mysql-9" // recorded, but neither pod nor volume
	default:
		s.CurrentPrimary = ms[r.IntN(n)].Name
	}
	s.Replicas = 1 + r.IntN(n+1)
	s.FailoverEnabled = r.IntN(5) > 0
	s.PrimaryUnreachableFor = []time.Duration{0, 5 * time.Second, 20 * time.Second}[r.IntN(3)]
	s.Mode = []Mode{SemiSync, Async}[r.IntN(2)]
	if r.IntN(3) == 0 {
		s.SwitchoverTo = fmt.Sprintf("mysql-%d", r.IntN(n+1))
	}
	return s
}

func randomMember(r *rand.Rand, i, n int) Member {
	k := r.IntN(12)
	executed := ""
	if k > 0 {
		executed = fmt.Sprintf("a:1-%d", k)
	}
	if r.IntN(6) == 0 {
		executed = join(executed, fmt.Sprintf("b:%d", 1+r.IntN(2)))
	}
	m := Member{
		Name: fmt.Sprintf("mysql-%d", i), Ordinal: i,
		PodExists: r.IntN(10) > 0, Deleting: r.IntN(10) == 0, Outdated: r.IntN(5) == 0,
		Reachable: r.IntN(4) > 0, Writable: r.IntN(3) == 0,
		IORunning: r.IntN(3) > 0, SQLRunning: r.IntN(4) > 0,
		LastIOErrno: []int{0, 0, 1236, 2003}[r.IntN(4)],
		Executed:    set(executed), Lag: time.Duration(r.IntN(60)) * time.Second, LagKnown: r.IntN(4) > 0,
		Errant: r.IntN(8) == 0, HasData: r.IntN(10) == 0,
		SemiSyncSource: r.IntN(2) == 0, SemiSyncClients: r.IntN(3),
		Isolated: r.IntN(8) == 0, PrevServing: r.IntN(2) == 0, CannotCommit: r.IntN(8) == 0,
		Version: []string{"", "11.4.5-MariaDB", "11.4.7-MariaDB"}[r.IntN(3)],
	}
	if m.Errant && r.IntN(2) == 0 {
		m.RecordedErrant = set("b:1")
	}
	m.PodReady = m.PodExists && r.IntN(3) > 0
	m.IOConnected = m.IORunning && r.IntN(3) > 0
	if src := r.IntN(n + 1); src < n {
		m.Source = fmt.Sprintf("mysql-%d", src)
	}
	if r.IntN(3) == 0 {
		m.Received = set(join(executed, fmt.Sprintf("a:1-%d", k+1+r.IntN(3))))
	}
	return m
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}

// TestDecideProperties checks the safety rules on random snapshots.
func TestDecideProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := map[Kind]int{}
	for i := 0; i < 30000; i++ {
		s := randomSnapshot(r)
		st := Decide(s)
		kinds[st.Kind]++
		if err := checkStep(s, st); err != nil {
			t.Fatalf("snapshot %d: %v\nstep: %+v\nsnapshot: %s", i, err, st, dump(s))
		}
		shuffled := s
		shuffled.Members = slices.Clone(s.Members)
		r.Shuffle(len(shuffled.Members), func(a, b int) {
			shuffled.Members[a], shuffled.Members[b] = shuffled.Members[b], shuffled.Members[a]
		})
		if again := Decide(shuffled); !reflect.DeepEqual(again, st) {
			t.Fatalf("snapshot %d: member order changed the step: %+v vs %+v", i, st, again)
		}
	}
	for _, k := range []Kind{Promote, Bootstrap, MakeWritable, Fence, ForceRestart, StopReplicaIO, Seed, ConfigureReplica, Refuse} {
		if kinds[k] < 20 {
			t.Errorf("generator too weak: only %d %s steps in %v", kinds[k], k, kinds)
		}
	}
}

// checkStep returns what is wrong with step st for snapshot s.
func checkStep(s Snapshot, st Step) error {
	if st.Reason == "" || st.Rule == "" {
		return fmt.Errorf("step without reason or rule")
	}
	if st.Kind == Wait || st.Kind == Refuse {
		if st.Target != "" {
			return fmt.Errorf("%s with a target", st.Kind)
		}
		return nil
	}
	v := newView(s)
	if err := checkSingleWriter(v, st); err != nil {
		return err
	}
	t, ok := v.member(st.Target)
	switch {
	case !ok:
		return fmt.Errorf("target %q is not a member", st.Target)
	case st.Kind != Restart && !t.Reachable:
		return fmt.Errorf("%s on %s, which does not answer", st.Kind, t.Name)
	case (st.Kind == Restart || st.Kind == ForceRestart) && !t.PodExists:
		return fmt.Errorf("%s of %s, which has no pod", st.Kind, t.Name)
	case t.Isolated && slices.Contains([]Kind{Restart, Seed, ConfigureReplica, StartReplication}, st.Kind):
		return fmt.Errorf("%s of %s, which is isolated", st.Kind, t.Name)
	case st.Kind == ForceRestart && (!t.Isolated || !t.writable() || t.Name == s.CurrentPrimary):
		return fmt.Errorf("ForceRestart of %s, which is not an isolated writable non-primary", t.Name)
	}
	if err := checkAlso(v, st, t); err != nil {
		return err
	}
	switch st.Kind {
	case Promote, Bootstrap, MakeWritable:
		return checkUnfence(v, st, t)
	case Seed, ConfigureReplica, StartReplication, StopReplicaIO:
		return checkReplicaStep(v, st, t)
	}
	return nil
}

// checkAlso: StopReplicaIO names only other receivers; Promote and Bootstrap
// repoint only members that answer, stay, are neither errant nor isolated and
// hold nothing the new primary lacks.
func checkAlso(v *view, st Step, t Member) error {
	if len(st.Also) > 0 && st.Kind != StopReplicaIO && st.Kind != Promote && st.Kind != Bootstrap {
		return fmt.Errorf("%s with Also", st.Kind)
	}
	for i, name := range st.Also {
		m, ok := v.member(name)
		if !ok || name == t.Name || slices.Contains(st.Also[:i], name) {
			return fmt.Errorf("%s also names %q", st.Kind, name)
		}
		if st.Kind == StopReplicaIO {
			if !m.Reachable || !m.IORunning || name == v.s.CurrentPrimary {
				return fmt.Errorf("StopReplicaIO also on %s, which does not receive or is the primary", name)
			}
			continue
		}
		if !m.Reachable || !m.PodExists || m.Deleting || m.Isolated || v.errant(m) || !m.has().SubsetOf(t.has()) {
			return fmt.Errorf("%s %s also repoints %s, which cannot follow it", st.Kind, t.Name, name)
		}
	}
	return nil
}

// checkSingleWriter: with a primary recorded, any other writable member is
// fenced before anything else happens.
func checkSingleWriter(v *view, st Step) error {
	if v.s.CurrentPrimary == "" {
		return nil
	}
	for _, m := range v.others() {
		fence := st.Kind == Fence || st.Kind == ForceRestart
		if m.writable() && (!fence || st.Target == v.s.CurrentPrimary) {
			return fmt.Errorf("%s is writable besides the primary %s, but the step is %s %s",
				m.Name, v.s.CurrentPrimary, st.Kind, st.Target)
		}
	}
	return nil
}

// checkUnfence: a fence is cleared only on the chosen primary, and only on a
// member that has every transaction any other non-errant member has.
func checkUnfence(v *view, st Step, t Member) error {
	s := v.s
	switch {
	case st.Kind == MakeWritable && t.Name != s.CurrentPrimary:
		return fmt.Errorf("MakeWritable on %s, not the recorded primary %q", t.Name, s.CurrentPrimary)
	case st.Kind == Bootstrap && s.CurrentPrimary != "":
		return fmt.Errorf("Bootstrap while %s is recorded", s.CurrentPrimary)
	case st.Kind == Bootstrap && slices.ContainsFunc(v.members, func(m Member) bool { return m.hasData() || !m.Reachable }):
		return fmt.Errorf("Bootstrap of %s while a member has data or does not answer", t.Name)
	case st.Kind == Promote && v.primaryEstablished():
		return fmt.Errorf("Promote of %s while the primary %s is writable", t.Name, s.CurrentPrimary)
	case st.Kind == Promote && (t.Errant || !t.applied() || t.Deleting):
		return fmt.Errorf("Promote of %s: errant, unapplied relay log or being deleted", t.Name)
	}
	for _, m := range v.members {
		if m.Name == t.Name || (m.Errant && st.Rule != "chooseCandidate") || (m.Name == s.CurrentPrimary && !m.Reachable) {
			continue
		}
		ref := m.has()
		if m.Name == s.CurrentPrimary {
			ref = m.Executed
		}
		if m.Errant { // failover: what it acknowledged beyond its recorded errant set counts
			ref = ref.Subtract(m.RecordedErrant)
		}
		if !ref.SubsetOf(t.has()) {
			return fmt.Errorf("%s %s lacks %s that %s has", st.Kind, t.Name, ref.Subtract(t.has()), m.Name)
		}
	}
	return nil
}

// checkReplicaStep: replica steps never touch the recorded primary, and a
// replica is only ever pointed at the primary, never at an errant member.
func checkReplicaStep(v *view, st Step, t Member) error {
	if t.Name == v.s.CurrentPrimary || v.s.CurrentPrimary == "" {
		return fmt.Errorf("%s on %s while the primary is %q", st.Kind, t.Name, v.s.CurrentPrimary)
	}
	switch st.Kind {
	case ConfigureReplica:
		if st.Source != v.s.CurrentPrimary || v.errant(t) {
			return fmt.Errorf("ConfigureReplica of %s (errant %v) to %s", t.Name, v.errant(t), st.Source)
		}
	case Seed:
		d, ok := v.member(st.Source)
		if !ok || d.Name == t.Name || v.errant(d) || !d.Reachable {
			return fmt.Errorf("seed of %s from donor %q", t.Name, st.Source)
		}
	}
	return nil
}

func dump(s Snapshot) string {
	out := fmt.Sprintf("primary=%q replicas=%d failover=%v for=%s mode=%s switchover=%q\n",
		s.CurrentPrimary, s.Replicas, s.FailoverEnabled, s.PrimaryUnreachableFor, s.Mode, s.SwitchoverTo)
	for _, m := range s.Members {
		out += fmt.Sprintf("  %+v\n", m)
	}
	return out
}
