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

package instance

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// TestArchiveFailover: the primary A archives, then stops archiving while it keeps writing; its
// replica B is promoted and writes. B reads the store when it starts archiving and uploads the
// files it wrote as a replica that hold what A had not archived: the archive covers every GTID
// without a gap. Replaying every file onto an empty server applies nothing twice.
func TestArchiveFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newTestStore(t)
	a := startArchiving(t, writablePod(t, ctx, 0, "127.0.0.71"))
	b := startArchiving(t, newTestPod(t, 1, "127.0.0.72"))
	must(t, b.init().Run(ctx))
	b.startServer()
	bc, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Host: b.env.PodIP, Port: b.port,
		User: mysql.AccountOperator, Password: operatorPassword}) // root may not write while read-only
	must(t, err)
	defer bc.Close()
	must(t, bc.ConfigureReplica(ctx, mysql.Source{Host: a.env.PodIP, Port: a.port, User: mysql.AccountReplication,
		Password: mysqltest.ReplPassword}))
	must(t, bc.StartReplication(ctx))
	a.configure(ctx, s, time.Second)
	b.configure(ctx, s, time.Second) // read-only: it does not archive
	rootA := a.db("root", mysqltest.RootPassword)
	insertRows(t, rootA, 0, 20)
	s.waitArchived(ctx, state(t, rootA), 10*time.Second)

	a.configure(ctx, nil, 0) // A stops archiving (its agent is cut off from the store, say)
	waitStatus(t, ctx, a, func(st agentapi.ArchiveStatus) bool { return !st.Active })
	archivedByA := gtid.MustParse(gtid.MariaDB, state(t, rootA))
	insertRows(t, rootA, 20, 40)
	unarchived := gtid.MustParse(gtid.MariaDB, state(t, rootA)).Subtract(archivedByA)
	must(t, bc.WaitApplied(ctx, gtid.MustParse(gtid.MariaDB, state(t, rootA))))

	a.setWritable(false) // failover: A fenced, B promoted
	must(t, bc.ResetReplication(ctx))
	b.setWritable(true)
	rootB := b.db("root", mysqltest.RootPassword)
	insertRows(t, rootB, 40, 60)
	final := state(t, rootB)
	ms := s.waitArchived(ctx, final, 15*time.Second)
	s.checkArchive(ctx, ms)
	var fromB gtid.Set
	for _, m := range ms {
		if m.Member == "db-1" {
			fromB = fromB.Union(gtid.MustParse(gtid.MariaDB, m.EndState).Subtract(gtid.MustParse(gtid.MariaDB, m.StartState)))
		}
	}
	if !unarchived.SubsetOf(fromB) {
		t.Errorf("B uploaded %v, which lacks %v that A wrote but did not archive", fromB, unarchived)
	}
	logManifests(t, ms)
	replayOntoEmpty(t, ctx, s, ms, "60", final)
}

// replayOntoEmpty replays every archived file onto an empty member (A's files and B's overlap)
// and checks it ends with the primary's rows and GTIDs.
func replayOntoEmpty(t *testing.T, ctx context.Context, s *testStore, ms []backup.BinlogFile, rows, final string) {
	in, srv := emptyServer(t, ctx, 3, "127.0.0.73")
	must(t, in.replayBinlogs(ctx, srv, s.bucket, backup.Plan{Binlogs: ms}))
	db := socketDB(t, srv)
	if n := query(t, db, "SELECT COUNT(*) FROM app.t"); n != rows {
		t.Errorf("replayed server has %s rows, want %s", n, rows)
	}
	if got := state(t, db); !gtid.MustParse(gtid.MariaDB, got).Equal(gtid.MustParse(gtid.MariaDB, final)) {
		t.Errorf("replayed server's gtid_binlog_state %s, want the primary's %s (original GTIDs)", got, final)
	}
}

func logManifests(t *testing.T, ms []backup.BinlogFile) {
	for _, m := range ms {
		t.Logf("archived %s of %s: %q → %q", m.File, m.Member, m.StartState, m.EndState)
	}
}

// emptyServer is a temporary server (as a restore runs one) on a freshly initialised datadir.
func emptyServer(t *testing.T, ctx context.Context, ordinal int, ip string) (*Init, *tempServer) {
	p := newTestPod(t, ordinal, ip)
	in := p.init()
	must(t, in.Run(ctx))
	return in, startTemp(t, ctx, in)
}

// startTemp starts init's temporary server on the pod's datadir as the restore does, without the
// grant tables; it is stopped when the test ends.
func startTemp(t *testing.T, ctx context.Context, in *Init) *tempServer {
	srv, err := in.startServer(ctx, in.Paths.DataDir, in.Env.RootPassword, "--skip-grant-tables")
	must(t, err)
	t.Cleanup(func() { _ = srv.stop(time.Minute) })
	return srv
}

// socketDB opens a pool as root on a temporary server's socket.
func socketDB(t *testing.T, srv *tempServer) *sql.DB {
	cfg := driver.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = "root", mysqltest.RootPassword, "unix", srv.socketPath()
	cfg.Timeout, cfg.ReadTimeout = 5*time.Second, 10*time.Second
	conn, err := driver.NewConnector(cfg)
	must(t, err)
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	return db
}

// baseCopy is a base backup made by copying a stopped server's datadir without its binary logs,
// with the GTID state it held, as a restore records it.
type baseCopy struct {
	dir        string
	state, pos string
}

