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
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// slowBackupTool is mariadb-backup started after a pause, so a test can act while the applier is
// paused. The pause keeps no pipe open: killing the script ends the stream at once.
func slowBackupTool(t *testing.T, pause time.Duration) string {
	p := filepath.Join(t.TempDir(), "mariadb-backup")
	script := "#!/bin/sh\nsleep " + strconv.Itoa(int(pause.Seconds())) + " </dev/null >/dev/null 2>&1\nexec " +
		DefaultTools(mysql.MariaDB).Backup + " \"$@\"\n"
	must(t, os.WriteFile(p, []byte(script), 0o755))
	return p
}

// storeAgent serves an agent for a mysqltest member with the given backup program.
func storeAgent(t *testing.T, m *mysqltest.Member, ordinal int, backupTool string) string {
	_, addr := newStoreAgent(t, m, ordinal, backupTool)
	return addr
}

func newStoreAgent(t *testing.T, m *mysqltest.Member, ordinal int, backupTool string) (*Agent, string) {
	env := Env{PodName: "db-" + strconv.Itoa(ordinal), Namespace: "ns", PodIP: m.Host, ServiceName: "db",
		ClusterName: "db", Flavor: mysql.MariaDB, RootPassword: mysqltest.RootPassword,
		ReplicationPassword: mysqltest.ReplPassword, OperatorPassword: operatorPassword}
	tools := filepath.Join(filepath.Dir(m.DataDir), "tools")
	must(t, os.MkdirAll(tools, 0o750))
	paths := Paths{DataDir: m.DataDir, RunDir: filepath.Dir(m.Socket), ToolsDir: tools, TmpDir: t.TempDir()}
	base, err := mycnf.Render(v1alpha1.FlavorMariaDB, map[string]string{"innodb_log_file_size": "4M"})
	must(t, err)
	cnf := strings.NewReplacer(mycnf.DataDir, m.DataDir, mycnf.SocketPath, m.Socket).Replace(string(base))
	cnf = string(mycnf.Member([]byte(cnf), mycnf.MemberSettings{ServerID: m.ServerID, ReportHost: m.Host, BindAddress: m.Host}))
	must(t, os.WriteFile(paths.MemberConfig(), []byte(cnf), 0o644))
	a, err := NewAgent(env, paths, Tools{Backup: backupTool}, discardLog())
	must(t, err)
	return a, serveOn(t, m.Host, a)
}

// TestStoreBackupYieldsToFailover: a replica's backup with checksums pauses its applier; when the
// operator stops the replica's IO thread (the first step of a failover), the applier runs again
// at once and the backup is cancelled, leaving no manifest.
func TestStoreBackupYieldsToFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	f := newStoreFixture(t, ctx)
	addr := storeAgent(t, f.cluster.Members[1], 1, slowBackupTool(t, 3*time.Second))
	_, err := f.op.StartStoreBackup(ctx, addr, agentapi.StoreBackupRequest{Name: "replica-2", Store: f.store, Checksums: true})
	must(t, err)
	waitReplication(t, ctx, f.replica, func(r *mysql.Replication) bool { return !r.SQLRunning }, "the applier paused")
	must(t, f.replica.StopReplicationIO(ctx))
	t0 := time.Now()
	waitReplication(t, ctx, f.replica, func(r *mysql.Replication) bool { return r.SQLRunning }, "the applier running again")
	resumed := time.Since(t0)
	t.Logf("the applier ran again %v after the IO thread stopped", resumed.Round(time.Millisecond))
	if resumed > 2*time.Second {
		t.Errorf("the applier ran again only after %v", resumed)
	}
	job := f.wait(addr)
	if job.Phase != agentapi.JobFailed || !strings.Contains(job.Error, "IO thread stopped") || job.Reason != "" {
		t.Errorf("the cancelled backup: %+v", job)
	}
	if _, err := f.bucket.GetBytes(ctx, backup.ManifestKey("replica-2")); !errors.Is(err, objstore.ErrNotFound) {
		t.Errorf("a cancelled backup has a manifest: %v", err)
	}
	must(t, f.replica.StartReplication(ctx))
	f.insert(5)
	f.catchUp()
}

func waitReplication(t *testing.T, ctx context.Context, c *mysql.Client, ok func(*mysql.Replication) bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		st, err := c.Status(ctx)
		if err == nil && st.Replication != nil && ok(st.Replication) {
			return
		}
	}
	t.Fatalf("waiting for %s: timed out", what)
}
