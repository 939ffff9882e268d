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
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
	"github.com/ordinal-dev/ordinal/internal/objstore/s3test"
)

// testStore is a bucket on a versitygw of this test.
type testStore struct {
	t      *testing.T
	store  agentapi.Store
	bucket *objstore.Bucket
}

func newTestStore(t *testing.T) *testStore {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "archive")
	cfg := srv.Config("archive", "clusters/db")
	b, err := objstore.New(cfg)
	must(t, err)
	return &testStore{t: t, bucket: b, store: agentapi.Store{Endpoint: cfg.Endpoint, Bucket: cfg.Bucket,
		Prefix: cfg.Prefix, AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey}}
}

// manifests reads every binary log manifest, in key (archive) order.
func (s *testStore) manifests(ctx context.Context) ([]backup.BinlogFile, error) {
	objs, err := s.bucket.List(ctx, backup.BinlogDir)
	if err != nil {
		return nil, err
	}
	var out []backup.BinlogFile
	for _, o := range objs {
		if !backup.IsBinlogManifestKey(o.Key) {
			continue
		}
		data, err := s.bucket.GetBytes(ctx, o.Key)
		if err != nil {
			return nil, err
		}
		m, err := backup.ParseBinlogFile(data)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func endUnion(ms []backup.BinlogFile) gtid.Set {
	var u gtid.Set
	for _, m := range ms {
		u = u.Union(gtid.MustParse(gtid.MariaDB, m.EndState))
	}
	return u
}

// waitArchived waits until the archive holds state (a gtid_binlog_state); at most within.
func (s *testStore) waitArchived(ctx context.Context, state string, within time.Duration) []backup.BinlogFile {
	s.t.Helper()
	want := gtid.MustParse(gtid.MariaDB, state)
	deadline := time.Now().Add(within)
	for {
		ms, err := s.manifests(ctx)
		if err == nil && want.SubsetOf(endUnion(ms)) {
			return ms
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the archive does not hold %s after %v: it holds %v (%v)", state, within, endUnion(ms), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkArchive checks every archived object against its manifest, and that each file starts
// where the files before it end (the first one excepted): no gap.
func (s *testStore) checkArchive(ctx context.Context, ms []backup.BinlogFile) {
	s.t.Helper()
	var have gtid.Set
	for i, m := range ms {
		data, err := s.bucket.GetBytes(ctx, m.Key)
		must(s.t, err)
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != m.SHA256 || int64(len(data)) != m.Size {
			s.t.Errorf("%s: %d bytes, sha256 %x; the manifest says %d, %s", m.Key, len(data), sum, m.Size, m.SHA256)
		}
		if !strings.HasPrefix(string(data), "\xfebin") {
			s.t.Errorf("%s is not a binary log", m.Key)
		}
		start := gtid.MustParse(gtid.MariaDB, m.StartState)
		if i > 0 && !start.SubsetOf(have) {
			s.t.Errorf("gap before %s (%s): it starts at %s, the files before end at %v", m.Key, m.Member, start, have)
		}
		if m.FirstTime.After(m.LastTime) || m.LastTime.IsZero() {
			s.t.Errorf("%s: first time %v after last time %v", m.Key, m.FirstTime, m.LastTime)
		}
		have = have.Union(gtid.MustParse(gtid.MariaDB, m.EndState))
	}
}

// archivingPod runs a pod's agent with its archiver until the test ends.
type archivingPod struct {
	*testPod
	agent *Agent
	addr  string
	store *testStore // the last store configured
}

func startArchiving(t *testing.T, p *testPod) *archivingPod {
	a, addr := p.agent()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.runArchiver(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the archiver did not stop")
		}
	})
	return &archivingPod{testPod: p, agent: a, addr: addr}
}

// configure sends PUT /v1/archive as the operator does (a nil store stops archiving).
func (p *archivingPod) configure(ctx context.Context, s *testStore, interval time.Duration) agentapi.ArchiveStatus {
	p.t.Helper()
	req := agentapi.ArchiveRequest{Namespace: p.env.Namespace, Cluster: p.env.ClusterName, Interval: interval}
	if s != nil {
		req.Store = s.store
	}
	p.store = s
	st, err := agentapi.Client{User: mysql.AccountOperator, Password: operatorPassword}.Archive(ctx, p.addr, req)
	must(p.t, err)
	return st
}

// writablePod is a fresh member (init, server) made writable as the operator makes a primary.
func writablePod(t *testing.T, ctx context.Context, ordinal int, ip string) *testPod {
	p := newTestPod(t, ordinal, ip)
	must(t, p.init().Run(ctx))
	p.startServer()
	p.setWritable(true)
	return p
}

func (p *testPod) setWritable(on bool) {
	exec1(p.t, p.db(mysql.AccountOperator, operatorPassword), fmt.Sprintf("SET GLOBAL read_only=%v", !on))
}

// insertRows creates app.t if needed and inserts rows from..to-1, one transaction each.
func insertRows(t *testing.T, db *sql.DB, from, to int) {
	exec1(t, db, "CREATE DATABASE IF NOT EXISTS app")
	exec1(t, db, "CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY, v VARCHAR(64))")
	for i := from; i < to; i++ {
		exec1(t, db, "INSERT INTO app.t VALUES (?, REPEAT('x', 60))", i)
	}
}

// state is the server's gtid_binlog_state.
func state(t *testing.T, db *sql.DB) string { return query(t, db, "SELECT @@gtid_binlog_state") }
