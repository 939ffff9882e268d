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

// Section B of docs/topology.md with a primary that answers.
func TestDecideSteadyState(t *testing.T) {
	healthy := cluster("mysql-0", primary("mysql-0", "a:1-10").semi(true, 2),
		replica("mysql-1", "a:1-10"), replica("mysql-2", "a:1-9"))
	runRows(t, []row{
		{name: "healthy cluster waits", s: healthy, kind: Wait, rule: "settled"},
		{name: "a writable replica is fenced again",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10").unfenced()),
			kind: Fence, target: "mysql-1", rule: "fenceRogueWriter"},
		{name: "a writable replica whose fence failed repeatedly (isolated): restart its pod",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10").unfenced().isolated()),
			kind: ForceRestart, target: "mysql-1", rule: "fenceRogueWriter", reason: "fencing mysql-1 failed repeatedly"},
		{name: "two writable members: fence the one that is not currentPrimary",
			s:    cluster("mysql-1", primary("mysql-0", "a:1-10"), primary("mysql-1", "a:1-10")),
			kind: Fence, target: "mysql-0", rule: "fenceRogueWriter"},
		{name: "primary restarted read-only: make it writable",
			s:    cluster("mysql-0", up("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10")),
			kind: MakeWritable, target: "mysql-0", rule: "makePrimaryWritable"},
		{name: "primary restarted without transactions a replica has: refuse, keep it read-only",
			s:    cluster("mysql-0", up("mysql-0", "a:1-8"), replica("mysql-1", "a:1-10")),
			kind: Refuse, rule: "primaryBehind", reason: "mysql-0 lacks " + aliases["a"] + ":9-10 (held by mysql-1)"},
		{name: "primary restarted; only an errant member has more: make it writable",
			s:    cluster("mysql-0", up("mysql-0", "a:1-8"), replica("mysql-1", "a:1-8,b:1").flagged()),
			kind: MakeWritable, target: "mysql-0"},
		{name: "semi-sync: a replica connected, wait not on yet: enable it",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").semi(false, 1), replica("mysql-1", "a:1-10")),
			kind: EnableSemiSync, target: "mysql-0", rule: "semiSync"},
		{name: "semi-sync: no replica connected yet: enable anyway (never acknowledge without a replica)",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").semi(false, 0), replica("mysql-1", "a:1-10").ioStopped(2003)),
			kind: EnableSemiSync, target: "mysql-0", rule: "semiSync"},
		{name: "semi-sync: scaled up from one member, the new ones still empty: no wait until one connects",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10").semi(false, 0),
				replica("mysql-1", "").ioStopped(0).src("")),
			kind: Seed, target: "mysql-1"},
		{name: "semi-sync: lone survivor of a two-member cluster: the wait is on as well",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").semi(false, 0), lost("mysql-1", "a:1-10")),
			kind: EnableSemiSync, target: "mysql-0"},
		{name: "semi-sync on, no replica connected: the replicas are repaired",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").semi(true, 0), replica("mysql-1", "a:1-10").ioStopped(2003)),
			kind: StartReplication, target: "mysql-1"},
		{name: "semi-sync on and every replica gone: stays on",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").semi(true, 0), lost("mysql-1", "a:1-10")),
			kind: Wait},
		{name: "async mode never enables semi-sync",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").semi(false, 2), replica("mysql-1", "a:1-10")).mode(Async),
			kind: Wait},
		{name: "async mode turns a leftover wait off",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").semi(true, 1), replica("mysql-1", "a:1-10")).mode(Async),
			kind: DisableSemiSync, target: "mysql-0"},
		{name: "a single member never waits for acks",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").semi(true, 0)),
			kind: DisableSemiSync, target: "mysql-0"},
		{name: "a replica following the wrong source is repointed at the primary",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10").src("mysql-2"), replica("mysql-2", "a:1-10")),
			kind: ConfigureReplica, target: "mysql-1", source: "mysql-0", rule: "repoint"},
		{name: "a new empty member of an empty cluster is configured",
			s:    cluster("mysql-0", primary("mysql-0", ""), up("mysql-1", "")),
			kind: ConfigureReplica, target: "mysql-1", source: "mysql-0"},
		{name: "stopped threads are started",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10").ioStopped(2003)),
			kind: StartReplication, target: "mysql-1", rule: "restartThreads", reason: "error 2003"},
		{name: "stopped SQL thread is started",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-9").sqlStopped(1205)),
			kind: StartReplication, target: "mysql-1"},
		{name: "an applier paused for a backup is left paused",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-9").sqlStopped(0).backingUp()),
			kind: Wait, rule: "settled"},
		{name: "an applier that failed during a backup is started",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-9").sqlStopped(1205).backingUp()),
			kind: StartReplication, target: "mysql-1"},
		{name: "a stopped IO thread is started even during a backup",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-9").ioStopped(2003).backingUp()),
			kind: StartReplication, target: "mysql-1"},
		{name: "binlogs purged (1236): seed from a serving replica",
			s: cluster("mysql-0", primary("mysql-0", "a:1-100"), replica("mysql-1", "a:1-100"),
				replica("mysql-2", "a:1-5").ioStopped(1236)),
			kind: Seed, target: "mysql-2", source: "mysql-1", rule: "reseedPurged"},
		{name: "binlogs purged, no serving replica: seed from the primary",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-100"), replica("mysql-1", "a:1-5").ioStopped(1236)),
			kind: Seed, target: "mysql-1", source: "mysql-0"},
		{name: "1236 reported but the IO thread runs again: no seed",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-100"), replica("mysql-1", "a:1-100").ioErr(1236)),
			kind: Wait, rule: "settled"},
		{name: "empty datadir, nothing configured, primary has data: seed",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-100"), up("mysql-1", "")),
			kind: Seed, target: "mysql-1", source: "mysql-0", rule: "seedEmpty"},
		{name: "empty replica already replicating from the primary: no seed",
			s:    cluster("mysql-0", primary("mysql-0", "a:1"), replica("mysql-1", "")),
			kind: Wait, rule: "settled"},
		{name: "errant replica, confirmed on a second observation: re-seeded with its binlogs kept aside, never repointed",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-10,b:1-2").src("mysql-1").errantRec("b:1-2")),
			kind: Seed, target: "mysql-2", source: "mysql-1", rule: "reseedErrant",
			reason: "(" + aliases["b"] + ":1-2) the primary mysql-0 never executed: its binary logs are kept aside (keepAside) and it is re-seeded from mysql-1"},
		{name: "errant on the first observation only: flagged, neither re-seeded nor repointed",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-10,b:1-2").src("mysql-1")),
			kind: Wait, rule: "settled"},
		{name: "errant on the first observation only: the next member is still repaired",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10,b:1").ioStopped(0),
				replica("mysql-2", "a:1-10").ioStopped(0)),
			kind: StartReplication, target: "mysql-2"},
		{name: "recorded errant but a subset of the primary now (a false positive): repaired as usual",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10").flagged().ioStopped(0)),
			kind: StartReplication, target: "mysql-1"},
		{name: "a member recorded errant that does not answer is left alone",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), lost("mysql-1", "a:1-10,b:1").flagged()),
			kind: Wait},
		{name: "isolated: not repaired; the next member is",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10").src("mysql-2").isolated(),
				replica("mysql-2", "a:1-10").ioStopped(0)),
			kind: StartReplication, target: "mysql-2"},
		{name: "isolated: not seeded",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-100"), replica("mysql-1", "a:1-5").ioStopped(1236).isolated()),
			kind: Wait, rule: "settled"},
		{name: "isolated: not a donor",
			s: cluster("mysql-0", primary("mysql-0", "a:1-100"), replica("mysql-1", "a:1-100").isolated(),
				replica("mysql-2", "a:1-100"), up("mysql-3", "")),
			kind: Seed, target: "mysql-3", source: "mysql-2"},
		{name: "being deleted: not repaired",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10").ioStopped(0).deleting()),
			kind: Wait},
		{name: "above spec.replicas (being removed): not seeded",
			s: cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-10"),
				replica("mysql-2", "a:1-3").ioStopped(1236)).replicas(2),
			kind: Wait},
		{name: "lagging replica: a label decision, no step",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10"), replica("mysql-1", "a:1-2").lag(time.Hour)),
			kind: Wait, rule: "settled"},
	})
}

