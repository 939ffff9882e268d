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
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// donorCluster is a primary (member 0) and a replica (member 1) with rows and purged binary
// logs; each member's agent serves /backup.
type donorCluster struct {
	t                *testing.T
	ctx              context.Context
	cluster          *mysqltest.Cluster
	primary, replica *mysql.Client
	app              *sql.DB  // root on the primary
	agents           []string // host:port of each member's agent
	rows             int
}

func newDonorCluster(t *testing.T, ctx context.Context) *donorCluster {
	c := mysqltest.StartWith(t, 2, mysqltest.Options{FirstHost: 41})
	d := &donorCluster{t: t, ctx: ctx, cluster: c}
	d.primary, d.replica = memberClient(t, c.Members[0]), memberClient(t, c.Members[1])
	p := c.Members[0]
	must(t, d.replica.ConfigureReplica(ctx, mysql.Source{Host: p.Host, Port: p.Port,
		User: mysqltest.ReplUser, Password: mysqltest.ReplPassword}))
	must(t, d.replica.StartReplication(ctx))
	must(t, d.primary.SetReadOnly(ctx, false))
	d.app = p.DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	// The agent's own account, for the socket; created on the primary, so it replicates.
	exec1(t, d.app, "CREATE USER 'ordinal'@'localhost' IDENTIFIED BY '"+operatorPassword+"'")
	exec1(t, d.app, "GRANT ALL PRIVILEGES ON *.* TO 'ordinal'@'localhost' WITH GRANT OPTION")
	exec1(t, d.app, "CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(64))")
	d.insert(50)
	must(t, d.primary.PurgeBinaryLogs(ctx))
	d.catchUp()
	must(t, d.replica.PurgeBinaryLogs(ctx))

	d.agents = []string{memberAgent(t, c.Members[0], 0), memberAgent(t, c.Members[1], 1)}
	return d
}

// memberAgent serves an agent for a mysqltest member on its address.
func memberAgent(t *testing.T, m *mysqltest.Member, ordinal int) string {
	return serveOn(t, m.Host, newMemberAgent(t, m, ordinal))
}

// newMemberAgent is the agent of a mysqltest member, as its pod would run it.
func newMemberAgent(t *testing.T, m *mysqltest.Member, ordinal int) *Agent {
	env := Env{PodName: "db-" + strconv.Itoa(ordinal), Namespace: "ns", PodIP: m.Host, ServiceName: "db",
		Flavor: mysql.MariaDB, RootPassword: mysqltest.RootPassword, ReplicationPassword: mysqltest.ReplPassword,
		OperatorPassword: operatorPassword}
	tools := filepath.Join(filepath.Dir(m.DataDir), "tools")
	must(t, os.MkdirAll(tools, 0o750))
	paths := Paths{DataDir: m.DataDir, RunDir: filepath.Dir(m.Socket), ToolsDir: tools, TmpDir: t.TempDir()}
	// mariadb-backup reads the member config the agent has in a pod: the operator's rendered one.
	base, err := mycnf.Render(v1alpha1.FlavorMariaDB, map[string]string{"innodb_log_file_size": "4M"})
	must(t, err)
	cnf := strings.NewReplacer(mycnf.DataDir, m.DataDir, mycnf.SocketPath, m.Socket).Replace(string(base))
	cnf = string(mycnf.Member([]byte(cnf), mycnf.MemberSettings{ServerID: m.ServerID, ReportHost: m.Host, BindAddress: m.Host}))
	must(t, os.WriteFile(paths.MemberConfig(), []byte(cnf), 0o644))
	a, err := NewAgent(env, paths, Tools{Backup: DefaultTools(mysql.MariaDB).Backup}, discardLog())
	must(t, err)
	return a
}

func memberClient(t *testing.T, m *mysqltest.Member) *mysql.Client {
	c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Host: m.Host, Port: m.Port,
		User: mysqltest.RootUser, Password: mysqltest.RootPassword, StatementTimeout: 10 * time.Second})
	must(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// insert adds n rows on the primary, one transaction each.
func (d *donorCluster) insert(n int) {
	for range n {
		d.rows++
		exec1(d.t, d.app, "INSERT INTO app.t VALUES (?, REPEAT('x', 60))", d.rows)
	}
}

// catchUp waits until the replica has applied everything the primary has.
func (d *donorCluster) catchUp() {
	st, err := d.primary.Status(d.ctx)
	must(d.t, err)
	must(d.t, d.replica.WaitApplied(d.ctx, st.Executed))
}

// TestSeed: a new member seeded from a replica's backup holds every row, starts replicating
// exactly after the backup (the binary logs before it are purged everywhere) and catches up;
// POST /seed on a member with data makes the next init re-create its datadir from the donor.
func TestSeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	d := newDonorCluster(t, ctx)
	st, err := d.replica.Status(ctx)
	must(t, err)
	backupPos := st.CurrentPos.String()

	p := newTestPod(t, 2, "127.0.0.52")
	must(t, writeMarker(p.paths.SeedMarker(), SeedMarker{Donor: d.agents[1]}))
	t0 := time.Now()
	must(t, p.init().Run(ctx))
	t.Logf("seed of %d rows took %v", d.rows, time.Since(t0).Round(time.Millisecond))
	if _, err := os.Stat(p.paths.SeedMarker()); !os.IsNotExist(err) {
		t.Fatalf("the seed marker is still there: %v", err)
	}

	p.startServer()
	root := p.db("root", mysqltest.RootPassword)
	if n := query(t, root, "SELECT COUNT(*) FROM app.t"); n != strconv.Itoa(d.rows) {
		t.Errorf("seeded member has %s rows, want %d", n, d.rows)
	}
	got := query(t, root, "SELECT CONCAT_WS('|', @@read_only, @@server_id, @@gtid_slave_pos, @@gtid_binlog_state)")
	if want := "ON|102|" + backupPos + "|" + st.Executed.String(); got != want {
		t.Errorf("read_only|server_id|slave pos|binlog state = %q, want %q", got, want)
	}
	pst, err := p.client().Status(ctx)
	must(t, err)
	if pst.Replication != nil || pst.Executed.IsEmpty() {
		t.Errorf("seeded member: replication %+v, executed %v: want none configured and data", pst.Replication, pst.Executed)
	}

	catchUpFromPrimary(t, ctx, d, p)
	reseed(t, ctx, d, p)
}

