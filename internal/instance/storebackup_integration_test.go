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
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
	"github.com/ordinal-dev/ordinal/internal/objstore/s3test"
)

// The restored cluster's own passwords, unlike the source's (mysqltest's): the restore must
// set them.
var restoredAccounts = mysql.Accounts{RootPassword: "new-root", ReplicationPassword: "new-repl", OperatorPassword: "new-op"}

// storeFixture is a donor cluster with a few tables, an S3 server with a bucket, and an operator
// client of the members' agents.
type storeFixture struct {
	*donorCluster
	store  agentapi.Store
	bucket *objstore.Bucket
	op     agentapi.Client
}

func newStoreFixture(t *testing.T, ctx context.Context) *storeFixture {
	d := newDonorCluster(t, ctx)
	exec1(t, d.app, "CREATE TABLE app.u (id INT AUTO_INCREMENT PRIMARY KEY, n BIGINT, d DATETIME(6), b BLOB)")
	exec1(t, d.app, "CREATE TABLE app.empty (id INT PRIMARY KEY)")
	exec1(t, d.app, "CREATE DATABASE shop")
	exec1(t, d.app, "CREATE TABLE shop.`order lines` (id INT PRIMARY KEY, qty INT) ENGINE=Aria")
	for i := range 30 {
		exec1(t, d.app, "INSERT INTO app.u (n, d, b) VALUES (?, NOW(6), RANDOM_BYTES(200))", i*i)
		exec1(t, d.app, "INSERT INTO shop.`order lines` VALUES (?, ?)", i, i%7)
	}
	d.catchUp()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "backups")
	cfg := srv.Config("backups", "ns/db")
	store := agentapi.Store{Endpoint: cfg.Endpoint, Bucket: cfg.Bucket, Prefix: cfg.Prefix, AccessKey: cfg.AccessKey,
		SecretKey: cfg.SecretKey}
	b, err := objstore.New(store.Config())
	must(t, err)
	return &storeFixture{donorCluster: d, store: store, bucket: b, op: agentapi.Client{User: "ordinal", Password: operatorPassword}}
}

// backup runs a store backup through the agent at addr and waits for its end.
func (f *storeFixture) backup(addr, name string, checksums bool) agentapi.BackupJob {
	f.t.Helper()
	job, err := f.op.StartStoreBackup(f.ctx, addr, agentapi.StoreBackupRequest{Name: name, Namespace: "ns", Cluster: "db",
		Store: f.store, Checksums: checksums})
	must(f.t, err)
	if job.Phase != agentapi.JobRunning || job.Name != name {
		f.t.Fatalf("POST answered %+v, want the running job", job)
	}
	return f.wait(addr)
}

func (f *storeFixture) wait(addr string) agentapi.BackupJob {
	f.t.Helper()
	for f.ctx.Err() == nil {
		job, err := f.op.StoreBackupStatus(f.ctx, addr)
		must(f.t, err)
		if job.Phase != agentapi.JobRunning {
			return job
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.t.Fatal("the store backup did not end")
	return agentapi.BackupJob{}
}

// sums is every user table's row count and checksum on a server.
func sums(t *testing.T, ctx context.Context, c *mysql.Client) []mysql.TableChecksum {
	t.Helper()
	tables, err := c.UserTables(ctx)
	must(t, err)
	s, err := c.ChecksumTables(ctx, tables)
	must(t, err)
	return s
}

// restoredPod is an empty first member of another cluster (its own passwords) that restores.
func restoredPod(t *testing.T, ip string, src *RestoreSource) *testPod {
	p := newTestPod(t, 0, ip)
	p.env.RootPassword, p.env.ReplicationPassword = restoredAccounts.RootPassword, restoredAccounts.ReplicationPassword
	p.env.OperatorPassword, p.env.Restore = restoredAccounts.OperatorPassword, src
	return p
}

// startAs runs the pod's server and waits until user answers over TCP; it returns a client.
func (p *testPod) startAs(ctx context.Context, user, password string) *mysql.Client {
	p.t.Helper()
	cmd := exec.Command(DefaultTools(mysql.MariaDB).Server, "--defaults-file="+p.paths.MemberConfig(), "--user=root")
	cmd.Stdout, cmd.Stderr = p.output, p.output
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	must(p.t, cmd.Start())
	p.server, p.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(p.done)
	c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Host: p.env.PodIP, Port: p.port, User: user,
		Password: password, StatementTimeout: 30 * time.Second})
	must(p.t, err)
	p.t.Cleanup(func() { c.Close() })
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c.Ping(ctx) == nil {
			return c
		}
		select {
		case <-p.done:
			p.t.Fatalf("%s: server exited during start", p.env.PodName)
		default:
		}
	}
	p.t.Fatalf("%s: %s does not answer", p.env.PodName, user)
	return nil
}

