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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// TestArchiveRotationAndRestart: the primary's binary logs reach the store across rotations of
// its own and a server restart (after which the archiver reads the store again); every GTID
// written is archived once, without a gap, and every object matches its manifest.
func TestArchiveRotationAndRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newTestStore(t)
	p := startArchiving(t, writablePod(t, ctx, 0, "127.0.0.70"))
	root := p.db("root", mysqltest.RootPassword)
	p.configure(ctx, s, time.Second)
	insertRows(t, root, 0, 20)
	exec1(t, root, "FLUSH BINARY LOGS") // a rotation the archiver did not make
	insertRows(t, root, 20, 40)
	s.waitArchived(ctx, state(t, root), 10*time.Second)

	p.stopServer()
	p.startServer() // read-only again, as every server starts: the archiver pauses
	p.setWritable(true)
	insertRows(t, root, 40, 60)
	final := state(t, root)
	ms := s.waitArchived(ctx, final, 15*time.Second)
	s.checkArchive(ctx, ms)
	files := map[string]bool{}
	for _, m := range ms {
		if m.Member != "db-0" || m.ServerID != 100 || files[m.File] {
			t.Errorf("manifest %+v: want each file of db-0 (server 100) once", m)
		}
		files[m.File] = true
	}
	if !gtid.MustParse(gtid.MariaDB, final).Equal(endUnion(ms)) {
		t.Errorf("the archive holds %v, the server %s", endUnion(ms), final)
	}
	st := waitStatus(t, ctx, p, func(st agentapi.ArchiveStatus) bool { return st.LastState == final })
	if !st.Active || st.Error != "" || st.LastFile != ms[len(ms)-1].File {
		t.Errorf("status %+v, want active, no error, last file %s", st, ms[len(ms)-1].File)
	}
	t.Logf("%d files archived for %d transactions", len(ms), gtid.MustParse(gtid.MariaDB, final).Count())

	p.setWritable(false) // demoted: a read-only member never archives
	st = waitStatus(t, ctx, p, func(st agentapi.ArchiveStatus) bool { return !st.Active })
	if st.Error != "" {
		t.Errorf("read-only member: %+v", st)
	}
}

// waitStatus re-sends the configuration until the status satisfies ok; at most 10 s.
func waitStatus(t *testing.T, ctx context.Context, p *archivingPod, ok func(agentapi.ArchiveStatus) bool) agentapi.ArchiveStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := p.configure(ctx, p.store, time.Second)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("archive status %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestArchiveRecoveryPoint: with an interval of 2 s and a writer committing every 100 ms, every
// commit is in the store within the interval and a second.
func TestArchiveRecoveryPoint(t *testing.T) {
	const interval = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newTestStore(t)
	p := startArchiving(t, writablePod(t, ctx, 5, "127.0.0.75"))
	root := p.db("root", mysqltest.RootPassword)
	insertRows(t, root, 0, 1)
	p.configure(ctx, s, interval)
	s.waitArchived(ctx, state(t, root), 10*time.Second)

	commits := make(chan commit, 200)
	go writeEvery(ctx, t, root, 100*time.Millisecond, 80, commits)
	seen := watchArchive(ctx, s, commits)
	var worst, sum time.Duration
	for _, c := range seen {
		lag := c.archived.Sub(c.at)
		sum += lag
		worst = max(worst, lag)
	}
	t.Logf("recovery point: %d commits, lag max %v, mean %v (interval %v)", len(seen),
		worst.Round(time.Millisecond), (sum / time.Duration(max(1, len(seen)))).Round(time.Millisecond), interval)
	if len(seen) != 80 {
		t.Fatalf("%d commits archived, want 80", len(seen))
	}
	if worst > interval+time.Second {
		t.Errorf("a commit reached the store %v after it was acknowledged, want at most %v", worst, interval+time.Second)
	}
}

// commit is one acknowledged transaction: its sequence number, when the commit returned and
// when the store first held it.
type commit struct {
	seq      uint64
	at       time.Time
	archived time.Time
}

// writeEvery commits n rows, one every period, on one connection, and sends each commit; it closes
// the channel when done.
func writeEvery(ctx context.Context, t *testing.T, db *sql.DB, period time.Duration, n int, out chan<- commit) {
	defer close(out)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close()
	for i := range n {
		if _, err := conn.ExecContext(ctx, "INSERT INTO app.t VALUES (?, 'w')", 1000+i); err != nil {
			t.Error(err)
			return
		}
		at := time.Now()
		var last string
		if err := conn.QueryRowContext(ctx, "SELECT @@last_gtid").Scan(&last); err != nil {
			t.Error(err)
			return
		}
		seq, _ := strconv.ParseUint(last[strings.LastIndexByte(last, '-')+1:], 10, 64)
		out <- commit{seq: seq, at: at}
		time.Sleep(period)
	}
}

// watchArchive polls the store every 50 ms and stamps each commit with when the store first held
// it; it returns once every commit is archived, or after the writer ended and 10 s more.
func watchArchive(ctx context.Context, s *testStore, commits <-chan commit) []commit {
	var pending, done []commit
	known := map[string]uint64{} // manifest key -> end sequence number
	var archived uint64
	var writerDone time.Time
	for writerDone.IsZero() || (len(pending) > 0 && time.Since(writerDone) < 10*time.Second) {
		for drained := false; !drained; {
			select {
			case c, ok := <-commits:
				if !ok {
					commits, writerDone = nil, time.Now()
					drained = true
					break
				}
				pending = append(pending, c)
			default:
				drained = true
			}
		}
		archived = max(archived, archivedSeq(ctx, s, known))
		now := time.Now()
		for len(pending) > 0 && pending[0].seq <= archived {
			pending[0].archived = now
			done, pending = append(done, pending[0]), pending[1:]
		}
		time.Sleep(50 * time.Millisecond)
	}
	return done
}

// archivedSeq is the highest sequence number of domain 0 the store's manifests reach; known
// caches the manifests read already.
func archivedSeq(ctx context.Context, s *testStore, known map[string]uint64) uint64 {
	objs, err := s.bucket.List(ctx, backup.BinlogDir)
	if err != nil {
		return 0
	}
	var top uint64
	for _, o := range objs {
		if !backup.IsBinlogManifestKey(o.Key) {
			continue
		}
		if _, ok := known[o.Key]; !ok {
			data, err := s.bucket.GetBytes(ctx, o.Key)
			if err != nil {
				continue
			}
			m, err := backup.ParseBinlogFile(data)
			if err != nil {
				continue
			}
			known[o.Key] = tips(gtid.MustParse(gtid.MariaDB, m.EndState))["0"].seq
		}
		top = max(top, known[o.Key])
	}
	return top
}
