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
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// Pulser reads a server's pulse; [Instance] is one, [PulseConn] a cheaper one.
type Pulser interface {
	Pulse(ctx context.Context) (Pulse, error)
	Close() error
}

// PulseOpener is an [Opener] that also opens pulse connections.
type PulseOpener interface {
	OpenPulse(cfg Config) (Pulser, error)
}

// PulseConn reads a server's pulse on one connection of its own, outside any pool. The statement
// runs on the driver's connection directly and is bounded by the connection's read and write
// timeouts (Config.ReadTimeout, WriteTimeout) rather than by the context, so a read costs a write
// and a read on the socket: no pool, no goroutine hand-off, no timer per statement. The operator
// reads thousands of members every few seconds with it; a pool's cost per statement showed as a
// core's tenth at rest.
type PulseConn struct {
	cfg       Config
	connector driver.Connector
	query     stmt // the flavor's pulse statement, built once

	mu   sync.Mutex
	conn driver.Conn // nil until the first pulse, and after a failed one
}

var _ Pulser = (*PulseConn)(nil)

// OpenPulse returns a PulseConn for cfg. It does not connect: the first pulse does.
func OpenPulse(cfg Config) (*PulseConn, error) {
	if cfg.Flavor == nil {
		return nil, fmt.Errorf("mysql %s: no flavor", cfg.Addr())
	}
	cfg = cfg.withDefaults()
	conn, err := mysqldriver.NewConnector(cfg.driverConfig())
	if err != nil {
		return nil, fmt.Errorf("mysql %s: %w", cfg.Addr(), err)
	}
	return &PulseConn{cfg: cfg, connector: conn, query: pulseSQL(cfg.Flavor)}, nil
}

// Pulse reads the server's pulse. ctx bounds the connection's set-up only (with ConnectTimeout);
// the statement is bounded by the read and write timeouts. A failed read drops the connection: the
// next pulse dials again.
func (p *PulseConn) Pulse(ctx context.Context) (Pulse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.query
	if err := p.connect(ctx); err != nil {
		return Pulse{}, p.fail(q, err)
	}
	r, err := p.queryOneRow(q)
	if err != nil {
		p.drop()
		return Pulse{}, p.fail(q, err)
	}
	pulse, err := parsePulse(r)
	if err != nil {
		return Pulse{}, p.fail(q, err)
	}
	return pulse, nil
}

func (p *PulseConn) connect(ctx context.Context) error {
	if p.conn != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectTimeout)
	defer cancel()
	conn, err := p.connector.Connect(ctx)
	if err != nil {
		return err
	}
	p.conn = conn
	return nil
}

// queryOneRow runs q (no arguments) with a context that is never done, so the driver watches no
// context; it reads exactly one row.
func (p *PulseConn) queryOneRow(q stmt) (row, error) {
	qc, ok := p.conn.(driver.QueryerContext)
	if !ok {
		return nil, fmt.Errorf("driver connection %T cannot query", p.conn)
	}
	rows, err := qc.QueryContext(context.Background(), q.sql, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	cols := rows.Columns()
	vals := make([]driver.Value, len(cols))
	if err := rows.Next(vals); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("got 0 rows, want 1")
		}
		return nil, err
	}
	r := make(row, len(cols))
	for i, c := range cols {
		r[c] = nullString(vals[i])
	}
	if err := rows.Next(vals); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("got more than 1 row (%v)", err)
	}
	return r, nil
}

// nullString is a text-protocol value as database/sql would scan it into a NullString.
func nullString(v driver.Value) sql.NullString {
	switch t := v.(type) {
	case nil:
		return sql.NullString{}
	case []byte:
		return sql.NullString{String: string(t), Valid: true}
	default:
		return sql.NullString{String: fmt.Sprint(t), Valid: true}
	}
}

func (p *PulseConn) drop() {
	if p.conn != nil {
		_ = p.conn.Close()
		p.conn = nil
	}
}

func (p *PulseConn) fail(q stmt, err error) error {
	return &StatementError{Addr: p.cfg.Addr(), Statement: q.sql, Err: err}
}

// Close closes the connection.
func (p *PulseConn) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop()
	return nil
}
