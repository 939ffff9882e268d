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
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// Config says how to reach one server.
type Config struct {
	Flavor Flavor
	// Host and Port address the server over TCP.
	Host string
	Port int
	// Socket, when set, is a Unix socket path used instead of Host:Port.
	Socket   string
	User     string
	Password string
	// ConnectTimeout bounds dialing (default 3s); ReadTimeout and
	// WriteTimeout bound each network read and write (default 15s).
	ConnectTimeout time.Duration
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	// StatementTimeout bounds each statement unless the caller's context
	// ends earlier (default 10s).
	StatementTimeout time.Duration
	// TLS, when set, encrypts the connection and verifies the server with it
	// (its RootCAs and ServerName); nil connects in plain text.
	TLS *tls.Config
	// Kept: the caller keeps the pool and closes it once idle (the operator's
	// per-member pools), so the pool expires no connection itself and runs no
	// cleaner goroutine of its own: at 1,000 clusters those were 3,000
	// goroutines.
	Kept bool
}

// Addr is the member's address as it appears in errors: host:port, or the
// socket path.
func (c Config) Addr() string {
	if c.Socket != "" {
		return c.Socket
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (c Config) withDefaults() Config {
	c.ConnectTimeout = orDefault(c.ConnectTimeout, 3*time.Second)
	c.ReadTimeout = orDefault(c.ReadTimeout, 15*time.Second)
	c.WriteTimeout = orDefault(c.WriteTimeout, 15*time.Second)
	c.StatementTimeout = orDefault(c.StatementTimeout, 10*time.Second)
	return c
}

// driverConfig builds the driver's configuration (no DSN string, so no
// escaping of passwords).
func (c Config) driverConfig() *driver.Config {
	d := driver.NewConfig()
	d.User, d.Passwd = c.User, c.Password
	d.Net, d.Addr = "tcp", c.Addr()
	if c.Socket != "" {
		d.Net = "unix"
	}
	d.Timeout, d.ReadTimeout, d.WriteTimeout = c.ConnectTimeout, c.ReadTimeout, c.WriteTimeout
	// Replication statements cannot be prepared: bind arguments client-side,
	// escaped by the driver according to the server's sql_mode.
	d.InterpolateParams = true
	d.TLS = c.TLS
	return d
}

// Client is a connection pool to one server. It implements [Instance].
type Client struct {
	cfg Config
	s   session
	db  *sql.DB // nil in unit tests
}

var _ Instance = (*Client)(nil)

// Open returns a Client for cfg. It does not connect: the first call does.
func Open(cfg Config) (*Client, error) {
	if cfg.Flavor == nil {
		return nil, fmt.Errorf("mysql %s: no flavor", cfg.Addr())
	}
	if cfg.Socket == "" && (cfg.Host == "" || cfg.Port <= 0) {
		return nil, fmt.Errorf("mysql %s: need host and port, or a socket", cfg.Addr())
	}
	cfg = cfg.withDefaults()
	conn, err := driver.NewConnector(cfg.driverConfig())
	if err != nil {
		return nil, fmt.Errorf("mysql %s: %w", cfg.Addr(), err)
	}
	db := sql.OpenDB(conn)
	// The operator issues few, short statements; a small pool that drops idle
	// connections keeps server-side connection counts low.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	if !cfg.Kept {
		db.SetConnMaxIdleTime(time.Minute)
		db.SetConnMaxLifetime(10 * time.Minute)
	}
	return &Client{cfg: cfg, s: &dbSession{db: db, cfg: cfg}, db: db}, nil
}

// newClient wires a Client to any session (tests).
func newClient(cfg Config, s session) *Client {
	return &Client{cfg: cfg.withDefaults(), s: s}
}

// Addr is the member's address (host:port or socket path).
func (c *Client) Addr() string { return c.cfg.Addr() }

// Flavor is the server family the client speaks to.
func (c *Client) Flavor() Flavor { return c.cfg.Flavor }

// Close closes the pool.
func (c *Client) Close() error {
	if c.db == nil {
		return nil
	}
	return c.db.Close()
}

// session runs statements; dbSession is the real one, tests record.
type session interface {
	exec(ctx context.Context, st stmt) error
	query(ctx context.Context, st stmt) ([]row, error)
}

// dbSession runs statements on a pool, each under its own deadline, and
// says in errors which member and statement failed.
type dbSession struct {
	db  *sql.DB
	cfg Config
}

func (s *dbSession) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.StatementTimeout)
}

func (s *dbSession) fail(st stmt, err error) error {
	return &StatementError{Addr: s.cfg.Addr(), Statement: st.sql, Err: err}
}

func (s *dbSession) exec(ctx context.Context, st stmt) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, st.sql, st.args...); err != nil {
		return s.fail(st, err)
	}
	return nil
}

func (s *dbSession) query(ctx context.Context, st stmt) ([]row, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, st.sql, st.args...)
	if err != nil {
		return nil, s.fail(st, err)
	}
	defer rows.Close()
	out, err := scanRows(rows)
	if err != nil {
		return nil, s.fail(st, err)
	}
	return out, nil
}

func scanRows(rows *sql.Rows) ([]row, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []row
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(row, len(cols))
		for i, c := range cols {
			r[c] = vals[i]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// StatementError says which member and statement failed. Its message never
// holds the statement's arguments.
type StatementError struct {
	Addr      string
	Statement string
	Err       error
}

func (e *StatementError) Error() string {
	return fmt.Sprintf("mysql %s: %s: %v", e.Addr, e.Statement, e.Err)
}

func (e *StatementError) Unwrap() error { return e.Err }

// ErrorNumber returns the server error number in err's chain (e.g. 1236),
// or 0 when the error did not come from the server (unreachable, timeout).
func ErrorNumber(err error) uint16 {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}