// A primary that answers but cannot commit is not failed over; replicas are repaired.
func TestDecidePrimaryCannotCommit(t *testing.T) {
	stuck := primary("mysql-0", "a:1-10").semi(true, 0).cannotCommit("heartbeat timed out", 4)
	runRows(t, []row{
		{name: "a replica's IO thread stopped: started",
			s:    cluster("mysql-0", stuck, replica("mysql-1", "a:1-10").ioStopped(2003), replica("mysql-2", "a:1-10").ioStopped(1045)),
			kind: StartReplication, target: "mysql-1", rule: "restartThreads"},
		{name: "a replica pointing elsewhere: repointed",
			s:    cluster("mysql-0", stuck, replica("mysql-1", "a:1-10").src("mysql-2").ioStopped(2003), lost("mysql-2", "a:1-10")),
			kind: ConfigureReplica, target: "mysql-1", source: "mysql-0"},
		{name: "no failover, even with the failover clock running and replicas that hold everything",
			s:    cluster("mysql-0", stuck, replica("mysql-1", "a:1-10").ioStopped(2003)).unreachableFor(time.Minute),
			kind: StartReplication, target: "mysql-1"},
		{name: "the wait off and commits stuck (a full disk): the wait is turned on first",
			s:    cluster("mysql-0", stuck.semi(false, 1), replica("mysql-1", "a:1-10")),
			kind: EnableSemiSync, target: "mysql-0"},
		{name: "nothing to repair: wait, nothing else to do",
			s:    cluster("mysql-0", primary("mysql-0", "a:1-10").cannotCommit("Disk full", 1), replica("mysql-1", "a:1-10")),
			kind: Wait, rule: "settled"},
	})
}

