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
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// TestRestorePointInTime: the whole path. The primary's agent archives its binary logs and takes
// a store backup; rows t1 and, two seconds later, t2 follow. A new cluster's first member restored
// by init with a target time between them (the store's backup, then the archived binary logs
// replayed) holds t1 and not t2, with t1's original GTID.
func TestRestorePointInTime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	f := newStoreFixture(t, ctx)
	p := archivingMember(t, f.cluster.Members[0], 0)
	s := &testStore{t: t, store: f.store, bucket: f.bucket}
	p.configure(ctx, s, time.Second)
	job := f.backup(f.agents[0], "base-1", false)
	if job.Phase != agentapi.JobSucceeded || job.Manifest == nil {
		t.Fatalf("store backup: %+v", job)
	}
	f.insert(5)
	g1, t1 := commitRow(t, ctx, f.app, 1001)
	time.Sleep(2 * time.Second)
	g2, _ := commitRow(t, ctx, f.app, 1002)
	st, err := f.primary.Status(ctx)
	must(t, err)
	logManifests(t, s.waitArchived(ctx, st.Executed.String(), 10*time.Second))

	target := t1.Add(time.Second)
	r := restoredPod(t, "127.0.0.77", &RestoreSource{Store: f.store, Time: &target})
	t0 := time.Now()
	must(t, r.init().Run(ctx))
	t.Logf("restore to %s (backup %s and the binary logs after it) took %v", target.Format(time.StampMilli),
		job.Manifest.Name, time.Since(t0).Round(time.Millisecond))
	c := r.startAs(ctx, mysql.AccountOperator, restoredAccounts.OperatorPassword)
	db := r.db(mysql.AccountOperator, restoredAccounts.OperatorPassword)
	if n := query(t, db, "SELECT COUNT(*) FROM app.t"); n != strconv.Itoa(f.rows+1) {
		t.Errorf("restored rows %s, want %d (t1 and every row before it)", n, f.rows+1)
	}
	if n := query(t, db, "SELECT COUNT(*) FROM app.t WHERE id = 1002"); n != "0" {
		t.Error("t2, committed after the target, was restored")
	}
	rst, err := c.Status(ctx)
	must(t, err)
	if !gtid.MustParse(gtid.MariaDB, g1).SubsetOf(rst.Executed) || gtid.MustParse(gtid.MariaDB, g2).SubsetOf(rst.Executed) {
		t.Errorf("restored executed set %v: want %s (t1, its original GTID) and not %s", rst.Executed, g1, g2)
	}
}

// archivingMember runs an agent with its archiver for a mysqltest member, as memberAgent does
// for backups.
func archivingMember(t *testing.T, m *mysqltest.Member, ordinal int) *archivingPod {
	env := Env{PodName: "db-" + strconv.Itoa(ordinal), Namespace: "ns", ClusterName: "db", PodIP: m.Host,
		ServiceName: "db", Flavor: mysql.MariaDB, RootPassword: mysqltest.RootPassword,
		ReplicationPassword: mysqltest.ReplPassword, OperatorPassword: operatorPassword}
	tools := filepath.Join(filepath.Dir(m.DataDir), "archive-tools")
	must(t, os.MkdirAll(tools, 0o750))
	paths := Paths{DataDir: m.DataDir, RunDir: filepath.Dir(m.Socket), ToolsDir: tools, TmpDir: t.TempDir()}
	a, err := NewAgent(env, paths, Tools{}, discardLog())
	must(t, err)
	addr := serveOn(t, m.Host, a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.runArchiver(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &archivingPod{testPod: &testPod{t: t, env: env, paths: paths}, agent: a, addr: addr}
}
