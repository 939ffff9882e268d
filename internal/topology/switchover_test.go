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
	"testing"
	"time"
)

// Section B.4 and B.8 of docs/topology.md: switchover, scale-down, rolling restart.
func TestDecideSwitchover(t *testing.T) {
	three := func(p Member) Snapshot {
		return cluster("mysql-0", p, replica("mysql-1", "a:1-10"), replica("mysql-2", "a:1-10"))
	}
	runRows(t, []row{
		{name: "requested, target healthy: fence the primary",
			s:    three(primary("mysql-0", "a:1-10")).switchoverTo("mysql-2"),
			kind: Fence, target: "mysql-0", rule: "switchover"},
		{name: "primary fenced, target behind: wait",
			s: cluster("mysql-0", up("mysql-0", "a:1-12"), replica("mysql-1", "a:1-12"),
				replica("mysql-2", "a:1-10").recv("a:1-12")).switchoverTo("mysql-2"),
			kind: Wait, rule: "switchover", reason: aliases["a"] + ":11-12"},
		{name: "primary fenced, target has everything: promote it, repointing the others and the old primary",
			s:    three(up("mysql-0", "a:1-10")).switchoverTo("mysql-2"),
			kind: Promote, target: "mysql-2", rule: "switchover", also: []string{"mysql-0", "mysql-1"}},
		{name: "done: the old primary becomes a replica of the new one",
			s: cluster("mysql-2", up("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				primary("mysql-2", "a:1-10")).switchoverTo("mysql-2"),
			kind: ConfigureReplica, target: "mysql-0", source: "mysql-2"},
		{name: "target is the primary already: nothing to do",
			s:    three(primary("mysql-0", "a:1-10")).switchoverTo("mysql-0"),
			kind: Wait, rule: "settled"},
		{name: "target lags beyond the bound: wait, primary stays writable",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-3").lag(time.Minute)).switchoverTo("mysql-2"),
			kind: Wait, rule: "settled", reason: "waits until it is connected"},
		{name: "target with errant transactions: re-seeded first, never promoted",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-10,b:1").flagged()).switchoverTo("mysql-2"),
			kind: Seed, target: "mysql-2", rule: "reseedErrant"},
		{name: "target with errant transactions seen once: refused, never promoted",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-10,b:1")).switchoverTo("mysql-2"),
			kind: Refuse, rule: "settled", reason: "errant"},
		{name: "target errant, as recorded, while primary fenced: roll back",
			s: cluster("mysql-0", up("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-10").flagged()).switchoverTo("mysql-2"),
			kind: MakeWritable, target: "mysql-0"},
		{name: "target not a member: refused",
			s:    three(primary("mysql-0", "a:1-10")).switchoverTo("mysql-7"),
			kind: Refuse, rule: "settled", reason: "no member is named mysql-7"},
		{name: "target does not answer: refused",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				lost("mysql-2", "a:1-10")).switchoverTo("mysql-2"),
			kind: Refuse, reason: "mysql-2"},
		{name: "target stopped replicating after the primary was fenced: roll back",
			s: cluster("mysql-0", up("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-9").sqlStopped(1062)).switchoverTo("mysql-2"),
			kind: MakeWritable, target: "mysql-0"},
		{name: "a switchover does not start while the primary is lost",
			s: cluster("mysql-0", lost("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10")).
				switchoverTo("mysql-1").unreachableFor(time.Second),
			kind: Wait, rule: "waitFailoverDelay"},
		{name: "scale-down would remove the primary: switch over to the lowest healthy ordinal",
			s: cluster("mysql-2", replica("mysql-0", "a:1-10").src("mysql-2"), replica("mysql-1", "a:1-10").src("mysql-2"),
				primary("mysql-2", "a:1-10")).replicas(2),
			kind: Fence, target: "mysql-2", reason: "scale-down"},
		{name: "scale-down, primary fenced, target caught up: promote",
			s: cluster("mysql-2", replica("mysql-0", "a:1-10").src("mysql-2"), replica("mysql-1", "a:1-10").src("mysql-2"),
				up("mysql-2", "a:1-10")).replicas(2),
			kind: Promote, target: "mysql-0"},
		{name: "target within the bound but seconds behind with a backlog: no fence yet",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-7").recv("a:1-9").lag(5*time.Second)).switchoverTo("mysql-2"),
			kind: Wait, rule: "settled", reason: "caught up (lag at most 1s)"},
		{name: "target reports lag but has applied all it received: fence",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-10").lag(5*time.Second)).switchoverTo("mysql-2"),
			kind: Fence, target: "mysql-0", rule: "switchover"},
		{name: "target lag at most 1s with a backlog: fence",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-9").recv("a:1-10").lag(time.Second)).switchoverTo("mysql-2"),
			kind: Fence, target: "mysql-0"},
		{name: "target's IO thread still connecting: no fence",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				connecting(replica("mysql-2", "a:1-10"))).switchoverTo("mysql-2"),
			kind: Wait, rule: "settled"},
		{name: "isolated target: refused",
			s:    three(primary("mysql-0", "a:1-10")).switchoverTo("mysql-2").withMember(replica("mysql-2", "a:1-10").isolated()),
			kind: Refuse, rule: "settled", reason: "isolated"},
		{name: "scale-down, no healthy replica below: wait, primary stays",
			s:    cluster("mysql-1", lost("mysql-0", "a:1-10"), primary("mysql-1", "a:1-10").semi(false, 0)).replicas(1),
			kind: Wait, rule: "settled", reason: "no healthy, up-to-date replica below ordinal 1"},
	})
}

