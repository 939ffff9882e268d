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

// on places a member on a node.
func (m Member) on(node string) Member { m.Node = node; return m }

// movedBack: the operator moved it off its node and it came back there.
func (m Member) movedBack() Member { m.MoveFailed = true; return m }

// pinned: its volume cannot be attached on any free node.
func (m Member) pinned() Member { m.Pinned = true; return m }

// nodes sets the nodes the members' pods may be scheduled on.
func (s Snapshot) nodes(names ...string) Snapshot {
	s.SchedulableNodes = append([]string{}, names...)
	return s
}

func TestDecideSpreadMembers(t *testing.T) {
	shared := func(ms ...Member) Snapshot { return cluster("mysql-0", ms...) }
	runRows(t, []row{
		{name: "two replicas share a node and another node is free: the higher ordinal moves",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1").on("n2")).nodes("n1", "n2", "n3"),
			kind: Restart, target: "mysql-2", rule: "spreadMembers", reason: "mysql-2 shares node n2 with mysql-1 and node n3 holds no member"},
		{name: "a replica beside the primary moves, never the primary",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n1"),
				replica("mysql-2", "a:1").on("n2")).nodes("n1", "n2", "n3"),
			kind: Restart, target: "mysql-1", rule: "spreadMembers"},
		{name: "no free node (fewer nodes than members): they stay, and the settled message says why",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1").on("n2")).nodes("n1", "n2"),
			kind: Wait, rule: "settled", reason: "mysql-1 and mysql-2 share node n2: no other node their pods may run on is free"},
		{name: "nodes not observed (namespaced install, or the user's own affinity): never moved",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1").on("n2")),
			kind: Wait, rule: "settled", reason: "the operator does not place members"},
		{name: "moved once and scheduled back there: not moved again",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1").on("n2").movedBack()).nodes("n1", "n2", "n3"),
			kind: Restart, target: "mysql-1", rule: "spreadMembers"},
		{name: "both moved back: they stay, and the settled message says why",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2").movedBack(),
				replica("mysql-2", "a:1").on("n2").movedBack()).nodes("n1", "n2", "n3"),
			kind: Wait, rule: "settled", reason: "moving them did not help"},
		{name: "the other replica lags: redundancy first, nothing moves",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n1").lag(time.Hour),
				replica("mysql-2", "a:1").on("n1")).nodes("n1", "n2", "n3"),
			kind: Wait, rule: "settled", reason: "moving one waits until every member serves"},
		{name: "the replica that would move does not serve: it is repaired, not moved",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1").on("n2").sqlStopped(1205)).nodes("n1", "n2", "n3"),
			kind: StartReplication, target: "mysql-2"},
		{name: "a pod being deleted: nothing moves meanwhile",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2").deleting(),
				replica("mysql-2", "a:1").on("n2")).nodes("n1", "n2", "n3"),
			kind: Wait},
		{name: "a rolling restart goes first",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2").outdated(),
				replica("mysql-2", "a:1").on("n2")).nodes("n1", "n2", "n3"),
			kind: Restart, target: "mysql-1", rule: "rollingRestart"},
		{name: "an isolated replica is not moved",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n3"),
				replica("mysql-2", "a:1").on("n1").isolated()).nodes("n1", "n2", "n3"),
			kind: Wait, rule: "settled", reason: "mysql-0 and mysql-2 share node n1: a replica there is isolated"},
		{name: "a member above spec.replicas (being removed) is not moved",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1").on("n2")).nodes("n1", "n2", "n3").replicas(2),
			kind: Wait},
		{name: "one semi-sync replica acknowledging: moving it would hold up writes, nothing moves",
			s: shared(primary("mysql-0", "a:1").on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1").on("n2")).nodes("n1", "n2", "n3"),
			kind: Wait, rule: "settled", reason: "another replica acknowledges"},
		{name: "two members in semi-sync: the only replica is not moved",
			s:    shared(primary("mysql-0", "a:1").on("n1"), replica("mysql-1", "a:1").on("n1")).nodes("n1", "n2"),
			kind: Wait, rule: "settled"},
		{name: "two members in async: the replica moves (no commit waits for it)",
			s:    shared(primary("mysql-0", "a:1").semi(false, 0).on("n1"), replica("mysql-1", "a:1").on("n1")).nodes("n1", "n2").mode(Async),
			kind: Restart, target: "mysql-1", rule: "spreadMembers"},
		{name: "a switchover is wanted: it goes first",
			s: shared(primary("mysql-0", "a:1-3").semi(true, 2).on("n1"), replica("mysql-1", "a:1").recv("a:1-3").on("n2").lag(3*time.Second),
				replica("mysql-2", "a:1-3").on("n2")).nodes("n1", "n2", "n3").switchoverTo("mysql-1"),
			kind: Wait, rule: "settled", reason: "switchover to mysql-1"},
		{name: "a volume bound to nodes that hold members: not moved, and the settled message says why",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2").pinned(),
				replica("mysql-2", "a:1").on("n2").pinned()).nodes("n1", "n2", "n3"),
			kind: Wait, rule: "settled", reason: "its volume is bound to nodes that hold a member"},
		{name: "one pinned, the other free to move: the other moves",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1").on("n2").pinned()).nodes("n1", "n2", "n3"),
			kind: Restart, target: "mysql-1", rule: "spreadMembers"},
		{name: "members on distinct nodes: nothing to do",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1").on("n3")).nodes("n1", "n2", "n3", "n4"),
			kind: Wait, rule: "settled", reason: "nothing to do"},
		{name: "a pod not scheduled yet shares nothing",
			s: shared(primary("mysql-0", "a:1").semi(true, 2).on("n1"), replica("mysql-1", "a:1").on("n2"),
				replica("mysql-2", "a:1")).nodes("n1", "n2", "n3"),
			kind: Wait, rule: "settled", reason: "nothing to do"},
	})
}
