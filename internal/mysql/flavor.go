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

// Flavor is one server family's SQL dialect. It is sealed: the only
// implementations are [MariaDB] and [MySQL].
type Flavor interface {
	// Name is "mariadb" or "mysql", as in the MYSQL_FLAVOR environment.
	Name() string
	// GTID is the flavor of the GTID sets the server reports.
	GTID() gtid.Flavor

	globals() stmt
	replicaStatus() stmt
	parseGlobals(r row, st *Status) error
	parseReplica(r row, st *Status) error
	semiSyncNames() semiSyncNames
	configureReplica(src Source) ([]stmt, error)
	replication() replicationSQL
	reloadTLS() stmt
	accountsTLS() stmt
	setReadOnly(on bool) []stmt
	setSemiSyncSource(on bool) []stmt
	setSemiSyncReplica(on bool) []stmt
	semiSyncPlugin(source bool) (name, soname string)
	waitApplied(set gtid.Set, timeout time.Duration) stmt
	waitTimedOut() string
}

// stmt is one statement with its placeholder arguments. The driver
// interpolates them client-side (interpolateParams), because replication
// statements cannot be prepared.
type stmt struct {
	sql  string
	args []any
}

func (s stmt) String() string { return s.sql }

func statement(q string, args ...any) stmt { return stmt{sql: q, args: args} }

// replicationSQL holds the statements that differ only in wording.
type replicationSQL struct {
	start, stop, stopIO, reset string
}

// semiSyncNames are the flavor's semi-sync variable and status names.
type semiSyncNames struct {
	sourceEnabled, replicaEnabled     string // variables
	sourceStatus, sourceClients       string // status
	sourceYesTx, replicaStatus        string // status
	sourceWaitSessions                string // status
	sourceWaitPoint, sourceTimeout    string // variables
	sourceWaitNoReplica, sourceAckers string // variables ("" when the flavor has none)
}

// Source is what a replica needs to replicate from a source.
type Source struct {
	Host     string
	Port     int
	User     string
	Password string
	// StartPos, MariaDB only, sets gtid_slave_pos before connecting: a
	// replica seeded from a backup starts after the backup's GTID position.
	// When empty, gtid_slave_pos is set to the server's own gtid_current_pos,
	// so an old primary resumes after its own binlog instead of asking the
	// source for everything from the start. MySQL needs neither (its
	// gtid_executed is the position) and rejects a StartPos.
	StartPos string
	// ConnectRetry is the pause between IO-thread reconnects (default 1s).
	ConnectRetry time.Duration
	// TLS, when set, makes the replica connect over TLS and verify the source's certificate
	// against the CA and Host; nil leaves the server's defaults.
	TLS *SourceTLS
}

// SourceTLS is how a replica verifies its source.
type SourceTLS struct {
	// CAFile is the CA bundle's path on the replica's filesystem.
	CAFile string
}

func (s Source) validate() error {
	if s.Host == "" || s.Port <= 0 || s.Port > 65535 || s.User == "" {
		return fmt.Errorf("replication source %s:%d user %q: incomplete", s.Host, s.Port, s.User)
	}
	if s.TLS != nil && s.TLS.CAFile == "" {
		return fmt.Errorf("replication source %s:%d: TLS without a CA file", s.Host, s.Port)
	}
	return nil
}

// tlsClause is the CHANGE MASTER / CHANGE REPLICATION SOURCE options of s.TLS, prefix being
// MASTER or SOURCE, with their arguments; empty when s.TLS is nil.
func (s Source) tlsClause(prefix string) (string, []any) {
	if s.TLS == nil {
		return "", nil
	}
	return fmt.Sprintf(", %[1]s_SSL = 1, %[1]s_SSL_CA = ?, %[1]s_SSL_VERIFY_SERVER_CERT = 1", prefix), []any{s.TLS.CAFile}
}

func (s Source) retrySeconds() int {
	if s.ConnectRetry <= 0 {
		return 1
	}
	return max(1, int(s.ConnectRetry.Round(time.Second)/time.Second))
}

// MariaDB is the MariaDB 10.11 / 11.4 flavor.
var MariaDB Flavor = mariaDB{}

// MySQL is the MySQL 8.0.26+ / 8.4 flavor.
var MySQL Flavor = mySQL{}

// FlavorByName returns the flavor called name ("mariadb" or "mysql").
func FlavorByName(name string) (Flavor, error) {
	for _, f := range []Flavor{MariaDB, MySQL} {
		if f.Name() == name {
			return f, nil
		}
	}
	return nil, fmt.Errorf("unknown mysql flavor %q (want mariadb or mysql)", name)
}

// hugeSemiSyncTimeout (ms, ~49 days) makes the source wait for an ack
// instead of silently falling back to asynchronous replication: a commit
// is acknowledged only once a replica has it (lossless failover).
// internal/mycnf renders the same value into the config.
const hugeSemiSyncTimeout = 4294967295

// heartbeatPeriod (seconds) is how often a quiet source sends the IO thread
// a heartbeat event; with the rendered net timeout of 4s a replica notices a
// dead or frozen source within a few seconds instead of a minute.
const heartbeatPeriod = 1

// fenceLockWait (seconds) bounds how long raising the fence waits for the
// global read lock: SET GLOBAL read_only waits for running write statements
// and for commits in progress, including commits stuck on the semi-sync
// wait. Failing fast lets the caller kill connections or restart the pod
// instead of stalling every new write behind the pending SET.
const fenceLockWait = 2