// B.7: the seed donor runs the target's server version when one can.
func TestDecideSeedDonorVersion(t *testing.T) {
	const old, upgraded = "11.4.5-MariaDB", "11.4.7-MariaDB"
	seedOf := func(p Member, target Member, rs ...Member) Snapshot {
		return cluster("mysql-0", append([]Member{p, target}, rs...)...)
	}
	purged := replica("mysql-1", "a:1-5").ioStopped(1236)
	runRows(t, []row{
		{name: "a serving replica of the same version, not the lowest ordinal",
			s: seedOf(primary("mysql-0", "a:1-100").version(old), purged.version(upgraded),
				replica("mysql-2", "a:1-100").version(old), replica("mysql-3", "a:1-100").version(upgraded)),
			kind: Seed, target: "mysql-1", source: "mysql-3", rule: "reseedPurged"},
		{name: "no replica of the same version: the primary if it runs it",
			s: seedOf(primary("mysql-0", "a:1-100").version(upgraded), purged.version(upgraded),
				replica("mysql-2", "a:1-100").version(old)),
			kind: Seed, target: "mysql-1", source: "mysql-0"},
		{name: "nobody runs the version: the usual donor, and the reason says so",
			s: seedOf(primary("mysql-0", "a:1-100").version(old), purged.version(upgraded),
				replica("mysql-2", "a:1-100").version(old)),
			kind: Seed, target: "mysql-1", source: "mysql-2",
			reason: "no donor runs mysql-1's version " + upgraded + "; mysql-2 runs " + old},
		{name: "the target's version unknown: the usual donor, nothing said",
			s:    seedOf(primary("mysql-0", "a:1-100").version(old), purged, replica("mysql-2", "a:1-100").version(old)),
			kind: Seed, target: "mysql-1", source: "mysql-2"},
		{name: "the primary's pod is being deleted and no replica serves: no donor, the seed waits",
			s:    seedOf(primary("mysql-0", "a:1-100").deleting(), purged),
			kind: Wait, rule: "settled"},
	})
}

// After a failover: the old primary comes back.
func TestDecideOldPrimaryReturns(t *testing.T) {
	runRows(t, []row{
		{name: "with errant transactions, first seen: flagged, left alone",
			s:    cluster("mysql-1", up("mysql-0", "a:1-11"), primary("mysql-1", "a:1-10,b:1-3"), replica("mysql-2", "a:1-10,b:1-3").src("mysql-1")),
			kind: Wait, rule: "settled"},
		{name: "with errant transactions, seen again: re-seeded (binlogs kept aside), never rejoined",
			s: cluster("mysql-1", up("mysql-0", "a:1-11").errantRec("a:11"), primary("mysql-1", "a:1-10,b:1-3"),
				replica("mysql-2", "a:1-10,b:1-3").src("mysql-1")),
			kind: Seed, target: "mysql-0", source: "mysql-2", rule: "reseedErrant", reason: aliases["a"] + ":11"},
		{name: "still writable (it was only cut off): fenced first",
			s:    cluster("mysql-1", primary("mysql-0", "a:1-11"), primary("mysql-1", "a:1-10,b:1-3")),
			kind: Fence, target: "mysql-0"},
		{name: "still writable and its fence failed repeatedly: restart its pod",
			s:    cluster("mysql-1", primary("mysql-0", "a:1-11").isolated(), primary("mysql-1", "a:1-10,b:1-3")),
			kind: ForceRestart, target: "mysql-0", rule: "fenceRogueWriter"},
		{name: "with nothing extra: repointed at the new primary",
			s:    cluster("mysql-1", up("mysql-0", "a:1-10"), primary("mysql-1", "a:1-10,b:1-3")),
			kind: ConfigureReplica, target: "mysql-0", source: "mysql-1"},
	})
}
