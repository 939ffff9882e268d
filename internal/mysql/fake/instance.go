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

package fake

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// Instance is one fake member; it implements mysql.Instance.
type Instance struct {
	c        *Cluster
	addr     string
	detached bool // opened at an address no member has

	serverID    uint32
	version     string
	readOnly    bool
	unreachable bool
	errs        map[string]error // op name -> error it returns
	calls       []string

	executed  gtid.Set
	retrieved gtid.Set
	purged    gtid.Set // GTIDs whose binary logs are gone

	source     *mysql.Source
	ioWanted   bool // START issued, IO not stopped
	ioState    string
	sqlRunning bool
	ioErrno    int
	ioError    string

	semiSource, semiReplica bool
	configSemiReplica       bool // the replica side after a restart (the config's value)
	acked                   uint64
	waiting                 int               // commits waiting for a semi-sync ack
	clients                 int               // application connections, for KillClientConnections
	globals                 map[string]string // SetGlobals' settings

	requireTLS  bool   // the replication and operator accounts at '%' require TLS
	tlsPassword string // operatorPassword of the last RequireTLS call
}

var _ mysql.Instance = (*Instance)(nil)

// Addr is the member's host:port.
func (in *Instance) Addr() string { return in.addr }

// SetUnreachable makes every call fail (true) or work again (false).
func (in *Instance) SetUnreachable(v bool) { in.with(func() { in.unreachable = v }) }

// FailOn makes operation op (the method name, e.g. "SetReadOnly") return err
// until cleared with a nil err.
func (in *Instance) FailOn(op string, err error) {
	in.with(func() {
		if err == nil {
			delete(in.errs, op)
		} else {
			in.errs[op] = err
		}
	})
}

// Calls returns this member's recorded calls, e.g. "SetReadOnly(false)".
func (in *Instance) Calls() []string {
	in.c.mu.Lock()
	defer in.c.mu.Unlock()
	return slices.Clone(in.calls)
}

// Write commits n transactions originated by this member, ignoring the
// fence (assert ReadOnly yourself; a write on a fenced replica is how
// tests make errant transactions). For MariaDB they are in domain 0. While
// the member waits for semi-sync acks and no semi-sync replica is connected,
// they are in the binary log (AFTER_SYNC) but their commits wait: they count
// in SourceWaitSessions until a replica connects, the wait is turned off or
// their connections are killed.
func (in *Instance) Write(n int) {
	in.with(func() { in.commitLocked(n) })
}

func (in *Instance) commitLocked(n int) {
	for range n {
		in.executed = in.executed.Union(in.nextGTID())
	}
	switch {
	case !in.semiSource:
	case in.semiClientsLocked() > 0:
		in.acked += uint64(n)
	default:
		in.waiting += n
	}
}

// Waiting is the number of commits waiting for a semi-sync ack.
func (in *Instance) Waiting() int {
	in.c.mu.Lock()
	defer in.c.mu.Unlock()
	return in.waiting
}

// Restart models a server restart: runtime settings fall back to the
// config (read-only, no semi-sync wait, the replica side as configured),
// replication threads stay stopped (skip_slave_start), and waiting commits
// and client connections are gone. Data and the replication source survive.
func (in *Instance) Restart() {
	in.with(func() {
		in.readOnly, in.semiSource, in.semiReplica = true, false, in.configSemiReplica
		in.stopLocked(true)
		in.waiting, in.clients = 0, 0
	})
}

// SetConfigSemiSyncReplica sets the replica side a restart comes back with
// (true, the default, is what the rendered config says).
func (in *Instance) SetConfigSemiSyncReplica(v bool) { in.with(func() { in.configSemiReplica = v }) }

// SetExecuted replaces the executed set (e.g. a member seeded from a backup).
func (in *Instance) SetExecuted(s gtid.Set) { in.with(func() { in.executed = s }) }

// SetRetrieved replaces the IO thread's set: transactions received into
// the relay log and not yet applied unless the SQL thread applies them.
func (in *Instance) SetRetrieved(s gtid.Set) { in.with(func() { in.retrieved = s }) }

// SetClients sets the number of application connections.
func (in *Instance) SetClients(n int) { in.with(func() { in.clients = n }) }

// SetVersion sets the reported server version.
func (in *Instance) SetVersion(v string) { in.with(func() { in.version = v }) }

func (in *Instance) with(f func()) {
	in.c.mu.Lock()
	defer in.c.mu.Unlock()
	f()
}

// nextGTID is the member's next transaction: MariaDB 0-<server_id>-<next
// seq of domain 0>, MySQL <uuid of server_id>:<next>.
func (in *Instance) nextGTID() gtid.Set {
	if in.c.gtidFlavor() == gtid.MariaDB {
		var last uint64
		for _, k := range in.executed.Keys() {
			if ivs := in.executed.Intervals(k); strings.HasPrefix(k, "0-") {
				last = max(last, ivs[len(ivs)-1].End)
			}
		}
		return gtid.MustParse(gtid.MariaDB, fmt.Sprintf("0-%d-%d", in.serverID, last+1))
	}
	uuid := fmt.Sprintf("00000000-0000-0000-0000-%012d", in.serverID)
	var last uint64
	if ivs := in.executed.Intervals(uuid); len(ivs) > 0 {
		last = ivs[len(ivs)-1].End
	}
	return gtid.MustParse(gtid.MySQL, fmt.Sprintf("%s:%d", uuid, last+1))
}

// replicateLocked runs this member's IO and SQL threads once.
func (in *Instance) replicateLocked() {
	if in.source == nil || in.unreachable {
		return
	}
	if in.ioWanted {
		src := in.c.sourceLocked(sourceAddr(*in.source))
		switch {
		case src == nil || src.unreachable:
			in.ioState, in.ioErrno, in.ioError = "Connecting", ErrnoCantConnect, "can't connect to "+sourceAddr(*in.source)
		case !src.purged.Subtract(in.executed.Union(in.retrieved)).IsEmpty():
			in.ioWanted, in.ioState, in.ioErrno = false, "No", ErrnoSourceLogs
			in.ioError = "could not find GTID state requested by replica in any binlog files"
		default:
			in.ioState, in.ioErrno, in.ioError = "Yes", 0, ""
			in.retrieved = in.retrieved.Union(src.executed)
			if in.sqlRunning { // account changes are the source's transactions
				in.requireTLS = src.requireTLS
			}
		}
	}
	if in.sqlRunning {
		in.executed = in.executed.Union(in.retrieved)
	}
}

// semiClientsLocked counts connected semi-sync replicas of this member,
// whichever address (a DNS alias) they replicate from.
func (in *Instance) semiClientsLocked() int {
	n := 0
	for _, m := range in.c.members {
		if m.source != nil && in.c.sourceLocked(sourceAddr(*m.source)) == in && m.ioState == "Yes" && m.semiReplica {
			n++
		}
	}
	return n
}
