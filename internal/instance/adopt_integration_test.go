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
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// TestAdoptCopiedDatadir: a copy of a replica's volume as a crash left it, taken while the
// primary writes (what a volume snapshot of a running member holds), becomes a new member: init adopts it (the donor's replication configuration
// goes, the member's own name is recorded), its server recovers every transaction the copy
// holds, and the usual replica set-up resumes it exactly after them, with nothing the primary
// lacks and every row the primary has.
func TestAdoptCopiedDatadir(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	d := newDonorCluster(t, ctx)
	donor := newTestPod(t, 1, "127.0.0.54")
	must(t, writeMarker(donor.paths.SeedMarker(), SeedMarker{Donor: d.agents[1]}))
	must(t, donor.init().Run(ctx))
	if owner := readOwner(t, donor); owner != "ns/db-1" {
		t.Fatalf("seeded member's %s = %q, want ns/db-1", OwnerName, owner)
	}
	donor.startServer()
	replicateFromPrimary(t, ctx, d, donor)

	writes := startWrites(t, d)
	waitRows(t, donor, d.rows+100)
	p := newTestPod(t, 2, "127.0.0.55")
	copyCrashed(t, donor, p)
	total := writes.stop()
	if writes.err != nil {
		t.Fatalf("writing on the primary: %v", writes.err)
	}
	t.Logf("%d rows written on the primary while the volume was copied", total-d.rows)
	d.rows = total

	prim, err := d.primary.Status(ctx)
	must(t, err)
	copied, err := p.client().Status(ctx)
	must(t, err)
	if !copied.Executed.SubsetOf(prim.Executed) {
		t.Fatalf("the copy holds transactions the primary lacks: %v, primary %v", copied.Executed, prim.Executed)
	}
	replicateFromPrimary(t, ctx, d, p)
	if err := p.client().WaitApplied(ctx, prim.Executed); err != nil {
		st, _ := p.client().Status(ctx)
		t.Fatalf("adopted copy does not catch up: %v (replication %+v)", err, st.Replication)
	}
	if n := query(t, p.db("root", mysqltest.RootPassword), "SELECT COUNT(*) FROM app.t"); n != strconv.Itoa(total) {
		t.Errorf("adopted copy has %s rows after catching up, the primary acknowledged %d", n, total)
	}
	// A restart of the adopted member leaves its datadir alone: it is its own now.
	p.stopServer()
	must(t, p.init().Run(ctx))
	if owner := readOwner(t, p); owner != "ns/db-2" {
		t.Errorf("after a restart %s = %q", OwnerName, owner)
	}
}

// copyCrashed kills the donor's server (SIGKILL) and copies its datadir into p's: the state a
// crash leaves, which is what a volume snapshot of a running member holds. (A copy of a server
// only frozen with SIGSTOP was not: on this machine its redo log ran hundreds of transactions
// behind its binary log, which no crash leaves. Not traced.) Then it checks the adopted copy.
func copyCrashed(t *testing.T, donor, p *testPod) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	must(t, donor.server.Process.Signal(syscall.SIGKILL))
	<-donor.done
	donor.server = nil
	must(t, os.RemoveAll(p.paths.DataDir))
	if out, err := exec.Command("cp", "-a", donor.paths.DataDir, p.paths.DataDir).CombinedOutput(); err != nil {
		t.Fatalf("copying the datadir: %v: %s", err, out)
	}
	must(t, p.init().Run(ctx))
	if owner, want := readOwner(t, p), p.env.Namespace+"/"+p.env.PodName; owner != want {
		t.Errorf("adopted copy's %s = %q, want %s", OwnerName, owner, want)
	}
	p.startServer()
	st, err := p.client().Status(ctx)
	must(t, err)
	if st.Replication != nil || st.Executed.IsEmpty() {
		t.Fatalf("adopted copy: replication %+v, executed %v: want none configured, and data", st.Replication, st.Executed)
	}
	t.Logf("the copy holds %s rows, executed %v", query(t, p.db("root", mysqltest.RootPassword), "SELECT COUNT(*) FROM app.t"), st.Executed)
}

func readOwner(t *testing.T, p *testPod) string {
	b, err := os.ReadFile(p.paths.DataDir + "/" + OwnerName)
	must(t, err)
	return strings.TrimSpace(string(b))
}

