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
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// Mode is how the primary acknowledges commits.
type Mode string

// The replication modes. Any value other than Async is treated as SemiSync:
// the lossless mode is the default.
const (
	SemiSync Mode = "semiSync"
	Async    Mode = "async"
)

// Member is what the operator observed about one member at one moment. The
// zero value is the safe one: not reachable, read-only, not replicating.
type Member struct {
	Name    string // pod name, NAME-N
	Ordinal int

	PodExists bool   // the pod object exists
	PodReady  bool   // the pod's Ready condition (the server answers its agent)
	Deleting  bool   // the pod has a deletion timestamp
	Node      string // the node the pod is scheduled on; "" when it is not (yet)
	// MoveFailed: the operator restarted this member to move it apart from the others, and its new
	// pod was scheduled beside another member again (its volume may be bound to the node, or the
	// free node lacks room): it is not moved again.
	MoveFailed bool
	// Pinned: the member's volume may only be attached on nodes (its PV's node affinity) none of
	// which is schedulable and free of members: restarting it would not move it.
	Pinned   bool
	Outdated bool // the pod runs an older template revision than the StatefulSet's update revision

	Reachable bool // the server answered the operator's SQL probe in this observation
	// Writable is true when the fence is down: super_read_only=OFF (MySQL),
	// read_only=OFF (MariaDB). Only meaningful when Reachable.
	Writable bool

	Source       string // member name it replicates from (resolved from Source_Host); "" for none
	IORunning    bool   // the IO thread exists: Slave_IO_Running is Yes or Connecting
	IOConnected  bool   // the IO thread is connected to its source: Slave_IO_Running is Yes
	SQLRunning   bool   // the SQL (applier) thread runs
	LastIOErrno  int    // Last_IO_Errno; 1236 means the source purged binlogs this replica needs
	LastSQLErrno int    // Last_SQL_Errno, for messages

	// Executed is the applied set (gtid_executed; MariaDB gtid_binlog_state).
	// For a member that does not answer: the last set recorded in status.
	Executed gtid.Set
	// Received is what the server holds applied or in its relay log (MySQL:
	// gtid_executed ∪ Retrieved_Gtid_Set). The engine always uses
	// Executed ∪ Received, so leaving it empty means "nothing beyond Executed".
	Received gtid.Set

	Lag      time.Duration // Seconds_Behind_Source
	LagKnown bool          // false when the server reports NULL or was not asked

	// HasData is true when the datadir holds transactions the observer knows
	// of beyond Executed; a non-empty Executed counts as data regardless.
	HasData bool
	// Errant is the flag recorded in status: carried over whenever the engine
	// cannot recompute it (the primary is not writable or the member does not answer).
	Errant bool

	// RecordedErrant is the errant set recorded in status at the previous
	// observation; empty when none or unknown.
	RecordedErrant gtid.Set
	// PrevServing is true when the member served reads at the previous
	// observation (recorded in status).
	PrevServing bool
	// Isolated is true when a step on this member failed repeatedly (the
	// controller counts): no repair, seed or restart targets it for now.
	Isolated bool
	// BackingUp is true while a store backup the operator started runs on this member with its
	// applier paused (the backup's table checksums must match it): a stopped SQL thread of a
	// member whose IO thread runs is then no fault to repair.
	BackingUp bool

	SemiSyncSource  bool // the source-side semi-sync wait is on (rpl_semi_sync_{master,source}_enabled)
	SemiSyncClients int  // semi-sync replicas connected to this server (Rpl_semi_sync_{master,source}_clients)
	SemiSyncWaiting int  // sessions waiting for an ack (Rpl_semi_sync_master_wait_sessions), for messages

	// CannotCommit is true when the server answers and is writable but a
	// heartbeat write did not commit within its timeout (a semi-sync wait
	// with no acknowledging replica, a full disk, stuck commits); CommitError
	// says what the write returned.
	CannotCommit bool
	CommitError  string

	Version string // the server version as observed, e.g. "11.4.5-MariaDB"; "" when unknown

	ServesTLS      bool // the pod mounts the cluster's certificates: the server serves TLS
	ReplicationTLS bool // its replication connection uses TLS (Master_SSL_Allowed)
}

// Snapshot is the whole cluster as observed, plus what the user asked for.
// See "What observe (and the pod) must guarantee" in docs/topology.md.
type Snapshot struct {
	Flavor  gtid.Flavor // the flavor of every set below
	Members []Member    // any order; the engine sorts by ordinal

	Replicas       int    // spec.replicas: the desired number of members, primary included
	CurrentPrimary string // status.currentPrimary; "" before the first promotion

	FailoverEnabled bool
	FailoverDelay   time.Duration
	// PrimaryUnreachableFor is how long CurrentPrimary has failed the probe
	// (also while it has no pod at all); 0 while it answers.
	PrimaryUnreachableFor time.Duration

	Mode Mode
	// SwitchoverTo is a pending switchover request (the switchover-to
	// annotation). It is a request, not a preference: the controller passes
	// it only until the switchover is recorded as done, or a later failover
	// would be followed by a switch back.
	SwitchoverTo string
	MaxLag       time.Duration // a replica lagging more is not serving; 0 means no bound

	// TLS is spec.tls.enabled: members serve TLS and replicate over it, and the replication and
	// operator accounts refuse plain connections once every member does.
	TLS bool
	// SchedulableNodes are the nodes the members' pods may be scheduled on now (Ready, not
	// cordoned, taints tolerated, node selector matched), whether or not a member runs there; nil
	// when the operator does not place members: it cannot read nodes (a namespaced install), or
	// spec.pod.affinity or topologySpreadConstraints replace the default anti-affinity.
	SchedulableNodes []string
	// AccountsRequireTLS is what CurrentPrimary's accounts say (REQUIRE SSL); only meaningful
	// while it answers.
	AccountsRequireTLS bool
}

// ReplicatesOverTLS reports whether replica connects to source over verified TLS: TLS is on and
// both serve it (the replica's server reads the CA from its own mounted certificates).
func ReplicatesOverTLS(s Snapshot, replica, source Member) bool {
	return s.TLS && replica.ServesTLS && source.ServesTLS
}

// has is every transaction the member holds, applied or not.
func (m Member) has() gtid.Set { return m.Executed.Union(m.Received) }

// hasData reports whether the member's datadir holds transactions.
func (m Member) hasData() bool { return m.HasData || !m.has().IsEmpty() }

// writable reports whether the member answered and its fence is down.
func (m Member) writable() bool { return m.Reachable && m.Writable }

// applied reports whether the member has applied everything it received.
func (m Member) applied() bool { return m.has().SubsetOf(m.Executed) }

// withinLag reports whether the member's lag is known and within the bound.
func withinLag(m Member, bound time.Duration) bool {
	return m.LagKnown && (bound <= 0 || m.Lag <= bound)
}
