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
	"strings"
)

// ServerMetrics is what one scrape of the per-server metrics reads from a server, unconverted
// (package servermetrics turns it into Prometheus series, named like mysqld_exporter's).
type ServerMetrics struct {
	// Status is SHOW GLOBAL STATUS and Variables SHOW GLOBAL VARIABLES, by name as the server
	// spells it; NULL values are absent.
	Status, Variables map[string]string
	// Replica is the replica status of the default connection (channel) in the column names of
	// MariaDB and MySQL before 8.0.22 (Master_Host, Slave_IO_Running, Seconds_Behind_Master…),
	// which mysqld_exporter's slave_status metrics use: MySQL's renamed columns are mapped back.
	// NULL columns (Seconds_Behind_Master of a stopped applier) are absent. Nil on a server that
	// is no replica.
	Replica map[string]string
	// BinaryLogs lists the binary log files, oldest first; nil when the binary log is off.
	BinaryLogs []BinaryLog
}

// metricsSQL is what differs between the engines when reading ServerMetrics.
type metricsSQL struct {
	replicaStatus stmt
	// replicaRow picks the default connection's row of replicaStatus and names its columns
	// like MariaDB does.
	replicaRow func(rows []row) row
}

// metricsDialect returns the engine's statements. Flavors are sealed, so the name decides.
func metricsDialect(f Flavor) metricsSQL {
	if f.Name() == MySQL.Name() {
		return mySQLMetrics
	}
	return mariaDBMetrics
}

// ServerMetrics reads SHOW GLOBAL STATUS, SHOW GLOBAL VARIABLES, the replica status and, when the
// binary log is on, SHOW BINARY LOGS: one round of four statements. Any failure fails the whole
// read, so a scrape reports a server that answers only partly as down rather than half its series.
func (c *Client) ServerMetrics(ctx context.Context) (ServerMetrics, error) {
	d := metricsDialect(c.cfg.Flavor)
	var m ServerMetrics
	var err error
	if m.Status, err = c.nameValues(ctx, statement("SHOW GLOBAL STATUS")); err != nil {
		return ServerMetrics{}, err
	}
	if m.Variables, err = c.nameValues(ctx, statement("SHOW GLOBAL VARIABLES")); err != nil {
		return ServerMetrics{}, err
	}
	rows, err := c.s.query(ctx, d.replicaStatus)
	if err != nil {
		return ServerMetrics{}, err
	}
	m.Replica = nonNull(d.replicaRow(rows))
	if !strings.EqualFold(m.Variables["log_bin"], "ON") {
		return m, nil
	}
	if m.BinaryLogs, err = c.binaryLogList(ctx); err != nil {
		return ServerMetrics{}, err
	}
	return m, nil
}

// nameValues runs a SHOW … STATUS/VARIABLES statement into a map.
func (c *Client) nameValues(ctx context.Context, q stmt) (map[string]string, error) {
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		if v := r["Value"]; v.Valid {
			out[r.str("Variable_name")] = v.String
		}
	}
	return out, nil
}

// binaryLogList is SHOW BINARY LOGS on either engine (BinaryLogs is MariaDB-only because its
// callers are).
func (c *Client) binaryLogList(ctx context.Context) ([]BinaryLog, error) {
	q := statement("SHOW BINARY LOGS")
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]BinaryLog, 0, len(rows))
	for _, r := range rows {
		n, err := r.num("File_size")
		if err != nil {
			return nil, c.fail(q, err)
		}
		out = append(out, BinaryLog{Name: r.str("Log_name"), Size: n})
	}
	return out, nil
}

// nonNull copies a row's non-NULL columns; nil for no row.
func nonNull(r row) map[string]string {
	if r == nil {
		return nil
	}
	out := make(map[string]string, len(r))
	for k, v := range r {
		if v.Valid {
			out[k] = v.String
		}
	}
	return out
}