// replicateFromPrimary points p at the donor cluster's primary, as the operator does.
func replicateFromPrimary(t *testing.T, ctx context.Context, d *donorCluster, p *testPod) {
	m0 := d.cluster.Members[0]
	c := p.client()
	must(t, c.ConfigureReplica(ctx, mysql.Source{Host: m0.Host, Port: m0.Port, User: mysqltest.ReplUser, Password: mysqltest.ReplPassword}))
	must(t, c.StartReplication(ctx))
}

func waitRows(t *testing.T, p *testPod, n int) {
	db := p.db("root", mysqltest.RootPassword)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ := strconv.Atoi(query(t, db, "SELECT COUNT(*) FROM app.t")); got >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s has fewer than %d rows after 30 s", p.env.PodName, n)
}

// background writes rows on the primary, one transaction each, until stopped: at most 20,000
// rows or 60 s.
type background struct {
	last atomic.Int64
	done chan struct{}
	quit chan struct{}
	err  error
}

func startWrites(t *testing.T, d *donorCluster) *background {
	b := &background{done: make(chan struct{}), quit: make(chan struct{})}
	b.last.Store(int64(d.rows))
	go b.run(d.app)
	t.Cleanup(func() { b.stop() })
	return b
}

func (b *background) run(db *sql.DB) {
	defer close(b.done)
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
		select {
		case <-b.quit:
			return
		default:
		}
		id := b.last.Load() + 1
		if _, err := db.Exec("INSERT INTO app.t VALUES (?, REPEAT('y', 60))", id); err != nil {
			b.err = err
			return
		}
		b.last.Store(id)
	}
}

// stop ends the writes and returns the last acknowledged row's id.
func (b *background) stop() int {
	select {
	case <-b.quit:
	default:
		close(b.quit)
	}
	<-b.done
	return int(b.last.Load())
}

// TestAdoptCopyOfPrimary: a copy of a primary's volume, whose binary log holds only transactions
// of the primary's own server_id, becomes a replica that resumes right after them, not from the
// beginning (gtid_current_pos of the copy would be empty: its server_id is another).
func TestAdoptCopyOfPrimary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	prim := newTestPod(t, 0, "127.0.0.56")
	must(t, prim.init().Run(ctx))
	prim.startServer()
	op, root := prim.db("ordinal", operatorPassword), prim.db("root", mysqltest.RootPassword)
	exec1(t, op, "SET GLOBAL read_only = OFF")
	exec1(t, root, "CREATE DATABASE app")
	exec1(t, root, "CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(64))")
	insertAppRows(t, root, 1, 100)
	copied := query(t, root, "SELECT @@gtid_binlog_pos")

	rep := newTestPod(t, 1, "127.0.0.57")
	copyCrashed(t, prim, rep)
	if pos := query(t, rep.db("root", mysqltest.RootPassword), "SELECT @@gtid_slave_pos"); pos != copied {
		t.Errorf("adopted copy of the primary: gtid_slave_pos %q, want the copy's binary log position %q", pos, copied)
	}
	prim.startServer()
	exec1(t, op, "SET GLOBAL read_only = OFF")
	insertAppRows(t, root, 101, 150)
	// As the operator sets a replica up, with its account (root has no READ_ONLY ADMIN).
	c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Host: rep.env.PodIP, Port: rep.port,
		User: "ordinal", Password: operatorPassword, StatementTimeout: 10 * time.Second})
	must(t, err)
	defer c.Close()
	// As the operator sets a replica up: no start position, so gtid_slave_pos = gtid_current_pos.
	must(t, c.ConfigureReplica(ctx, mysql.Source{Host: prim.env.PodIP, Port: prim.port, User: mysqltest.ReplUser,
		Password: mysqltest.ReplPassword}))
	must(t, c.StartReplication(ctx))
	st, err := prim.client().Status(ctx)
	must(t, err)
	if err := c.WaitApplied(ctx, st.Executed); err != nil {
		rs, _ := c.Status(ctx)
		t.Fatalf("the adopted copy of the primary does not catch up: %v (replication %+v)", err, rs.Replication)
	}
	if n := query(t, rep.db("root", mysqltest.RootPassword), "SELECT COUNT(*) FROM app.t"); n != "150" {
		t.Errorf("adopted copy of the primary holds %s rows after catching up, want 150", n)
	}
}

func insertAppRows(t *testing.T, db *sql.DB, from, to int) {
	for i := from; i <= to; i++ {
		exec1(t, db, "INSERT INTO app.t VALUES (?, REPEAT('p', 60))", i)
	}
}