// catchUpFromPrimary: rows written after the backup arrive by replication from the primary.
func catchUpFromPrimary(t *testing.T, ctx context.Context, d *donorCluster, p *testPod) {
	d.insert(20)
	c := p.client()
	m0 := d.cluster.Members[0]
	must(t, c.ConfigureReplica(ctx, mysql.Source{Host: m0.Host, Port: m0.Port, User: mysqltest.ReplUser, Password: mysqltest.ReplPassword}))
	must(t, c.StartReplication(ctx))
	prim, err := d.primary.Status(ctx)
	must(t, err)
	if err := c.WaitApplied(ctx, prim.Executed); err != nil {
		pst, _ := c.Status(ctx)
		t.Fatalf("seeded member does not catch up: %v (replication %+v)", err, pst.Replication)
	}
	if n := query(t, p.db("root", mysqltest.RootPassword), "SELECT COUNT(*) FROM app.t"); n != strconv.Itoa(d.rows) {
		t.Errorf("after catching up: %s rows, want %d", n, d.rows)
	}
}

// reseed: POST /seed, the pod restarts, init re-creates the datadir from the donor, this time
// the primary (whose own gtid_slave_pos is empty: init must set the member's).
func reseed(t *testing.T, ctx context.Context, d *donorCluster, p *testPod) {
	d.insert(10)
	want, err := d.primary.Status(ctx)
	must(t, err)
	_, addr := p.agent()
	body := []byte(`{"donor":"` + d.agents[0] + `"}`)
	if code := post(t, "http://"+addr+"/seed", "ordinal", operatorPassword, body); code != http.StatusOK {
		t.Fatalf("POST /seed = %d", code)
	}
	p.stopServer()
	stale := filepath.Join(p.paths.DataDir, "stale-file")
	must(t, os.WriteFile(stale, []byte("x"), 0o640))
	must(t, p.init().Run(ctx))
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("re-seeding kept a file of the old datadir: %v", err)
	}
	p.startServer()
	root := p.db("root", mysqltest.RootPassword)
	if n := query(t, root, "SELECT COUNT(*) FROM app.t"); n != strconv.Itoa(d.rows) {
		t.Errorf("re-seeded member has %s rows, want %d", n, d.rows)
	}
	st, err := p.client().Status(ctx)
	must(t, err)
	if st.Replication != nil || !st.Executed.Equal(want.Executed) {
		t.Errorf("re-seeded member: replication %+v, executed %v, want none and %v", st.Replication, st.Executed, want.Executed)
	}
	if pos := query(t, root, "SELECT @@gtid_slave_pos"); pos != want.CurrentPos.String() {
		t.Errorf("re-seeded member: gtid_slave_pos %q, want %q", pos, want.CurrentPos)
	}
}

func post(t *testing.T, url, user, password string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	must(t, err)
	req.SetBasicAuth(user, password)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// TestSeedFailsWithoutTrailer: a stream that ends without the donor's success trailer fails the
// seed and leaves the marker, so the next start seeds again.
func TestSeedFailsWithoutTrailer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	donor := fakeDonor(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", agentapi.TrailerBackupStatus)
		w.WriteHeader(http.StatusOK)
		w.Header().Set(agentapi.TrailerBackupStatus, "failed: mariadb-backup: exit status 1")
	})
	p := newTestPod(t, 4, "127.0.0.54")
	must(t, writeMarker(p.paths.SeedMarker(), SeedMarker{Donor: donor}))
	err := p.init().Run(ctx)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("did not complete")) {
		t.Fatalf("Run = %v, want a failed seed", err)
	}
	if _, err := os.Stat(p.paths.SeedMarker()); err != nil {
		t.Errorf("the marker must survive a failed seed: %v", err)
	}
	// The donor dies mid-stream: the chunked body ends without its terminator.
	dies := fakeDonor(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", agentapi.TrailerBackupStatus)
		w.WriteHeader(http.StatusOK)
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	})
	must(t, writeMarker(p.paths.SeedMarker(), SeedMarker{Donor: dies}))
	if err := p.init().Run(ctx); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatalf("a stream cut short: %v", err)
	}
	wrongAuth := fakeDonor(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
	must(t, writeMarker(p.paths.SeedMarker(), SeedMarker{Donor: wrongAuth}))
	if err := p.init().Run(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run against a refusing donor = %v", err)
	}
}
