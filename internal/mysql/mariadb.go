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
	"fmt"
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

type mariaDB struct{}

func (mariaDB) Name() string      { return "mariadb" }
func (mariaDB) GTID() gtid.Flavor { return gtid.MariaDB }

func (mariaDB) globals() stmt {
	return statement("SELECT @@version AS version, @@server_id AS server_id, @@read_only AS read_only, " +
		"@@gtid_binlog_state AS executed, @@gtid_current_pos AS current_pos")
}

// replicaStatus reads the default connection only; the operator never
// configures named (multi-source) connections.
func (mariaDB) replicaStatus() stmt { return statement("SHOW SLAVE STATUS") }

// parseGlobals: read_only is MariaDB's whole fence.
func (mariaDB) parseGlobals(r row, st *Status) error {
	err := parseGlobalsCommon(r, st, gtid.MariaDB, "current_pos")
	st.Fenced = st.ReadOnly
	return err
}

var mariaDBReplicaColumns = map[string]string{
	"Source_Host":           "Master_Host",
	"Source_Port":           "Master_Port",
	"Replica_IO_Running":    "Slave_IO_Running",
	"Replica_SQL_Running":   "Slave_SQL_Running",
	"Last_IO_Errno":         "Last_IO_Errno",
	"Last_IO_Error":         "Last_IO_Error",
	"Last_SQL_Errno":        "Last_SQL_Errno",
	"Last_SQL_Error":        "Last_SQL_Error",
	"Seconds_Behind_Source": "Seconds_Behind_Master",
	"Retrieved_Gtid_Set":    "Gtid_IO_Pos",
	"Source_SSL_Allowed":    "Master_SSL_Allowed",
}

func (mariaDB) parseReplica(r row, st *Status) error {
	rep, err := parseReplicaCommon(r, mariaDBReplicaColumns, gtid.MariaDB)
	if err != nil || rep == nil {
		return err
	}
	st.Replication = rep
	// With log_slave_updates the binlog state holds what was applied; the
	// IO position adds what was fetched into the relay log.
	st.Received = st.Executed.Union(rep.Retrieved)
	return nil
}

func (mariaDB) semiSyncNames() semiSyncNames {
	return semiSyncNames{
		sourceEnabled:       "rpl_semi_sync_master_enabled",
		replicaEnabled:      "rpl_semi_sync_slave_enabled",
		sourceStatus:        "Rpl_semi_sync_master_status",
		sourceClients:       "Rpl_semi_sync_master_clients",
		sourceYesTx:         "Rpl_semi_sync_master_yes_tx",
		replicaStatus:       "Rpl_semi_sync_slave_status",
		sourceWaitSessions:  "Rpl_semi_sync_master_wait_sessions",
		sourceWaitPoint:     "rpl_semi_sync_master_wait_point",
		sourceTimeout:       "rpl_semi_sync_master_timeout",
		sourceWaitNoReplica: "rpl_semi_sync_master_wait_no_slave",
	}
}

// configureReplica stops replication, sets gtid_slave_pos (see
// Source.StartPos) and points the server at src with GTID positioning.
func (mariaDB) configureReplica(src Source) ([]stmt, error) {
	if err := src.validate(); err != nil {
		return nil, err
	}
	pos := statement("SET GLOBAL gtid_slave_pos = @@gtid_current_pos")
	if src.StartPos != "" {
		if _, err := gtid.ParseMariaDB(src.StartPos); err != nil {
			return nil, fmt.Errorf("replica start position: %w", err)
		}
		pos = statement("SET GLOBAL gtid_slave_pos = ?", src.StartPos)
	}
	tlsSQL, tlsArgs := src.tlsClause("MASTER")
	return []stmt{
		statement("STOP SLAVE"),
		pos,
		statement("CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, "+
			"MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = ?, MASTER_HEARTBEAT_PERIOD = ?"+tlsSQL,
			append([]any{src.Host, src.Port, src.User, src.Password, src.retrySeconds(), heartbeatPeriod}, tlsArgs...)...),
	}, nil
}

func (mariaDB) replication() replicationSQL {
	return replicationSQL{
		start:  "START SLAVE",
		stop:   "STOP SLAVE",
		stopIO: "STOP SLAVE IO_THREAD",
		reset:  "RESET SLAVE ALL",
	}
}

// reloadTLS: MariaDB 10.4+ reads its certificate, key and CA files again; established
// connections keep theirs.
// NO_WRITE_TO_BINLOG: a FLUSH is binlogged otherwise, and on a replica that is an errant transaction.
func (mariaDB) reloadTLS() stmt { return statement("FLUSH NO_WRITE_TO_BINLOG SSL") }

