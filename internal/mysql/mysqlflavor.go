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
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// mySQL speaks the MySQL 8.0.26+ / 8.4 vocabulary (REPLICA, SOURCE); 8.4
// removed the older SLAVE/MASTER statements.
type mySQL struct{}

func (mySQL) Name() string      { return "mysql" }
func (mySQL) GTID() gtid.Flavor { return gtid.MySQL }

func (mySQL) globals() stmt {
	return statement("SELECT @@version AS version, @@server_id AS server_id, @@read_only AS read_only, " +
		"@@super_read_only AS super_read_only, @@global.gtid_executed AS executed")
}

func (mySQL) replicaStatus() stmt { return statement("SHOW REPLICA STATUS") }

// parseGlobals: the fence is super_read_only. read_only=ON alone (a fence
// half raised) still lets SUPER and CONNECTION_ADMIN accounts write.
func (mySQL) parseGlobals(r row, st *Status) error {
	err := parseGlobalsCommon(r, st, gtid.MySQL, "")
	st.Fenced = st.SuperReadOnly
	return err
}

var mySQLReplicaColumns = map[string]string{
	"Source_Host":           "Source_Host",
	"Source_Port":           "Source_Port",
	"Replica_IO_Running":    "Replica_IO_Running",
	"Replica_SQL_Running":   "Replica_SQL_Running",
	"Last_IO_Errno":         "Last_IO_Errno",
	"Last_IO_Error":         "Last_IO_Error",
	"Last_SQL_Errno":        "Last_SQL_Errno",
	"Last_SQL_Error":        "Last_SQL_Error",
	"Seconds_Behind_Source": "Seconds_Behind_Source",
	"Retrieved_Gtid_Set":    "Retrieved_Gtid_Set",
	"Source_SSL_Allowed":    "Source_SSL_Allowed",
}

func (mySQL) parseReplica(r row, st *Status) error {
	rep, err := parseReplicaCommon(r, mySQLReplicaColumns, gtid.MySQL)
	if err != nil || rep == nil {
		return err
	}
	st.Replication = rep
	st.Received = st.Executed.Union(rep.Retrieved)
	return nil
}

func (mySQL) semiSyncNames() semiSyncNames {
	return semiSyncNames{
		sourceEnabled:       "rpl_semi_sync_source_enabled",
		replicaEnabled:      "rpl_semi_sync_replica_enabled",
		sourceStatus:        "Rpl_semi_sync_source_status",
		sourceClients:       "Rpl_semi_sync_source_clients",
		sourceYesTx:         "Rpl_semi_sync_source_yes_tx",
		replicaStatus:       "Rpl_semi_sync_replica_status",
		sourceWaitSessions:  "Rpl_semi_sync_source_wait_sessions",
		sourceWaitPoint:     "rpl_semi_sync_source_wait_point",
		sourceTimeout:       "rpl_semi_sync_source_timeout",
		sourceWaitNoReplica: "rpl_semi_sync_source_wait_no_replica",
		sourceAckers:        "rpl_semi_sync_source_wait_for_replica_count",
	}
}

// configureReplica points the server at src with GTID auto-positioning.
// GET_SOURCE_PUBLIC_KEY lets caching_sha2_password work without TLS. The
// retry count is explicit because 8.4 lowered its default to 10: with a 1s
// retry an IO thread would give up after ~10s without its source (a primary
// restarting) and nothing would acknowledge commits until it is restarted.
func (mySQL) configureReplica(src Source) ([]stmt, error) {
	if err := src.validate(); err != nil {
		return nil, err
	}
	if src.StartPos != "" {
		return nil, errStartPosMySQL
	}
	tlsSQL, tlsArgs := src.tlsClause("SOURCE")
	return []stmt{
		statement("STOP REPLICA"),
		statement("CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, "+
			"SOURCE_PASSWORD = ?, SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1, SOURCE_CONNECT_RETRY = ?, "+
			"SOURCE_RETRY_COUNT = ?, SOURCE_HEARTBEAT_PERIOD = ?"+tlsSQL,
			append([]any{src.Host, src.Port, src.User, src.Password, src.retrySeconds(), replicaRetryCount, heartbeatPeriod}, tlsArgs...)...),
	}, nil
}

// reloadTLS: MySQL 8.0.16+ reconfigures its TLS context from the ssl_* variables; a failure
// leaves the old context in place (the statement fails).
func (mySQL) reloadTLS() stmt { return statement("ALTER INSTANCE RELOAD TLS") }

// accountsTLS: ssl_type is a column of the mysql.user table.
func (mySQL) accountsTLS() stmt { return accountsTLSQuery }

func (mySQL) replication() replicationSQL {
	return replicationSQL{
		start:  "START REPLICA",
		stop:   "STOP REPLICA",
		stopIO: "STOP REPLICA IO_THREAD",
		reset:  "RESET REPLICA ALL",
	}
}

// replicaRetryCount is the 8.0 default (a day of 1s retries).
const replicaRetryCount = 86400

// setReadOnly raises the fence with one statement (super_read_only=ON
// implies read_only), so it is never left half raised. MySQL has no SET
// STATEMENT: the lock wait is bounded by a session setting, which
// Client.SetReadOnly runs on one connection and resets afterwards. Clearing
// goes in the order the server requires.
func (mySQL) setReadOnly(on bool) []stmt {
	if on {
		return []stmt{
			statement(fmt.Sprintf("SET SESSION lock_wait_timeout = %d", fenceLockWait)),
			statement("SET GLOBAL super_read_only = ON"),
		}
	}
	return []stmt{
		statement("SET GLOBAL super_read_only = OFF"),
		statement("SET GLOBAL read_only = OFF"),
	}
}

func (m mySQL) setSemiSyncSource(on bool) []stmt {
	return semiSyncSourceStmts(m.semiSyncNames(), on)
}

func (m mySQL) setSemiSyncReplica(on bool) []stmt {
	return []stmt{statement("SET GLOBAL " + m.semiSyncNames().replicaEnabled + " = " + onOffWord(on))}
}

// semiSyncPlugin names the plugin that provides one side of semi-sync.
func (mySQL) semiSyncPlugin(source bool) (string, string) {
	if source {
		return "rpl_semi_sync_source", "semisync_source.so"
	}
	return "rpl_semi_sync_replica", "semisync_replica.so"
}

func (mySQL) waitApplied(set gtid.Set, timeout time.Duration) stmt {
	return statement("SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)", set.String(), timeout.Seconds())
}

func (mySQL) waitTimedOut() string { return "1" }