// TestStoreBackupRestoreVerify: (a) a primary's backup streamed into the store by the agent and
// restored by init into another cluster's first member: every table's checksum and the GTID
// position are the backup's, the accounts have the new cluster's passwords; (b) a replica's
// backup with checksums, while the primary writes: the applier runs again afterwards and the
// manifest's checksums are the restored data's; (c) verification passes, and fails on a
// corrupted object; (d) a backup of another engine is refused.
func TestStoreBackupRestoreVerify(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	f := newStoreFixture(t, ctx)
	want := sums(t, ctx, f.primary)

	t0 := time.Now()
	job := f.backup(f.agents[0], "primary-1", true)
	if job.Phase != agentapi.JobSucceeded || job.Manifest == nil {
		t.Fatalf("primary backup: %+v", job)
	}
	m := *job.Manifest
	t.Logf("primary backup: %d bytes in %v", m.Size, time.Since(t0).Round(time.Millisecond))
	st, err := f.primary.Status(ctx)
	must(t, err)
	if m.GTIDPosition != st.CurrentPos.String() || len(m.Tables) != 0 || m.Member != "db-0" || m.Engine != "mariadb" {
		t.Errorf("primary manifest %+v: want position %s and no checksums (a primary is never paused)", m, st.CurrentPos)
	}
	restorePrimaryBackup(t, ctx, f, m, want)
	replicaBackup(t, ctx, f)
	refuseOtherEngine(t, ctx, f, m)
}

func restorePrimaryBackup(t *testing.T, ctx context.Context, f *storeFixture, m backup.Manifest, want []mysql.TableChecksum) {
	p := restoredPod(t, "127.0.0.61", &RestoreSource{Store: f.store, Backup: m.Name})
	t0 := time.Now()
	must(t, p.init().Run(ctx))
	t.Logf("restore of %d bytes took %v", m.Size, time.Since(t0).Round(time.Millisecond))
	if _, err := os.Stat(filepath.Join(p.paths.DataDir, RestoreMarkerName)); !os.IsNotExist(err) {
		t.Errorf("the restore marker is still there: %v", err)
	}
	c := p.startAs(ctx, mysql.AccountOperator, restoredAccounts.OperatorPassword)
	if got := sums(t, ctx, c); !slices.Equal(got, want) {
		t.Errorf("restored tables\n got %+v\nwant %+v", got, want)
	}
	state, err := seededBinlogState(m.BinlogState, m.GTIDPosition)
	must(t, err)
	db := p.db(mysql.AccountOperator, restoredAccounts.OperatorPassword)
	got := query(t, db, "SELECT CONCAT_WS('|', @@read_only, @@gtid_slave_pos, @@gtid_binlog_state)")
	if w := "ON|" + m.GTIDPosition + "|" + state; got != w {
		t.Errorf("read_only|gtid_slave_pos|gtid_binlog_state = %q, want %q", got, w)
	}
	for _, a := range []struct{ user, host, password string }{{"root", "localhost", restoredAccounts.RootPassword},
		{"root", "%", restoredAccounts.RootPassword}, {"repl", "%", restoredAccounts.ReplicationPassword},
		{"ordinal", "%", restoredAccounts.OperatorPassword}} {
		if n := query(t, db, "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ? AND authentication_string = PASSWORD(?)",
			a.user, a.host, a.password); n != "1" {
			t.Errorf("%s@%s does not have the restored cluster's password", a.user, a.host)
		}
	}
	pst, err := c.Status(ctx)
	must(t, err)
	if pst.Replication != nil {
		t.Errorf("a restored member replicates: %+v", pst.Replication)
	}
	restartedRestore(t, ctx, p, want)
}

// restartedRestore: a crash mid-restore leaves the marker over a datadir that may look complete;
// the next start restores again from the start.
func restartedRestore(t *testing.T, ctx context.Context, p *testPod, want []mysql.TableChecksum) {
	p.stopServer()
	must(t, os.WriteFile(filepath.Join(p.paths.DataDir, RestoreMarkerName), []byte("{}\n"), 0o640))
	must(t, os.WriteFile(filepath.Join(p.paths.DataDir, "half-unpacked.ibd"), []byte("x"), 0o640))
	must(t, p.init().Run(ctx))
	if got := names(t, p.paths.DataDir); strings.Contains(got, "half-unpacked") || strings.Contains(got, RestoreMarkerName) {
		t.Errorf("after the restarted restore the datadir holds %q", got)
	}
	restored := p.startAs(ctx, mysql.AccountOperator, restoredAccounts.OperatorPassword)
	if got := sums(t, ctx, restored); !slices.Equal(got, want) {
		t.Errorf("tables after the restarted restore\n got %+v\nwant %+v", got, want)
	}
}