// accountsTLS: MariaDB 10.4+ keeps accounts in mysql.global_priv (JSON); the mysql.user view
// spells their ssl_type as MySQL does.
func (mariaDB) accountsTLS() stmt { return accountsTLSQuery }

// setReadOnly bounds the fence's lock wait for this one statement (SET
// STATEMENT … FOR), so no session setting leaks into the pool.
func (mariaDB) setReadOnly(on bool) []stmt {
	if on {
		return []stmt{statement(fmt.Sprintf(
			"SET STATEMENT lock_wait_timeout = %d FOR SET GLOBAL read_only = ON", fenceLockWait))}
	}
	return []stmt{statement("SET GLOBAL read_only = OFF")}
}

func (m mariaDB) setSemiSyncSource(on bool) []stmt {
	return semiSyncSourceStmts(m.semiSyncNames(), on)
}

func (m mariaDB) setSemiSyncReplica(on bool) []stmt {
	return []stmt{statement("SET GLOBAL " + m.semiSyncNames().replicaEnabled + " = " + onOffWord(on))}
}

// semiSyncPlugin: MariaDB 10.3+ has semi-sync built in.
func (mariaDB) semiSyncPlugin(bool) (string, string) { return "", "" }

// waitApplied uses MASTER_GTID_WAIT, which takes one GTID per domain: the
// highest sequence number of the domain over all its servers.
func (mariaDB) waitApplied(set gtid.Set, timeout time.Duration) stmt {
	return statement("SELECT MASTER_GTID_WAIT(?, ?)", lastPerDomain(set), timeout.Seconds())
}

func (mariaDB) waitTimedOut() string { return "-1" }

// lastPerDomain reduces a MariaDB set to "domain-server-seq" with, per
// domain, the largest sequence number.
func lastPerDomain(set gtid.Set) string {
	type last struct {
		server string
		seq    uint64
	}
	best := map[string]last{}
	var domains []string
	for _, k := range set.Keys() { // ordered by domain, then server
		d, srv, _ := strings.Cut(k, "-")
		ivs := set.Intervals(k)
		end := ivs[len(ivs)-1].End
		b, seen := best[d]
		if !seen {
			domains = append(domains, d)
		}
		if !seen || end > b.seq {
			best[d] = last{srv, end}
		}
	}
	parts := make([]string, 0, len(domains))
	for _, d := range domains {
		parts = append(parts, fmt.Sprintf("%s-%s-%d", d, best[d].server, best[d].seq))
	}
	return strings.Join(parts, ",")
}

func onOffWord(on bool) string {
	if on {
		return "ON"
	}
	return "OFF"
}

// semiSyncSourceStmts enables the lossless AFTER_SYNC wait with a huge
// timeout, or disables the wait (which releases waiting commits).
func semiSyncSourceStmts(n semiSyncNames, on bool) []stmt {
	if !on {
		return []stmt{statement("SET GLOBAL " + n.sourceEnabled + " = OFF")}
	}
	// The config already holds these (internal/mycnf); setting them again
	// covers a server started from an older config.
	sts := []stmt{
		statement("SET GLOBAL " + n.sourceWaitPoint + " = 'AFTER_SYNC'"),
		statement(fmt.Sprintf("SET GLOBAL %s = %d", n.sourceTimeout, hugeSemiSyncTimeout)),
		statement("SET GLOBAL " + n.sourceWaitNoReplica + " = ON"),
	}
	if n.sourceAckers != "" {
		sts = append(sts, statement("SET GLOBAL "+n.sourceAckers+" = 1"))
	}
	return append(sts, statement("SET GLOBAL "+n.sourceEnabled+" = ON"))
}

// parseGlobalsCommon reads the globals row; currentCol names the column
// holding the current position ("" when it equals Executed).
func parseGlobalsCommon(r row, st *Status, f gtid.Flavor, currentCol string) error {
	id, err := r.num("server_id")
	if err != nil {
		return err
	}
	st.Version, st.ServerID = r.str("version"), uint32(id)
	st.ReadOnly, st.SuperReadOnly = onOff(r.str("read_only")), onOff(r.str("super_read_only"))
	if st.Executed, err = gtid.Parse(f, r.str("executed")); err != nil {
		return fmt.Errorf("executed gtid set: %w", err)
	}
	st.CurrentPos = st.Executed
	if currentCol != "" {
		if st.CurrentPos, err = gtid.Parse(f, r.str(currentCol)); err != nil {
			return fmt.Errorf("current gtid position: %w", err)
		}
	}
	st.Received = st.Executed
	return nil
}
