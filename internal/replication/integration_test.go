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

package replication

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// realHarness drives the topology engine against n real mariadbd processes on 127.0.0.x.
func realHarness(t *testing.T, n int) (*harness, *mysqltest.Cluster) {
	cl := mysqltest.Start(t, n)
	h := &harness{t: t, opener: mysql.DefaultOpener, flavor: mysql.MariaDB,
		user: mysqltest.RootUser, pw: mysqltest.RootPassword, mode: topology.SemiSync,
		lost: map[string]time.Time{}, errant: map[string]bool{}, executed: map[string]gtid.Set{}}
	for _, m := range cl.Members {
		h.addrs = append(h.addrs, m.Addr())
	}
	return h, cl
}

func settle() { time.Sleep(100 * time.Millisecond) }

// appDBs keeps one pool per member: a pool per query would exhaust max_connections.
var appDBs sync.Map

func appDB(t *testing.T, m *mysqltest.Member) *sql.DB {
	if db, ok := appDBs.Load(m); ok {
		return db.(*sql.DB)
	}
	db := m.DB(t, mysqltest.AppUser, mysqltest.AppPassword)
	appDBs.Store(m, db)
	t.Cleanup(func() { appDBs.Delete(m) })
	return db
}

// rowsOn counts the rows of app.t on a member.
func rowsOn(t *testing.T, m *mysqltest.Member) int {
	var n int
	if err := appDB(t, m).QueryRow("SELECT COUNT(*) FROM app.t").Scan(&n); err != nil {
		t.Logf("count rows on %s: %v", m.Addr(), err)
		return -1
	}
	return n
}

func eventuallyRows(t *testing.T, m *mysqltest.Member, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if rowsOn(t, m) == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("member %s has %d rows; want %d", m.Addr(), rowsOn(t, m), want)
}

func insert(t *testing.T, m *mysqltest.Member, n int) {
	t.Helper()
	db := appDB(t, m)
	for i := range n {
		if _, err := db.Exec("INSERT INTO app.t (v) VALUES (?)", fmt.Sprint(i)); err != nil {
			t.Fatalf("insert on %s: %v", m.Addr(), err)
		}
	}
}

func TestRealBootstrapReplicationRestartFailover(t *testing.T) {
	ctx := context.Background()
	h, cl := realHarness(t, 3)
	steps := h.converge(ctx, 30, settle)
	if h.primary != "m-0" || steps[0].Kind != topology.Bootstrap {
		t.Fatalf("primary %q after %v; want m-0 bootstrapped first", h.primary, kinds(steps))
	}
	p, r1, r2 := cl.Members[0], cl.Members[1], cl.Members[2]
	if _, err := appDB(t, p).Exec("CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))"); err != nil {
		t.Fatal(err)
	}
	h.converge(ctx, 30, settle) // semi-sync on once replicas are connected
	insert(t, p, 20)
	eventuallyRows(t, r1, 20)
	eventuallyRows(t, r2, 20)

	// Replicas stay fenced: the application user cannot write there.
	if _, err := appDB(t, r1).Exec("INSERT INTO app.t (v) VALUES ('no')"); mysql.ErrorNumber(err) != 1290 {
		t.Fatalf("write on a replica: err %v; want 1290 (read-only)", err)
	}

	// A restarted replica rejoins (same datadir, no seeding) and catches up.
	r2.Restart(t)
	h.converge(ctx, 30, settle)
	insert(t, p, 5)
	eventuallyRows(t, r2, 25)

	// The primary is killed: the engine promotes a replica holding every transaction and repoints
	// the other; nothing acknowledged is lost.
	p.Kill(t)
	steps = h.converge(ctx, 80, func() { time.Sleep(150 * time.Millisecond) })
	if h.primary == "m-0" {
		t.Fatalf("no failover after %v", kinds(steps))
	}
	np := cl.Members[h.ordinal(h.primary)]
	insert(t, np, 3)
	other := cl.Members[3-h.ordinal(h.primary)]
	eventuallyRows(t, np, 28)
	eventuallyRows(t, other, 28)

	// The old primary returns read-only and rejoins as a replica of the new one: it has nothing errant.
	p.Start(t)
	h.converge(ctx, 40, settle)
	eventuallyRows(t, p, 28)
	if _, err := appDB(t, p).Exec("INSERT INTO app.t (v) VALUES ('no')"); mysql.ErrorNumber(err) != 1290 {
		t.Fatalf("write on the returned old primary: err %v; want 1290 (read-only)", err)
	}
}

// An old primary that returns with a transaction nobody else has is flagged errant and never
// rejoined as a replica.
func TestRealErrantOldPrimaryIsNotRejoined(t *testing.T) {
	ctx := context.Background()
	h, cl := realHarness(t, 3)
	h.seed = func(context.Context, topology.Step) error { return nil } // seeding is covered elsewhere
	h.converge(ctx, 30, settle)
	p := cl.Members[0]
	if _, err := appDB(t, p).Exec("CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))"); err != nil {
		t.Fatal(err)
	}
	h.converge(ctx, 30, settle)
	eventuallyRows(t, cl.Members[1], 0)
	eventuallyRows(t, cl.Members[2], 0)
	// Cut the primary off from its replicas, write on it alone (async, so it commits), then lose it.
	for _, r := range cl.Members[1:] {
		if _, err := r.DB(t, mysqltest.RootUser, mysqltest.RootPassword).Exec("STOP SLAVE"); err != nil {
			t.Fatal(err)
		}
	}
	root := p.DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	if _, err := root.Exec("SET GLOBAL rpl_semi_sync_master_enabled=OFF"); err != nil {
		t.Fatal(err)
	}
	insert(t, p, 1)
	p.Stop(t)
	h.converge(ctx, 80, func() { time.Sleep(150 * time.Millisecond) })
	if h.primary == "m-0" {
		t.Fatal("no failover")
	}
	p.Start(t)
	var seeded bool
	h.seed = func(_ context.Context, s topology.Step) error { seeded = s.Target == "m-0"; return nil }
	for range 20 {
		h.step(ctx)
		settle()
	}
	if !h.errant["m-0"] || !seeded {
		t.Fatalf("old primary errant=%v seeded=%v; want flagged and sent to seeding", h.errant["m-0"], seeded)
	}
	st, err := mysql.DefaultOpener.Open(mysql.Config{Flavor: mysql.MariaDB, Host: p.Host, Port: p.Port,
		User: mysqltest.RootUser, Password: mysqltest.RootPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !s.ReadOnly || s.Replication != nil {
		t.Fatalf("errant old primary: read_only=%v replication=%+v; want fenced and not replicating", s.ReadOnly, s.Replication)
	}
}

// A switchover fences the primary, promotes the target once it has every transaction, and the old
// primary follows the new one.
func TestRealSwitchover(t *testing.T) {
	ctx := context.Background()
	h, cl := realHarness(t, 3)
	h.converge(ctx, 30, settle)
	p := cl.Members[0]
	if _, err := appDB(t, p).Exec("CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))"); err != nil {
		t.Fatal(err)
	}
	h.converge(ctx, 30, settle)
	insert(t, p, 4)
	eventuallyRows(t, cl.Members[2], 4)
	h.switchTo = "m-2"
	steps := h.converge(ctx, 40, settle)
	if h.primary != "m-2" {
		t.Fatalf("primary %s after %v; want m-2", h.primary, kinds(steps))
	}
	insert(t, cl.Members[2], 2)
	h.converge(ctx, 40, settle)
	for _, m := range cl.Members {
		eventuallyRows(t, m, 6)
	}
}