// replicaBackup is (b) and (c).
func replicaBackup(t *testing.T, ctx context.Context, f *storeFixture) {
	writes := make(chan struct{})
	go func() { // the primary keeps writing: the paused replica must not apply it mid-backup
		defer close(writes)
		for i := range 40 {
			if _, err := f.app.ExecContext(ctx, "INSERT INTO app.u (n, d, b) VALUES (?, NOW(6), RANDOM_BYTES(50))", -i); err != nil {
				t.Errorf("write during the backup: %v", err)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	job := f.backup(f.agents[1], "replica-1", true)
	<-writes
	if job.Phase != agentapi.JobSucceeded || job.Manifest == nil || len(job.Manifest.Tables) != 4 {
		t.Fatalf("replica backup: %+v", job)
	}
	m := *job.Manifest
	st, err := f.replica.Status(ctx)
	must(t, err)
	if st.Replication == nil || !st.Replication.SQLRunning || !st.Replication.IORunning {
		t.Fatalf("after the backup the replica's replication is %+v, want running", st.Replication)
	}
	f.catchUp()

	p := restoredPod(t, "127.0.0.62", nil)
	in := p.init()
	must(t, in.writeMemberConfig())
	plan, err := planRestore(ctx, f.bucket, RestoreSource{Store: f.store, Backup: m.Name})
	must(t, err)
	must(t, in.restoreFromStore(ctx, f.bucket, plan))
	c := p.startAs(ctx, mysql.AccountOperator, restoredAccounts.OperatorPassword)
	if got := toManifestTables(sums(t, ctx, c)); !slices.Equal(got, m.Tables) {
		t.Errorf("restored checksums\n got %+v\nmanifest %+v", got, m.Tables)
	}
	p.stopServer()
	verifyBackups(t, ctx, f, m)
}

// verifyBackups is (c): verify-backup passes on the good backup, fails on a missing one, and
// fails saying "checksum" once a byte of the stored object is flipped.
func verifyBackups(t *testing.T, ctx context.Context, f *storeFixture, m backup.Manifest) {
	tmp, err := os.MkdirTemp("", "vfy-") // short: the temporary server's socket lives under it
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(tmp) })
	out, err := os.Create(filepath.Join(tmp, "output.log"))
	must(t, err)
	defer out.Close()
	tools := DefaultTools(mysql.MariaDB)
	tools.Output = out
	v := &Verifier{Source: RestoreSource{Store: f.store, Backup: m.Name}, Flavor: mysql.MariaDB, TmpDir: tmp, Tools: tools,
		Timeouts: DefaultTimeouts(), ServerUser: "root", Log: discardLog()}
	res := v.Run(ctx)
	t.Logf("verify: %+v", res)
	if !res.Verified || res.Tables != len(m.Tables) || !strings.Contains(res.Message, "checksums equal") {
		b, _ := os.ReadFile(out.Name())
		t.Fatalf("verification of a good backup: %+v\n%s", res, tail(string(b), 30))
	}
	v.Source.Backup = "missing"
	if res := v.Run(ctx); res.Verified || !strings.Contains(res.Message, "no manifest") {
		t.Errorf("verification of a missing backup: %+v", res)
	}
	data, err := f.bucket.GetBytes(ctx, backup.DataKey(m.Name))
	must(t, err)
	data[len(data)/2] ^= 0x5a
	must(t, f.bucket.PutBytes(ctx, backup.DataKey(m.Name), data))
	v.Source.Backup = m.Name
	res = v.Run(ctx)
	t.Logf("verify corrupted: %+v", res)
	if res.Verified || !strings.Contains(res.Message, "checksum") {
		t.Errorf("verification of a corrupted backup: %+v, want a checksum failure", res)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 1 { // output.log only
		t.Errorf("verification left scratch space behind: %v", entries)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// refuseOtherEngine is (d): a manifest of a MySQL backup is refused before the datadir is touched.
func refuseOtherEngine(t *testing.T, ctx context.Context, f *storeFixture, m backup.Manifest) {
	m.Name, m.Engine, m.ServerVersion = "mysql-1", "mysql", "8.4.3"
	data, err := json.Marshal(m)
	must(t, err)
	must(t, f.bucket.PutBytes(ctx, backup.DataKey(m.Name), []byte("not a backup")))
	must(t, f.bucket.PutBytes(ctx, backup.ManifestKey(m.Name), data))
	p := restoredPod(t, "127.0.0.63", &RestoreSource{Store: f.store, Backup: m.Name})
	err = p.init().Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "mysql server") || !strings.Contains(err.Error(), "mariadb") {
		t.Fatalf("restore of a MySQL backup: %v", err)
	}
	if got := names(t, p.paths.DataDir); got != "" {
		t.Errorf("a refused restore touched the datadir: %q", got)
	}
}
