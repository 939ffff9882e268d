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
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRoles(t *testing.T) {
	tests := []struct {
		name string
		s    Snapshot
		want []Assignment
	}{
		{"before any primary every member is unknown and nobody serves",
			cluster("", up("mysql-0", ""), up("mysql-1", "")),
			[]Assignment{{"mysql-0", RoleUnknown, false}, {"mysql-1", RoleUnknown, false}}},
		{"primary and serving replicas; the member without a pod gets no label",
			cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"), lost("mysql-2", "a:1").noPod()),
			[]Assignment{{"mysql-0", RolePrimary, true}, {"mysql-1", RoleReplica, true}}},
		{"the label follows currentPrimary, not ordinal 0",
			cluster("mysql-1", replica("mysql-0", "a:1").src("mysql-1"), primary("mysql-1", "a:1")),
			[]Assignment{{"mysql-0", RoleReplica, true}, {"mysql-1", RolePrimary, true}}},
		{"a lagging, errant or stopped replica keeps its role but does not serve",
			cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-2").lag(time.Minute),
				replica("mysql-2", "a:1-10,b:1"), replica("mysql-3", "a:1-10").ioStopped(1236)),
			[]Assignment{{"mysql-0", RolePrimary, true}, {"mysql-1", RoleReplica, false},
				{"mysql-2", RoleReplica, false}, {"mysql-3", RoleReplica, false}}},
		{"primary lost: replicas that served and still apply keep serving, IO stopped and lag unknown",
			cluster("mysql-0", lost("mysql-0", "a:1-10"), unknownLag(replica("mysql-1", "a:1-10").ioStopped(0)).prevServing(),
				connecting(replica("mysql-2", "a:1-10")).prevServing(), replica("mysql-3", "a:1-10").ioStopped(0),
				replica("mysql-4", "a:1-10").ioStopped(0).sqlStopped(1205).prevServing(),
				replica("mysql-5", "a:1-10").prevServing().lag(time.Hour), replica("mysql-6", "a:1-10,b:1").errantRec("b:1").prevServing(),
				replica("mysql-7", "a:1-10").prevServing().deleting()),
			[]Assignment{{"mysql-0", RolePrimary, false}, {"mysql-1", RoleReplica, true}, {"mysql-2", RoleReplica, true},
				{"mysql-3", RoleReplica, false}, {"mysql-4", RoleReplica, false}, {"mysql-5", RoleReplica, false},
				{"mysql-6", RoleReplica, false}, {"mysql-7", RoleReplica, false}}},
		{"a new primary is recorded: the usual rule again (a stopped IO thread does not serve)",
			cluster("mysql-1", lost("mysql-0", "a:1-10"), primary("mysql-1", "a:1-10"),
				unknownLag(replica("mysql-2", "a:1-10").src("mysql-1").ioStopped(0)).prevServing()),
			[]Assignment{{"mysql-0", RoleReplica, false}, {"mysql-1", RolePrimary, true}, {"mysql-2", RoleReplica, false}}},
		{"a read-only primary keeps its role but does not serve",
			cluster("mysql-0", up("mysql-0", "a:1"), replica("mysql-1", "a:1")),
			[]Assignment{{"mysql-0", RolePrimary, false}, {"mysql-1", RoleReplica, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Roles(tt.s); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Roles = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMembers(t *testing.T) {
	s := cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-9").lag(40*time.Second),
		replica("mysql-2", "a:1-10,b:1-2"), lost("mysql-3", "a:1-4,c:1").flagged())
	got := Members(s)
	if len(got) != 4 {
		t.Fatalf("Members returned %d entries, want 4", len(got))
	}
	p, lagging, errant, gone := got[0], got[1], got[2], got[3]
	if p.Role != RolePrimary || !p.Serving || p.Executed != aliases["a"]+":1-10" || p.Message != "" {
		t.Errorf("primary = %+v", p)
	}
	if lagging.Serving || !strings.Contains(lagging.Message, "lag 40s exceeds 30s") || lagging.Lag != 40*time.Second {
		t.Errorf("lagging replica = %+v", lagging)
	}
	if !errant.Errant || errant.ErrantTransactions != aliases["b"]+":1-2" || errant.Serving {
		t.Errorf("errant replica = %+v", errant)
	}
	if !gone.Errant || gone.Ready || gone.Executed != set("a:1-4,c:1").String() {
		t.Errorf("unreachable member keeps its recorded errant flag and set: %+v", gone)
	}
}

func TestMembersErrantFlagClearsOnceRecomputed(t *testing.T) {
	s := cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10").flagged())
	if got := Members(s)[1]; got.Errant || !got.Serving {
		t.Fatalf("re-seeded member recorded errant but now a subset of the primary: %+v", got)
	}
	s.Members[0] = up("mysql-0", "a:1-10") // primary read-only: cannot recompute, the flag is carried
	if got := Members(s)[1]; !got.Errant {
		t.Fatalf("flag must be carried while the primary is not writable: %+v", got)
	}
}

func TestClusterHealth(t *testing.T) {
	type want struct {
		available, ready, degraded bool
		reason                     string // of the first condition that is not as healthy as can be
		msg                        string // a substring of some condition's message, when not ""
	}
	tests := []struct {
		name string
		s    Snapshot
		want want
	}{
		{"healthy", cluster("mysql-0", primary("mysql-0", "a:1"), replica("mysql-1", "a:1")),
			want{true, true, false, "Healthy", ""}},
		{"bootstrapping", cluster("", up("mysql-0", "")), want{false, false, false, "NoPrimary", ""}},
		{"scaling up: a member without pod is not ready but not degraded",
			cluster("mysql-0", primary("mysql-0", "a:1"), replica("mysql-1", "a:1")).replicas(3),
			want{true, false, false, "MembersNotServing", ""}},
		{"lagging replica", cluster("mysql-0", primary("mysql-0", "a:1"), replica("mysql-1", "a:1").lag(time.Hour)),
			want{true, false, true, "MembersUnhealthy", ""}},
		{"errant replica", cluster("mysql-0", primary("mysql-0", "a:1"), replica("mysql-1", "a:1,b:1")),
			want{true, false, true, "ErrantTransactions", ""}},
		{"primary lost", cluster("mysql-0", lost("mysql-0", "a:1"), replica("mysql-1", "a:1")),
			want{false, false, true, "PrimaryUnreachable", ""}},
		{"primary read-only", cluster("mysql-0", up("mysql-0", "a:1"), replica("mysql-1", "a:1")),
			want{false, false, true, "PrimaryReadOnly", ""}},
		{"writable primary that cannot commit: no replica to acknowledge",
			cluster("mysql-0", primary("mysql-0", "a:1").semi(true, 0).cannotCommit("heartbeat timed out after 2s", 3),
				replica("mysql-1", "a:1").ioStopped(2003)),
			want{false, false, true, "PrimaryCannotCommit",
				"heartbeat write did not commit: heartbeat timed out after 2s; no replica is connected to acknowledge it"}},
		{"writable primary that cannot commit with a replica connected (a full disk)",
			cluster("mysql-0", primary("mysql-0", "a:1").cannotCommit("Error 1021: Disk full", 0), replica("mysql-1", "a:1")),
			want{false, false, true, "PrimaryCannotCommit", "Disk full"}},
		{"semi-sync wanted but the wait is off: writable, not ready",
			cluster("mysql-0", primary("mysql-0", "a:1").semi(false, 1), replica("mysql-1", "a:1")),
			want{true, false, false, "SemiSyncNotActive", "mysql-0 does not wait for semi-sync acknowledgements"}},
		{"semi-sync wait on with no replica connected: writable, not ready",
			cluster("mysql-0", primary("mysql-0", "a:1").semi(true, 0), replica("mysql-1", "a:1").ioStopped(2003)),
			want{true, false, true, "SemiSyncNotActive", "no replica is connected to send one"}},
		{"a writable primary whose pod is not Ready yet: clients cannot reach it, not ready",
			cluster("mysql-0", primary("mysql-0", "a:1").podNotReady(), replica("mysql-1", "a:1")),
			want{true, false, false, "MembersNotServing", "mysql-0: serving, but its pod is not Ready yet"}},
		{"async mode: no wait is fine", cluster("mysql-0", primary("mysql-0", "a:1").semi(false, 0), replica("mysql-1", "a:1")).mode(Async),
			want{true, true, false, "Healthy", ""}},
		{"a single member: no wait is fine", cluster("mysql-0", primary("mysql-0", "a:1").semi(false, 0)),
			want{true, true, false, "Healthy", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := ClusterHealth(tt.s)
			if h.Available.Status != tt.want.available || h.Ready.Status != tt.want.ready || h.Degraded.Status != tt.want.degraded {
				t.Fatalf("Available/Ready/Degraded = %v/%v/%v, want %v/%v/%v (%+v)", h.Available.Status, h.Ready.Status,
					h.Degraded.Status, tt.want.available, tt.want.ready, tt.want.degraded, h)
			}
			reasons := []string{h.Available.Reason, h.Ready.Reason, h.Degraded.Reason}
			found := false
			for _, r := range reasons {
				found = found || r == tt.want.reason
			}
			if !found {
				t.Errorf("reasons %v lack %q", reasons, tt.want.reason)
			}
			if msgs := h.Available.Message + "|" + h.Ready.Message + "|" + h.Degraded.Message; !strings.Contains(msgs, tt.want.msg) {
				t.Errorf("messages %q lack %q", msgs, tt.want.msg)
			}
		})
	}
}

func TestMembersPrimaryMessage(t *testing.T) {
	s := cluster("mysql-0", primary("mysql-0", "a:1").semi(true, 0).cannotCommit("timeout", 2), replica("mysql-1", "a:1"))
	got := Members(s)[0].Message
	for _, want := range []string{"primary cannot commit: timeout", "2 session(s) waiting for a semi-sync acknowledgement"} {
		if !strings.Contains(got, want) {
			t.Errorf("primary message %q lacks %q", got, want)
		}
	}
	s.Members[0] = primary("mysql-0", "a:1")
	if got := Members(s)[0].Message; got != "" {
		t.Errorf("healthy primary message = %q, want none", got)
	}
}
