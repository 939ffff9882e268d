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

// Section B.2 of docs/topology.md: the recorded primary does not answer.
func TestDecideFailover(t *testing.T) {
	const d = 20 * time.Second // beyond the 10s default delay
	stopped := func(name, executed string) Member { return replica(name, executed).ioStopped(2003) }
	runRows(t, []row{
		{name: "delay not elapsed: wait",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10")).unreachableFor(4 * time.Second),
			kind: Wait, rule: "waitFailoverDelay"},
		{name: "failover disabled: wait",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10")).unreachableFor(d).failoverOff(),
			kind: Wait, rule: "failoverDisabled", reason: "failover is disabled"},
		{name: "first, one step stops every replica's IO thread",
			s: cluster("mysql-0", lost("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"), replica("mysql-2", "a:1-10"),
				replica("mysql-3", "a:1-10")).unreachableFor(d),
			kind: StopReplicaIO, target: "mysql-1", rule: "stopReceivers", also: []string{"mysql-2", "mysql-3"}},
		{name: "an IO thread still connecting is stopped too; stopped ones are not named",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10"), replica("mysql-2", "a:1-10")).unreachableFor(d),
			kind: StopReplicaIO, target: "mysql-2", also: []string{}},
		{name: "errant, isolated and deleting replicas' IO threads are stopped too (their acks count)",
			s: cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-10,b:1").errantRec("b:1"), replica("mysql-3", "a:1-10").isolated(),
				replica("mysql-4", "a:1-10").deleting()).unreachableFor(d),
			kind: StopReplicaIO, target: "mysql-2", also: []string{"mysql-3", "mysql-4"}},
		{name: "the replica holding every transaction is promoted, not the lowest ordinal",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-8"), stopped("mysql-2", "a:1-10")).unreachableFor(d),
			kind: Promote, target: "mysql-2", rule: "chooseCandidate"},
		{name: "received but unapplied transactions count: wait for them to apply",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-9"), stopped("mysql-2", "a:1-8").recv("a:1-10")).unreachableFor(d),
			kind: Wait, rule: "waitApplied", reason: "apply " + aliases["a"] + ":9-10"},
		{name: "candidate cannot apply its relay log: refuse",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-2", "a:1-8").recv("a:1-10").sqlStopped(1032)).unreachableFor(d),
			kind: Refuse, rule: "waitApplied", reason: "error 1032"},
		{name: "equal sets: the lowest ordinal",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10"), stopped("mysql-2", "a:1-10")).unreachableFor(d),
			kind: Promote, target: "mysql-1"},
		{name: "equal sets: prefer a member that stays after the scale-down",
			s: cluster("mysql-1", stopped("mysql-0", "a:1-10").src("mysql-1"), lost("mysql-1", "a:1-10"),
				stopped("mysql-2", "a:1-10").src("mysql-1")).unreachableFor(d).replicas(1),
			kind: Promote, target: "mysql-0"},
		{name: "the only replica that answers lacks what a lost one had: refuse, naming it",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-8"), lost("mysql-2", "a:1-10")).unreachableFor(d),
			kind: Refuse, rule: "chooseCandidate", reason: "mysql-1 lacks " + aliases["a"] + ":9-10 (held by mysql-2)"},
		{name: "a replica that does not answer but whose pod is ready: wait",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10"), lost("mysql-2", "a:1-9").podReady()).unreachableFor(d),
			kind: Wait, rule: "waitUnseenReplica"},
		{name: "an errant replica's errant transactions are neither candidate nor obstacle",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10"), stopped("mysql-2", "a:1-10,b:1").errantRec("b:1")).unreachableFor(d),
			kind: Promote, target: "mysql-1", also: []string{}},
		{name: "what an errant replica acknowledged counts: a candidate lacking it is refused",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-9"), stopped("mysql-2", "a:1-10,b:1").errantRec("b:1")).unreachableFor(d),
			kind: Refuse, rule: "chooseCandidate", reason: "mysql-1 lacks " + aliases["a"] + ":10 (held by mysql-2)"},
		{name: "an errant replica that does not answer counts as last recorded, less its errant set",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-9"), lost("mysql-2", "a:1-10,b:1").errantRec("b:1")).unreachableFor(d),
			kind: Refuse, reason: "mysql-1 lacks " + aliases["a"] + ":10 (held by mysql-2)"},
		{name: "an errant replica whose errant set is unknown: all of it counts, refuse rather than guess",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10"), stopped("mysql-2", "a:1-10,b:1").flagged()).unreachableFor(d),
			kind: Refuse, reason: "mysql-1 lacks " + aliases["b"] + ":1 (held by mysql-2)"},
		{name: "two hold everything, the lower ordinal still applies: promote the one that has applied",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-8").recv("a:1-10"), stopped("mysql-2", "a:1-10")).unreachableFor(d),
			kind: Promote, target: "mysql-2"},
		{name: "no holder has applied everything: wait for the smallest backlog",
			s: cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-5").recv("a:1-10"),
				stopped("mysql-2", "a:1-9").recv("a:1-10")).unreachableFor(d),
			kind: Wait, rule: "waitApplied", reason: "mysql-2 to apply " + aliases["a"] + ":10"},
		{name: "a member that stays beats a smaller backlog",
			s: cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-9").recv("a:1-10"),
				stopped("mysql-2", "a:1-10")).unreachableFor(d).replicas(2),
			kind: Wait, rule: "waitApplied", reason: "mysql-1"},
		{name: "an isolated holder is the last choice",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10").isolated(), stopped("mysql-2", "a:1-10")).unreachableFor(d),
			kind: Promote, target: "mysql-2"},
		{name: "only an isolated member holds everything: it is still the candidate",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10").isolated(), stopped("mysql-2", "a:1-9")).unreachableFor(d),
			kind: Promote, target: "mysql-1", also: []string{"mysql-2"}},
		{name: "promote repoints in the same pass every member that can follow",
			s: cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10"), stopped("mysql-2", "a:1-9"),
				stopped("mysql-3", "a:1-10,b:1").errantRec("b:1"), stopped("mysql-4", "a:1-10").isolated(),
				stopped("mysql-5", "a:1-10").deleting(), lost("mysql-6", "a:1-10"), stopped("mysql-7", "a:1-8")).unreachableFor(d),
			kind: Promote, target: "mysql-1", also: []string{"mysql-2", "mysql-7"}},
		{name: "replicas that diverged: refuse",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-9,c:1"), stopped("mysql-2", "a:1-10")).unreachableFor(d),
			kind: Refuse, reason: "mysql-2 lacks " + aliases["c"] + ":1 (held by mysql-1)"},
		{name: "a replica being deleted is not a candidate",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-9"), stopped("mysql-2", "a:1-10").deleting()).unreachableFor(d),
			kind: Refuse},
		{name: "nobody answers: refuse",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), lost("mysql-1", "a:1-10")).unreachableFor(d),
			kind: Refuse, reason: "no member that answers"},
		{name: "a promotion interrupted before status was written: fence, then choose again",
			s:    cluster("mysql-0", lost("mysql-0", "a:1-10"), up("mysql-1", "a:1-10").unfenced(), stopped("mysql-2", "a:1-10")).unreachableFor(d),
			kind: Fence, target: "mysql-1", rule: "fenceRogueWriter"},
		{name: "primary with neither pod nor volume: fail over",
			s:    cluster("mysql-0", stopped("mysql-1", "a:1-10"), stopped("mysql-2", "a:1-10")).unreachableFor(d),
			kind: Promote, target: "mysql-1"},
		{name: "after promotion the others are repointed",
			s:    cluster("mysql-2", lost("mysql-0", "a:1-10"), stopped("mysql-1", "a:1-10"), primary("mysql-2", "a:1-10")),
			kind: ConfigureReplica, target: "mysql-1", source: "mysql-2"},
		{name: "the primary comes back before promotion: replication restarts",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10").ioStopped(0)),
			kind: StartReplication, target: "mysql-1"},
	})
}

func TestFailoverDelayWaitTellsTimeLeft(t *testing.T) {
	s := cluster("mysql-0", lost("mysql-0", "a:1"), replica("mysql-1", "a:1")).unreachableFor(4 * time.Second)
	if got := Decide(s).After; got != 6*time.Second {
		t.Fatalf("After = %s, want 6s", got)
	}
}
