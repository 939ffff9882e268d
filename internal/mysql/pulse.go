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
	"context"
	"fmt"
	"strconv"
)

// Pulse is what one cheap statement says about a server between two full observations: enough to
// notice that something the operator decides on has changed (the fence, replication threads,
// semi-sync replicas, new transactions) without reading its whole [Status].
type Pulse struct {
	// Fenced is the write fence as in Status.Fenced.
	Fenced bool
	// ReplicaRunning: both replication threads of the default channel run (false on a primary).
	ReplicaRunning bool
	// SemiSyncClients is how many semi-sync replicas are connected to this server as a source.
	SemiSyncClients int
	// Executed is the server's GTID set as the server prints it (compared as text: any change
	// means new transactions).
	Executed string
}

// Health is the pulse without its transactions: a change in it needs the operator's attention at
// once, while new transactions only need the status refreshed.
func (p Pulse) Health() Pulse {
	p.Executed = ""
	return p
}

// pulseSQL is one statement per flavor; every column is present on a primary and on a replica.
func pulseSQL(f Flavor) stmt {
	n := f.semiSyncNames()
	if f.Name() == "mariadb" {
		return statement("SELECT @@global.read_only AS fenced, @@global.gtid_binlog_state AS executed, " +
			"(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SLAVE_RUNNING') AS replica_running, " +
			"(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = '" + n.sourceClients + "') AS semi_sync_clients")
	}
	return statement("SELECT @@global.super_read_only AS fenced, @@global.gtid_executed AS executed, " +
		"IF((SELECT COUNT(*) FROM performance_schema.replication_connection_status WHERE SERVICE_STATE = 'ON') > 0 AND " +
		"(SELECT COUNT(*) FROM performance_schema.replication_applier_status WHERE SERVICE_STATE = 'ON') > 0, 'ON', 'OFF') AS replica_running, " +
		"(SELECT VARIABLE_VALUE FROM performance_schema.global_status WHERE VARIABLE_NAME = '" + n.sourceClients + "') AS semi_sync_clients")
}

// Pulse reads the server's pulse with one statement.
func (c *Client) Pulse(ctx context.Context) (Pulse, error) {
	q := pulseSQL(c.cfg.Flavor)
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return Pulse{}, err
	}
	if len(rows) != 1 {
		return Pulse{}, c.fail(q, fmt.Errorf("got %d rows, want 1", len(rows)))
	}
	p, err := parsePulse(rows[0])
	if err != nil {
		return Pulse{}, c.fail(q, err)
	}
	return p, nil
}

func parsePulse(r row) (Pulse, error) {
	p := Pulse{Fenced: onOff(r.str("fenced")), ReplicaRunning: onOff(r.str("replica_running")), Executed: r.str("executed")}
	// NULL when the semi-sync plugin is not loaded (MySQL): no semi-sync replicas.
	if v := r.str("semi_sync_clients"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return Pulse{}, fmt.Errorf("semi_sync_clients %q: %w", v, err)
		}
		p.SemiSyncClients = n
	}
	return p, nil
}

// Pulse is the pulse a full status implies: what the server's next pulse shows if nothing changed
// since the status was read.
func (s Status) Pulse() Pulse {
	running := s.Replication != nil && s.Replication.IORunning && s.Replication.SQLRunning
	return Pulse{Fenced: s.Fenced, ReplicaRunning: running, SemiSyncClients: s.SemiSync.SourceClients,
		Executed: s.Executed.String()}
}