func copyBase(t *testing.T, p *testPod) baseCopy {
	root := p.db("root", mysqltest.RootPassword)
	b := baseCopy{dir: t.TempDir(), state: state(t, root), pos: query(t, root, "SELECT @@gtid_binlog_pos")}
	p.stopServer()
	if out, err := exec.Command("cp", "-a", p.paths.DataDir+"/.", b.dir).CombinedOutput(); err != nil {
		t.Fatalf("copy datadir: %v: %s", err, out)
	}
	logs, err := filepath.Glob(filepath.Join(b.dir, "binlog.*"))
	must(t, err)
	for _, f := range logs {
		must(t, os.Remove(f))
	}
	p.startServer()
	p.setWritable(true)
	return b
}

// restore starts a temporary server on a copy of the base with the base's GTID position, as the
// restore does before it replays binary logs.
func (b baseCopy) restore(t *testing.T, ctx context.Context, ordinal int, ip string) (*Init, *tempServer) {
	p := newTestPod(t, ordinal, ip)
	in := p.init()
	must(t, in.writeMemberConfig())
	if out, err := exec.Command("cp", "-a", b.dir+"/.", p.paths.DataDir).CombinedOutput(); err != nil {
		t.Fatalf("copy base: %v: %s", err, out)
	}
	srv := startTemp(t, ctx, in)
	must(t, srv.client.SetSeededPosition(ctx, b.state, b.pos))
	return in, srv
}

// TestPointInTimeReplay: rows written after a base backup, t1 at T1 and t2 two seconds later, are
// archived; replaying onto the base with a stop time between T1 and T2, or with t1's GTID as the
// stop, restores t1 but not t2, and every replayed transaction keeps its original GTID.
func TestPointInTimeReplay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newTestStore(t)
	p := startArchiving(t, writablePod(t, ctx, 4, "127.0.0.74"))
	root := p.db("root", mysqltest.RootPassword)
	insertRows(t, root, 0, 10)
	base := copyBase(t, p.testPod)
	p.configure(ctx, s, time.Second)
	insertRows(t, root, 10, 15)
	g15, _ := commitRow(t, ctx, root, 15) // amid the rows of one file
	insertRows(t, root, 16, 20)
	g1, t1 := commitRow(t, ctx, root, 101)
	time.Sleep(2 * time.Second)
	g2, t2 := commitRow(t, ctx, root, 102)
	final := state(t, root)
	ms := s.waitArchived(ctx, final, 10*time.Second)
	logManifests(t, ms)
	t.Logf("t1 %s at %s, t2 %s at %s", g1, t1.Format(time.StampMilli), g2, t2.Format(time.StampMilli))

	for i, tc := range []pitrCase{
		{name: "stop time between t1 and t2", plan: backup.Plan{StopTime: t1.Add(time.Second)}, rows: "1", before: "20",
			holds: g1, lacks: g2},
		{name: "stop at t1's GTID", plan: backup.Plan{StopGTID: g1}, rows: "1", before: "20", holds: g1, lacks: g2},
		{name: "stop inside a file", plan: backup.Plan{StopGTID: g15}, rows: "0", before: "16", holds: g15, lacks: g1},
		{name: "latest", rows: "2", before: "20", holds: g2, ending: final},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, srv := base.restore(t, ctx, 6+i, "127.0.0.8"+strconv.Itoa(i))
			tc.plan.Binlogs = ms
			t0 := time.Now()
			must(t, in.replayBinlogs(ctx, srv, s.bucket, tc.plan))
			t.Logf("replay took %v", time.Since(t0).Round(time.Millisecond))
			tc.check(t, socketDB(t, srv))
		})
	}
}

// pitrCase is one restore of TestPointInTimeReplay and what it must hold.
type pitrCase struct {
	name   string
	plan   backup.Plan
	rows   string // count of rows 101 (t1) and 102 (t2)
	before string // count of rows below 20
	holds  string // a GTID the restored state must hold
	lacks  string // and one it must not
	ending string // the whole state it must end with, when set
}

func (tc pitrCase) check(t *testing.T, db *sql.DB) {
	if n := query(t, db, "SELECT COUNT(*) FROM app.t WHERE id IN (101, 102)"); n != tc.rows {
		t.Errorf("rows t1, t2: %s, want %s", n, tc.rows)
	}
	if n := query(t, db, "SELECT COUNT(*) FROM app.t WHERE id < 20"); n != tc.before {
		t.Errorf("rows below 20: %s, want %s", n, tc.before)
	}
	got := gtid.MustParse(gtid.MariaDB, state(t, db))
	if !gtid.MustParse(gtid.MariaDB, tc.holds).SubsetOf(got) ||
		(tc.lacks != "" && gtid.MustParse(gtid.MariaDB, tc.lacks).SubsetOf(got)) ||
		(tc.ending != "" && !got.Equal(gtid.MustParse(gtid.MariaDB, tc.ending))) {
		t.Errorf("restored gtid_binlog_state %v: want %s held, %s not, ending %q", got, tc.holds, tc.lacks, tc.ending)
	}
}

// commitRow inserts one row and returns its GTID and when its commit returned.
func commitRow(t *testing.T, ctx context.Context, db *sql.DB, id int) (string, time.Time) {
	conn, err := db.Conn(ctx)
	must(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "INSERT INTO app.t VALUES (?, 'pitr')", id)
	must(t, err)
	at := time.Now()
	var g string
	must(t, conn.QueryRowContext(ctx, "SELECT @@last_gtid").Scan(&g))
	return g, at
}
