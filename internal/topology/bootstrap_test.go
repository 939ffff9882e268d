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

import "testing"

// Section A of docs/topology.md: no primary recorded.
func TestDecideWithoutPrimary(t *testing.T) {
	runRows(t, []row{
		{name: "nothing observed waits", s: cluster(""), kind: Wait, rule: "noMembers"},
		{name: "new cluster: ordinal 0 answers, empty: it bootstraps",
			s:    cluster("", up("mysql-0", "")),
			kind: Bootstrap, target: "mysql-0", rule: "bootstrapEmptyCluster"},
		{name: "new cluster, three empty members: ordinal 0 bootstraps, the others follow it in the same pass",
			s:    cluster("", up("mysql-0", ""), up("mysql-1", ""), up("mysql-2", "")),
			kind: Bootstrap, target: "mysql-0", also: []string{"mysql-1", "mysql-2"}},
		{name: "a listed member does not answer: wait, its data is unknown",
			s:    cluster("", up("mysql-0", ""), lost("mysql-1", "")),
			kind: Wait, rule: "waitForEveryMember", reason: "mysql-1 does not answer"},
		{name: "an empty member is writable: fence it before bootstrapping",
			s:    cluster("", up("mysql-0", ""), up("mysql-1", "").unfenced()),
			kind: Fence, target: "mysql-1", rule: "fenceOthersBeforeChoosing"},
		{name: "status lost: the writable member holding everything is adopted, not fenced",
			s: cluster("", replica("mysql-0", "a:1-8").src("mysql-1"), primary("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-9").src("mysql-1")),
			kind: Promote, target: "mysql-1", rule: "adoptMostComplete", reason: "adopting mysql-1",
			also: []string{"mysql-0", "mysql-2"}},
		{name: "status lost, all read-only: the member with most transactions, not ordinal 0",
			s:    cluster("", up("mysql-0", "a:1-9"), up("mysql-1", "a:1-9"), up("mysql-2", "a:1-10")),
			kind: Promote, target: "mysql-2"},
		{name: "status lost, equal sets: the member the others replicate from",
			s: cluster("", up("mysql-0", "a:1-10").src("mysql-2"), up("mysql-1", "a:1-10").src("mysql-2"),
				up("mysql-2", "a:1-10")),
			kind: Promote, target: "mysql-2"},
		{name: "status lost, ordinal 0 empty: never bootstrap over another member's data",
			s:    cluster("", up("mysql-0", ""), up("mysql-1", "a:1-3")),
			kind: Promote, target: "mysql-1"},
		{name: "status lost, one member with data does not answer: wait",
			s:    cluster("", up("mysql-0", "a:1-10"), lost("mysql-1", "")),
			kind: Wait, rule: "waitForEveryMember"},
		{name: "status lost, diverged: refuse and say who lacks what",
			s:    cluster("", up("mysql-0", "a:1-10"), up("mysql-1", "a:1-9,b:1")),
			kind: Refuse, rule: "adoptMostComplete", reason: "mysql-0 lacks " + aliases["b"] + ":1 (held by mysql-1)"},
		{name: "status lost, diverged, two writers: fence the higher ordinal",
			s:    cluster("", primary("mysql-0", "a:1-10"), primary("mysql-1", "a:1-9,b:1")),
			kind: Fence, target: "mysql-1"},
		{name: "status lost, diverged, two writers, the higher one's fence failed repeatedly: restart it",
			s:    cluster("", primary("mysql-0", "a:1-10"), primary("mysql-1", "a:1-9,b:1").isolated()),
			kind: ForceRestart, target: "mysql-1"},
		{name: "an empty member is writable and its fence failed repeatedly: restart it before bootstrapping",
			s:    cluster("", up("mysql-0", ""), up("mysql-1", "").unfenced().isolated()),
			kind: ForceRestart, target: "mysql-1", rule: "fenceOthersBeforeChoosing"},
		{name: "status lost, diverged, one writer: leave it, refuse",
			s:    cluster("", primary("mysql-0", "a:1-10"), up("mysql-1", "a:1-9,b:1")),
			kind: Refuse},
		{name: "status lost: a writable member lacking transactions is fenced before adopting the complete one",
			s:    cluster("", primary("mysql-0", "a:1-8"), up("mysql-1", "a:1-10")),
			kind: Fence, target: "mysql-0"},
		{name: "status lost: the complete member still applies its relay log: wait",
			s:    cluster("", up("mysql-0", "a:1-8"), replica("mysql-1", "a:1-8").recv("a:1-10").ioStopped(0)),
			kind: Wait, rule: "adoptMostComplete", reason: "apply " + aliases["a"] + ":9-10"},
		{name: "status lost: the complete member cannot apply its relay log: refuse",
			s:    cluster("", up("mysql-0", "a:1-8"), replica("mysql-1", "a:1-8").recv("a:1-10").sqlStopped(1062)),
			kind: Refuse, reason: "error 1062"},
		{name: "status lost: a member being deleted is not adopted",
			s:    cluster("", up("mysql-0", "a:1-9"), up("mysql-1", "a:1-10").deleting()),
			kind: Refuse},
	})
}
