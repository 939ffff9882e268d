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

package plugin

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

const uuidA = "3e11fa47-71ca-11e1-9e33-c80aa9429562"

// member is a healthy member holding a:1-10; the primary is writable, replicas follow mysql-0.
func member(name string, ordinal int, primary bool) topology.Member {
	m := topology.Member{Name: name, Ordinal: ordinal, PodExists: true, PodReady: true, Reachable: true,
		Executed: gtid.MustParse(gtid.MySQL, uuidA+":1-10")}
	if primary {
		m.Writable, m.SemiSyncSource, m.SemiSyncClients = true, true, 1
		return m
	}
	m.Source, m.IORunning, m.IOConnected, m.SQLRunning, m.LagKnown = "mysql-0", true, true, true, true
	return m
}

func snapshot(members ...topology.Member) topology.Snapshot {
	return topology.Snapshot{Flavor: gtid.MySQL, Members: members, Replicas: len(members), CurrentPrimary: "mysql-0",
		FailoverEnabled: true, FailoverDelay: 5 * time.Second, Mode: topology.SemiSync, MaxLag: 30 * time.Second}
}

// decide runs the real topology engine, so the notes below are the operator's, not copies.
func decide(t *testing.T, s topology.Snapshot, want topology.Kind) string {
	t.Helper()
	st := topology.Decide(s)
	if st.Kind != want {
		t.Fatalf("Decide = %s (%s), want %s", st.Kind, st.Reason, want)
	}
	return st.Reason
}

// operatorNotes are the notes of a switchover (fence, promote), a refused switchover and a failover.
func operatorNotes(t *testing.T) (fence, promote, refused, failover string) {
	s := snapshot(member("mysql-0", 0, true), member("mysql-1", 1, false))
	s.SwitchoverTo = "mysql-1"
	fence = decide(t, s, topology.Fence)
	s.Members[0].Writable = false
	promote = decide(t, s, topology.Promote)
	s = snapshot(member("mysql-0", 0, true), member("mysql-1", 1, false))
	s.SwitchoverTo = "mysql-7"
	refused = decide(t, s, topology.Refuse)
	s = snapshot(member("mysql-0", 0, true), member("mysql-1", 1, false))
	s.Members[0].Reachable, s.Members[0].PodReady = false, false
	s.Members[1].IORunning, s.Members[1].IOConnected = false, false
	s.PrimaryUnreachableFor = 7 * time.Second
	failover = decide(t, s, topology.Promote)
	return fence, promote, refused, failover
}

func event(reason, note string, at time.Time) eventsv1.Event {
	return eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: reason + at.Format("150405.000"), Namespace: "ns"},
		EventTime:  metav1.NewMicroTime(at), Reason: reason, Note: note, Action: reason,
		Regarding: corev1.ObjectReference{Kind: "MySQLCluster", Name: "mysql", Namespace: "ns"},
	}
}

func TestBuildHistory(t *testing.T) {
	fence, promote, refused, failover := operatorNotes(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	other := event("Promote", promote, t0.Add(time.Second))
	other.Regarding.Name = "other" // another cluster's event is not listed
	events := []eventsv1.Event{
		event("Promote", failover, t0.Add(time.Hour)), // out of order: sorted
		event("Fence", fence, t0.Add(10*time.Minute)),
		event("ConfigureReplica", "mysql-0 replicates from mysql-1", t0.Add(11*time.Minute)),
		event("Promote", promote, t0.Add(10*time.Minute+1500*time.Millisecond)),
		event("PromotionRefused", refused, t0.Add(5*time.Minute)),
		other,
	}
	h := BuildHistory("mysql", "ns", events)
	if len(h.Entries) != 3 {
		t.Fatalf("entries = %+v, want refused, switchover, failover", h.Entries)
	}
	want := []HistoryEntry{
		{Kind: EntryRefused, To: "mysql-7"},
		{Kind: EntrySwitchover, From: "mysql-0", To: "mysql-1", Pause: "1.5s"},
		{Kind: EntryFailover, From: "mysql-0", To: "mysql-1", Pause: "7s", PauseAtLeast: true},
	}
	for i, w := range want {
		got := h.Entries[i]
		if got.Kind != w.Kind || got.From != w.From || got.To != w.To || got.Pause != w.Pause || got.PauseAtLeast != w.PauseAtLeast {
			t.Errorf("entry %d = %+v, want %+v", i, got, w)
		}
	}
	if !h.Entries[1].Time.Equal(&metav1.Time{Time: t0.Add(10*time.Minute + 1500*time.Millisecond)}) {
		t.Errorf("switchover time = %s", h.Entries[1].Time)
	}
	if h.EventsSince == nil || !h.EventsSince.Time.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("eventsSince = %v, want the oldest of mysql's events", h.EventsSince)
	}
}

// A fence of another switchover, or one after the promotion, is no measure of this one's pause.
func TestBuildHistoryPauseNeedsTheMatchingFence(t *testing.T) {
	fence, promote, _, _ := operatorNotes(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	h := BuildHistory("mysql", "ns", []eventsv1.Event{
		event("Fence", "the primary's pod mysql-0 is being deleted: fencing mysql-0 and killing its client connections", t0),
		event("Promote", promote, t0.Add(time.Second)),
		event("Fence", fence, t0.Add(2*time.Second)),
	})
	if len(h.Entries) != 1 || h.Entries[0].Kind != EntrySwitchover || h.Entries[0].Pause != "" {
		t.Fatalf("entries = %+v, want one switchover without a pause", h.Entries)
	}
}

func TestEventTimeOfASeries(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	e := event("Promote", "x", t0)
	e.Series = &eventsv1.EventSeries{Count: 3, LastObservedTime: metav1.NewMicroTime(t0.Add(time.Minute))}
	if got := eventTime(e); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("eventTime = %s, want the series' last time", got)
	}
	if got := firstTime(e); !got.Equal(t0) {
		t.Errorf("firstTime = %s, want the first time", got)
	}
	if seriesCount(e) != 3 {
		t.Errorf("seriesCount = %d", seriesCount(e))
	}
}
