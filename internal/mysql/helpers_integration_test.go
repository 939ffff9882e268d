//go:build integration

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

package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// The driver logs every connection a test kills or a restart breaks.
func init() { _ = driver.SetLogger(log.New(io.Discard, "", 0)) }

// env is a started cluster with one Client per member.
type env struct {
	t       *testing.T
	ctx     context.Context
	cluster *mysqltest.Cluster
	clients []*mysql.Client
}

// newEnv starts n members; the whole test is bounded to 60s.
func newEnv(t *testing.T, n int) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, cluster: mysqltest.Start(t, n)}
	for _, m := range e.cluster.Members {
		e.clients = append(e.clients, openClient(t, m, time.Second*5))
	}
	return e
}

func openClient(t *testing.T, m *mysqltest.Member, stmtTimeout time.Duration) *mysql.Client {
	t.Helper()
	c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Host: m.Host, Port: m.Port,
		User: mysqltest.RootUser, Password: mysqltest.RootPassword, StatementTimeout: stmtTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (e *env) source(i int) mysql.Source {
	m := e.cluster.Members[i]
	return mysql.Source{Host: m.Host, Port: m.Port, User: mysqltest.ReplUser, Password: mysqltest.ReplPassword}
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) status(i int) mysql.Status {
	e.t.Helper()
	st, err := e.clients[i].Status(e.ctx)
	e.must(err)
	return st
}

// bootstrap makes member p the primary (clears its fence) and every other
// member its replica, and waits until their IO threads are connected.
func (e *env) bootstrap(p int) {
	e.t.Helper()
	e.must(e.clients[p].SetReadOnly(e.ctx, false))
	for i := range e.clients {
		if i != p {
			e.replicate(i, p)
		}
	}
}

// replicate points member i at member p, starts it and waits for its IO
// thread to connect.
func (e *env) replicate(i, p int) {
	e.t.Helper()
	e.must(e.clients[i].ConfigureReplica(e.ctx, e.source(p)))
	e.must(e.clients[i].StartReplication(e.ctx))
	e.eventually(fmt.Sprintf("member %d replicates from %d", i, p), func() error {
		r := e.status(i).Replication
		if r == nil || !r.IORunning || !r.SQLRunning {
			return fmt.Errorf("replication %+v", r)
		}
		return nil
	})
}

// eventually polls check every 50ms for at most 15s.
func (e *env) eventually(what string, check func() error) {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: still not true after 15s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// app opens the application user's pool on member i.
func (e *env) app(i int) *sql.DB {
	return e.cluster.Members[i].DB(e.t, mysqltest.AppUser, mysqltest.AppPassword)
}

func (e *env) exec(db *sql.DB, q string, args ...any) {
	e.t.Helper()
	if _, err := db.ExecContext(e.ctx, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// rows counts app.t on member i (as root, which may read anywhere).
func (e *env) rows(i int) (int, error) {
	db := e.cluster.Members[i].DB(e.t, mysqltest.RootUser, mysqltest.RootPassword)
	var n int
	err := db.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM app.t").Scan(&n)
	return n, err
}

// waitRows waits until member i has want rows in app.t.
func (e *env) waitRows(i, want int) {
	e.t.Helper()
	e.eventually(fmt.Sprintf("member %d has %d rows", i, want), func() error {
		n, err := e.rows(i)
		if err == nil && n != want {
			err = fmt.Errorf("%d rows", n)
		}
		return err
	})
}

// waitExecuted waits until member i's executed set contains set.
func (e *env) waitExecuted(i int, set gtid.Set) {
	e.t.Helper()
	e.eventually(fmt.Sprintf("member %d executed %v", i, set), func() error {
		if got := e.status(i).Executed; !set.SubsetOf(got) {
			return fmt.Errorf("executed %v", got)
		}
		return nil
	})
}

// writeRows creates app.t if needed and inserts n rows on member i.
func (e *env) writeRows(i, n int) {
	e.t.Helper()
	db := e.app(i)
	e.exec(db, "CREATE TABLE IF NOT EXISTS app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))")
	for k := range n {
		e.exec(db, "INSERT INTO app.t (v) VALUES (?)", fmt.Sprint("row", k))
	}
}

func mustParse(t *testing.T, s string) gtid.Set {
	t.Helper()
	set, err := gtid.ParseMariaDB(s)
	if err != nil {
		t.Fatal(err)
	}
	return set
}