// B.3 and B.4: an explicit switchover while the primary is behind.
func TestDecideSwitchoverWhilePrimaryBehind(t *testing.T) {
	// mysql-0 restarted without its binlog tail; mysql-1 is ahead of it and
	// its IO thread stopped (the source refuses a replica that is ahead).
	behind := func(target string, m1 Member) Snapshot {
		return cluster("mysql-0", up("mysql-0", "a:1-8"), m1, replica("mysql-2", "a:1-9")).switchoverTo(target)
	}
	ahead := replica("mysql-1", "a:1-10").ioStopped(1236)
	runRows(t, []row{
		{name: "no request: refused, the primary stays read-only",
			s:    behind("", ahead),
			kind: Refuse, rule: "primaryBehind", reason: "switch over to a member that has everything"},
		{name: "request to the member holding everything: promoted, everyone follows it",
			s:    behind("mysql-1", ahead),
			kind: Promote, target: "mysql-1", rule: "switchover", also: []string{"mysql-0", "mysql-2"}},
		{name: "request to a member that lacks what another has: refused, saying what it lacks",
			s:    behind("mysql-2", ahead),
			kind: Refuse, rule: "primaryBehind", reason: "switchover to mysql-2 refused: mysql-2 lacks " + aliases["a"] + ":10 (held by mysql-1)"},
		{name: "the target still applies its relay log: wait",
			s:    behind("mysql-1", ahead.recv("a:1-10").fenced().withExecuted("a:1-9")),
			kind: Wait, rule: "switchover", reason: "apply " + aliases["a"] + ":10"},
		{name: "the target does not answer: refused",
			s:    behind("mysql-1", lost("mysql-1", "a:1-10").podReady()),
			kind: Refuse, rule: "primaryBehind", reason: "mysql-1 does not answer"},
	})
}

// B.4: the primary's pod is being deleted (drain, eviction, kubectl delete pod).
func TestDecideSwitchoverOnPrimaryPodDeletion(t *testing.T) {
	runRows(t, []row{
		{name: "writable, replicas caught up: fence it, switching over to the lowest healthy ordinal",
			s:    cluster("mysql-1", replica("mysql-0", "a:1-10").src("mysql-1"), primary("mysql-1", "a:1-10").deleting(), replica("mysql-2", "a:1-10").src("mysql-1")),
			kind: Fence, target: "mysql-1", rule: "switchover", reason: "the primary's pod mysql-1 is being deleted"},
		{name: "fenced, target caught up: promote it; the deleted primary is not repointed",
			s:    cluster("mysql-1", replica("mysql-0", "a:1-10").src("mysql-1"), up("mysql-1", "a:1-10").deleting(), replica("mysql-2", "a:1-10").src("mysql-1")),
			kind: Promote, target: "mysql-0", also: []string{"mysql-2"}},
		{name: "a replica being deleted too is never the target",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").deleting(), replica("mysql-1", "a:1-10").deleting(), replica("mysql-2", "a:1-10")),
			kind: Fence, target: "mysql-0", reason: "being deleted"},
		{name: "fenced, target gone unhealthy: rolls back, writable until it stops",
			s:    cluster("mysql-0", up("mysql-0", "a:1-10").deleting(), replica("mysql-1", "a:1-10").ioStopped(2003)),
			kind: MakeWritable, target: "mysql-0"},
		{name: "no member to take over: wait and say why",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").deleting().semi(false, 0)),
			kind: Wait, rule: "settled", reason: "the primary's pod mysql-0 is being deleted; no switchover yet"},
		{name: "writable, target lagging: replicas are still repaired meanwhile",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10").deleting(), replica("mysql-1", "a:1-4").lag(time.Minute),
				replica("mysql-2", "a:1-10").sqlStopped(1205)),
			kind: StartReplication, target: "mysql-2"},
		{name: "once it no longer answers: a lost primary (failover delay)",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10").deleting(), replica("mysql-1", "a:1-10")).unreachableFor(time.Second),
			kind: Wait, rule: "waitFailoverDelay"},
	})
}

