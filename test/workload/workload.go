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

package workload

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Topology is what the cluster looks like to Kubernetes right now: the address (ip:port) of each
// member by pod name, and the pods the primary Service routes to (selected and ready).
type Topology struct {
	Members map[string]string
	Routed  []string
}

// Options configure a workload. Zero values take the defaults noted.
type Options struct {
	// Primary is host:port of the primary Service (its ClusterIP).
	Primary string
	// User and Password of an account that may connect from the test process (e.g. root@'%').
	User, Password string
	// TLS, when set, encrypts every connection through Primary (the writer's, the key clients',
	// Setup's and the prober's look through the Service) and verifies the server with it, as an
	// application would. The prober's connections to each member's own address stay plain. Nil:
	// plain connections.
	TLS *tls.Config
	// Database the workload creates and uses ("faultload").
	Database string
	// Topology returns the current members and routing; called by the prober on every tick.
	Topology func() Topology

	// WriteInterval is the pause between writer attempts (20 ms).
	WriteInterval time.Duration
	// ProbeInterval is the prober's tick (100 ms).
	ProbeInterval time.Duration
	// ProbeTimeout bounds each member probe (300 ms).
	ProbeTimeout time.Duration
	// Clients doing key operations (3), on Keys keys (4), pausing OpInterval (50 ms) between ops.
	Clients    int
	Keys       int
	OpInterval time.Duration
	// MaxDuration bounds every loop in time (15 min); MaxWrites, MaxProbes, MaxOps in count
	// (100000, 20000, 50000 per client).
	MaxDuration time.Duration
	MaxWrites   int
	MaxProbes   int
	MaxOps      int

	// Logf, if set, receives a line for notable events (first errors, routing changes).
	Logf func(format string, args ...any)
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defi := func(d *int, v int) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Database == "" {
		o.Database = "faultload"
	}
	def(&o.WriteInterval, 20*time.Millisecond)
	def(&o.ProbeInterval, 100*time.Millisecond)
	def(&o.ProbeTimeout, 300*time.Millisecond)
	def(&o.OpInterval, 50*time.Millisecond)
	def(&o.MaxDuration, 15*time.Minute)
	defi(&o.Clients, 3)
	defi(&o.Keys, 4)
	defi(&o.MaxWrites, 100000)
	defi(&o.MaxProbes, 20000)
	defi(&o.MaxOps, 50000)
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Topology == nil {
		o.Topology = func() Topology { return Topology{} }
	}
	return o
}

// DriverConfig is the go-sql-driver configuration for addr with the workload's short timeouts;
// set its TLS to connect over TLS, and open it with OpenConfig.
func DriverConfig(user, password, addr, database string, timeout, rw time.Duration) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = user, password
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", addr, database
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = timeout, rw, rw
	cfg.ClientFoundRows = true // an UPDATE reports the rows it matched, not only those it changed
	cfg.InterpolateParams = true
	return cfg
}

// DSN is DriverConfig as a DSN string (plain connections).
func DSN(user, password, addr, database string, timeout, rw time.Duration) string {
	return DriverConfig(user, password, addr, database, timeout, rw).FormatDSN()
}

// OpenConfig opens a DB for cfg, its TLS configuration included (a DSN can name only a
// registered one). It does not connect.
func OpenConfig(cfg *mysql.Config) (*sql.DB, error) {
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// primaryConfig is the configuration of a connection through the primary Service, with o.TLS.
func (o Options) primaryConfig(database string, timeout, rw time.Duration) *mysql.Config {
	cfg := DriverConfig(o.User, o.Password, o.Primary, database, timeout, rw)
	cfg.TLS = o.TLS // the driver clones it, verification callbacks included
	return cfg
}

// openFresh returns a DB that dials a new connection for every Conn and keeps none idle, so every
// attempt goes through the Service's routing again, as a new client would.
func openFresh(cfg *mysql.Config) (*sql.DB, error) {
	db, err := OpenConfig(cfg)
	if err != nil {
		return nil, err
	}
	db.SetMaxIdleConns(0)
	return db, nil
}

// Setup creates the workload's database and tables through the primary Service and sets every
// key to 0. It retries for up to a minute (the primary may just have become writable).
func Setup(ctx context.Context, o Options) error {
	o = o.withDefaults()
	db, err := openFresh(o.primaryConfig("", time.Second, 5*time.Second))
	if err != nil {
		return err
	}
	defer db.Close()
	stmts := []string{
		"CREATE DATABASE IF NOT EXISTS " + o.Database,
		"CREATE TABLE IF NOT EXISTS " + o.Database + ".w (id BIGINT PRIMARY KEY, host VARCHAR(64) NOT NULL, at DATETIME(6) NOT NULL DEFAULT NOW(6))",
		"CREATE TABLE IF NOT EXISTS " + o.Database + ".kv (k INT PRIMARY KEY, v BIGINT NOT NULL)",
	}
	for k := 0; k < o.Keys; k++ {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO %s.kv (k, v) VALUES (%d, 0) ON DUPLICATE KEY UPDATE v = 0", o.Database, k))
	}
	deadline := time.Now().Add(time.Minute)
	for _, s := range stmts {
		for {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_, err = db.ExecContext(sctx, s)
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("workload setup %q: %w", s, err)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	return nil
}

// Ack is one acknowledged insert: its id, when the commit returned, and the member that took it.
type Ack struct {
	ID   int64
	At   time.Time
	Host string
}

// Attempt counts the writer's attempts by outcome.
type Attempts struct {
	Acked, ConnectFailed, Failed, Unknown int
	// Errors holds the first few distinct error texts, for the report.
	Errors []string
}

// Probe is one prober tick.
type Probe struct {
	At time.Time
	// Writable members (answered read_only=OFF), Answered members (answered at all).
	Writable []string
	Answered []string
	// SemiSyncOn: writable members whose semi-sync wait is active (Rpl_semi_sync_master_status=ON).
	SemiSyncOn []string
	// Routed: pods the primary Service routes to at this tick (from Kubernetes).
	Routed []string
	// Via: the member a fresh connection through the primary Service reached ("" if none), and
	// whether that member said it was writable.
	Via         string
	ViaWritable bool
}

// History is everything the loops recorded.
type History struct {
	Start, Stop time.Time
	// Marks are named instants the test recorded (e.g. "fault", "heal").
	Marks    map[string]time.Time
	Acks     []Ack
	Attempts Attempts
	// MaxAttemptedID is the highest id the writer tried (rows above it cannot exist).
	MaxAttemptedID int64
	Probes         []Probe
	Ops            []Op
	Keys           int
}

// Workload runs the three loops until Stop.
type Workload struct {
	o      Options
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	h       History
	written []Ack
}

// Start runs the writer, the prober and the key clients in the background.
func Start(ctx context.Context, o Options) (*Workload, error) {
	o = o.withDefaults()
	if o.Primary == "" {
		return nil, errors.New("workload: no primary address")
	}
	ctx, cancel := context.WithTimeout(ctx, o.MaxDuration)
	w := &Workload{o: o, cancel: cancel}
	w.h.Start = time.Now()
	w.h.Marks = map[string]time.Time{}
	w.h.Keys = o.Keys
	db, err := openFresh(o.primaryConfig(o.Database, time.Second, 2*time.Second))
	if err != nil {
		cancel()
		return nil, err
	}
	w.wg.Add(2 + o.Clients)
	go func() { defer w.wg.Done(); w.write(ctx, db) }()
	go func() { defer w.wg.Done(); w.probe(ctx) }()
	for i := range o.Clients {
		go func() { defer w.wg.Done(); w.client(ctx, db, i) }()
	}
	go func() { w.wg.Wait(); db.Close() }()
	return w, nil
}

// Mark records a named instant (the start of a fault, its end, …).
func (w *Workload) Mark(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.h.Marks[name] = time.Now()
}

// AckedSoFar is the number of acknowledged writes so far.
func (w *Workload) AckedSoFar() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.h.Acks)
}

// LastAck is the time of the latest acknowledged write (zero if none).
func (w *Workload) LastAck() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.h.Acks) == 0 {
		return time.Time{}
	}
	return w.h.Acks[len(w.h.Acks)-1].At
}

