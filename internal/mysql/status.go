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

package mysql

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// Status is one server's state as the operator observes it.
type Status struct {
	Version  string
	ServerID uint32
	// ReadOnly is the fence: writes by ordinary users are refused.
	ReadOnly bool
	// SuperReadOnly is MySQL's stronger fence (always false on MariaDB).
	SuperReadOnly bool
	// Fenced is whether the fence holds for every account: super_read_only
	// on MySQL (read_only alone lets SUPER accounts write), read_only on
	// MariaDB (where only the operator's account keeps READ_ONLY ADMIN).
	Fenced bool
	// Executed is what the server has committed: MySQL gtid_executed,
	// MariaDB gtid_binlog_state (one entry per domain AND server, the set
	// to compare when looking for errant transactions).
	Executed gtid.Set
	// CurrentPos is MariaDB's gtid_current_pos (one GTID per domain; what
	// to seed a replica's gtid_slave_pos from). For MySQL it equals Executed.
	CurrentPos gtid.Set
	// Received is Executed plus what the IO thread fetched but may not have
	// applied yet. Failover promotes the replica whose Received contains
	// every other replica's.
	Received gtid.Set
	// Replication is nil when no replication source is configured.
	Replication *Replication
	SemiSync    SemiSync
}

// Replication is the state of the default replication channel.
type Replication struct {
	SourceHost string
	SourcePort int
	// IOState is the raw IO thread state: "Yes", "No" or "Connecting".
	IOState      string
	IORunning    bool // IOState == "Yes": connected to the source
	SQLRunning   bool
	LastIOErrno  int
	LastIOError  string
	LastSQLErrno int
	LastSQLError string
	// SecondsBehind is the replication lag; -1 when unknown (NULL), which
	// the server reports when a thread is not running.
	SecondsBehind int64
	// Retrieved is the IO thread's position: MySQL Retrieved_Gtid_Set,
	// MariaDB Gtid_IO_Pos.
	Retrieved gtid.Set
	// TLS: the replica connects to its source over TLS (Source_SSL_Allowed, MariaDB
	// Master_SSL_Allowed, is Yes).
	TLS bool
}

// SemiSync is the semi-synchronous replication state of both sides.
type SemiSync struct {
	SourceEnabled bool // variable rpl_semi_sync_{master,source}_enabled
	// SourceActive is the status Rpl_semi_sync_{master,source}_status: the
	// source really waits for acks (false when it fell back to async).
	SourceActive  bool
	SourceClients int    // semi-sync replicas connected
	SourceAcked   uint64 // commits acknowledged by a replica (yes_tx)
	// SourceWaitSessions is Rpl_semi_sync_{master,source}_wait_sessions:
	// commits waiting for an ack right now. Non-zero with no clients means
	// the primary cannot commit.
	SourceWaitSessions int
	ReplicaEnabled     bool // variable rpl_semi_sync_{slave,replica}_enabled
	ReplicaActive      bool // status: the IO thread acknowledges
}

// row is one result row by column name; NULL values are !Valid.
type row map[string]sql.NullString

func (r row) str(col string) string { return r[col].String }

func (r row) num(col string) (int64, error) {
	v, ok := r[col]
	if !ok || !v.Valid || v.String == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v.String, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("column %s: %w", col, err)
	}
	return n, nil
}

// onOff reads a boolean in any of the server's spellings (1, ON, YES). It
// treats MariaDB 11's read_only modes (NO_LOCK, NO_LOCK_NO_ADMIN) as on.
func onOff(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "", "0", "OFF", "NO", "FALSE":
		return false
	}
	return true
}

// parseReplicaCommon fills the fields both flavors report under different
// column names; cols maps the MySQL 8.4 names to the flavor's.
func parseReplicaCommon(r row, cols map[string]string, f gtid.Flavor) (*Replication, error) {
	c := func(name string) string { return cols[name] }
	if r.str(c("Source_Host")) == "" {
		return nil, nil // no source configured (or RESET without ALL)
	}
	port, err1 := r.num(c("Source_Port"))
	ioErr, err2 := r.num(c("Last_IO_Errno"))
	sqlErr, err3 := r.num(c("Last_SQL_Errno"))
	retrieved, err4 := gtid.Parse(f, r.str(c("Retrieved_Gtid_Set")))
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return nil, fmt.Errorf("replica status: %w", err)
		}
	}
	rep := &Replication{
		SourceHost:    r.str(c("Source_Host")),
		SourcePort:    int(port),
		IOState:       r.str(c("Replica_IO_Running")),
		SQLRunning:    r.str(c("Replica_SQL_Running")) == "Yes",
		LastIOErrno:   int(ioErr),
		LastIOError:   r.str(c("Last_IO_Error")),
		LastSQLErrno:  int(sqlErr),
		LastSQLError:  r.str(c("Last_SQL_Error")),
		SecondsBehind: -1,
		Retrieved:     retrieved,
		TLS:           r.str(c("Source_SSL_Allowed")) == "Yes",
	}
	rep.IORunning = rep.IOState == "Yes"
	if lag := r[c("Seconds_Behind_Source")]; lag.Valid && lag.String != "" {
		n, err := strconv.ParseInt(lag.String, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("replica status: lag %q: %w", lag.String, err)
		}
		rep.SecondsBehind = n
	}
	return rep, nil
}

// parseSemiSync reads SHOW GLOBAL VARIABLES / STATUS rows (Variable_name,
// Value) with the flavor's names. Absent names (MySQL without the plugins)
// read as off.
func parseSemiSync(vals map[string]string, n semiSyncNames) (SemiSync, error) {
	s := SemiSync{
		SourceEnabled:  onOff(vals[n.sourceEnabled]),
		SourceActive:   onOff(vals[n.sourceStatus]),
		ReplicaEnabled: onOff(vals[n.replicaEnabled]),
		ReplicaActive:  onOff(vals[n.replicaStatus]),
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{n.sourceClients, &s.SourceClients}, {n.sourceWaitSessions, &s.SourceWaitSessions}} {
		if v := vals[f.name]; v != "" {
			c, err := strconv.Atoi(v)
			if err != nil {
				return s, fmt.Errorf("%s %q: %w", f.name, v, err)
			}
			*f.dst = c
		}
	}
	if v := vals[n.sourceYesTx]; v != "" {
		c, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return s, fmt.Errorf("%s %q: %w", n.sourceYesTx, v, err)
		}
		s.SourceAcked = c
	}
	return s, nil
}