func TestDecideRollingRestart(t *testing.T) {
	runRows(t, []row{
		{name: "outdated replicas: highest ordinal first",
			s: cluster("mysql-0", primary("mysql-0", "a:1").outdated(), replica("mysql-1", "a:1").outdated(),
				replica("mysql-2", "a:1").outdated()),
			kind: Restart, target: "mysql-2", rule: "rollingRestart"},
		{name: "next one only once the restarted one serves again",
			s: cluster("mysql-0", primary("mysql-0", "a:1").outdated(), replica("mysql-1", "a:1").outdated(),
				replica("mysql-2", "a:1").lag(time.Hour)),
			kind: Wait, rule: "settled", reason: "rolling restart of mysql-1"},
		{name: "nothing restarts while a pod is being deleted",
			s: cluster("mysql-0", primary("mysql-0", "a:1"), replica("mysql-1", "a:1").outdated(),
				replica("mysql-2", "a:1").deleting()),
			kind: Wait},
		{name: "an outdated replica that is itself broken may restart",
			s: cluster("mysql-0", primary("mysql-0", "a:1"), replica("mysql-1", "a:1"),
				replica("mysql-2", "a:1").outdated().lag(time.Hour)),
			kind: Restart, target: "mysql-2"},
		{name: "only the primary is outdated: switch over first",
			s:    cluster("mysql-0", primary("mysql-0", "a:1").outdated(), replica("mysql-1", "a:1"), replica("mysql-2", "a:1")),
			kind: Fence, target: "mysql-0", reason: "rolling restart"},
		{name: "the old primary is then restarted as a replica",
			s: cluster("mysql-1", replica("mysql-0", "a:1").src("mysql-1").outdated(), primary("mysql-1", "a:1"),
				replica("mysql-2", "a:1").src("mysql-1")),
			kind: Restart, target: "mysql-0"},
		{name: "an isolated outdated replica is skipped; the next one down is restarted",
			s: cluster("mysql-0", primary("mysql-0", "a:1"), replica("mysql-1", "a:1").outdated(),
				replica("mysql-2", "a:1").outdated().isolated()),
			kind: Restart, target: "mysql-1"},
		{name: "an isolated outdated replica that does not serve: nobody else restarts (redundancy first)",
			s: cluster("mysql-0", primary("mysql-0", "a:1"), replica("mysql-1", "a:1").outdated(),
				replica("mysql-2", "a:1").outdated().isolated().lag(time.Hour)),
			kind: Wait, rule: "settled", reason: "rolling restart of mysql-1, mysql-2"},
		{name: "a single isolated member is not restarted in place",
			s:    cluster("mysql-0", primary("mysql-0", "a:1").outdated().semi(false, 0).isolated()),
			kind: Wait, rule: "settled"},
		{name: "a single member restarts in place",
			s:    cluster("mysql-0", primary("mysql-0", "a:1").outdated().semi(false, 0)),
			kind: Restart, target: "mysql-0"},
	})
}

func TestStatefulSetReplicasKeepsThePrimary(t *testing.T) {
	s := cluster("mysql-2", replica("mysql-0", "a:1"), replica("mysql-1", "a:1"), primary("mysql-2", "a:1")).replicas(1)
	if got := StatefulSetReplicas(s); got != 3 {
		t.Fatalf("StatefulSetReplicas with primary at ordinal 2 and spec 1 = %d, want 3", got)
	}
	s.CurrentPrimary = "mysql-0"
	if got := StatefulSetReplicas(s); got != 1 {
		t.Fatalf("StatefulSetReplicas with primary at ordinal 0 = %d, want 1", got)
	}
}