// Stop ends every loop, waits for them (each is bounded by its own timeouts) and returns the history.
func (w *Workload) Stop() *History {
	w.cancel()
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.h.Stop = time.Now()
	h := w.h
	return &h
}

func (w *Workload) noteError(a *Attempts, err error) {
	if len(a.Errors) >= 8 {
		return
	}
	s := err.Error()
	for _, e := range a.Errors {
		if e == s {
			return
		}
	}
	a.Errors = append(a.Errors, s)
	w.o.Logf("writer: %s", s)
}

// write inserts rows with increasing ids, one fresh connection per attempt.
func (w *Workload) write(ctx context.Context, db *sql.DB) {
	var id int64
	for n := 0; n < w.o.MaxWrites && ctx.Err() == nil; n++ {
		id++
		w.mu.Lock()
		w.h.MaxAttemptedID = id
		w.mu.Unlock()
		host, outcome, err := w.insert(ctx, db, id)
		w.mu.Lock()
		switch outcome {
		case outcomeOK:
			w.h.Attempts.Acked++
			w.h.Acks = append(w.h.Acks, Ack{ID: id, At: time.Now(), Host: host})
		case outcomeNotSent:
			w.h.Attempts.ConnectFailed++
		case outcomeFailed:
			w.h.Attempts.Failed++
		case outcomeUnknown:
			w.h.Attempts.Unknown++
		}
		if err != nil && ctx.Err() == nil {
			w.noteError(&w.h.Attempts, err)
		}
		w.mu.Unlock()
		sleep(ctx, w.o.WriteInterval)
	}
}

type outcome int

const (
	outcomeOK      outcome = iota
	outcomeNotSent         // the statement never reached a server: certainly not applied
	outcomeFailed          // the server refused it: certainly not applied
	outcomeUnknown         // sent, but no answer: may or may not be applied
)

// classify tells whether a statement that returned err may have been applied.
func classify(err error) outcome {
	if err == nil {
		return outcomeOK
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1290, 1836, 1792: // read-only (--read-only, read-only mode, read-only transaction)
			return outcomeFailed
		case 1062: // duplicate key: the row exists already, this statement did nothing
			return outcomeFailed
		case 1205, 1213: // lock wait timeout, deadlock: rolled back
			return outcomeFailed
		}
	}
	return outcomeUnknown
}

// conn dials a fresh connection and asks who it reached.
func conn(ctx context.Context, db *sql.DB) (*sql.Conn, string, error) {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := db.Conn(cctx)
	if err != nil {
		return nil, "", err
	}
	var host string
	if err := c.QueryRowContext(cctx, "SELECT @@hostname").Scan(&host); err != nil {
		c.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discard the connection
		c.Close()
		return nil, "", err
	}
	return c, host, nil
}

func (w *Workload) insert(ctx context.Context, db *sql.DB, id int64) (string, outcome, error) {
	c, host, err := conn(ctx, db)
	if err != nil {
		return "", outcomeNotSent, err
	}
	defer c.Close()
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	_, err = c.ExecContext(ectx, "INSERT INTO w (id, host) VALUES (?, @@hostname)", id)
	return host, classify(err), err
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
