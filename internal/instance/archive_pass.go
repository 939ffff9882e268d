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
	"fmt"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// archiveStatementTimeout bounds each statement of the archiver: FLUSH BINARY LOGS syncs files.
const archiveStatementTimeout = 30 * time.Second

// archiver is the state of runArchiver's goroutine; nothing else touches it.
type archiver struct {
	a      *Agent
	db     *mysql.Client // its own pool, so archiving never holds the probes' connections
	store  agentapi.Store
	bucket *objstore.Bucket
	// archived is the union of the end states of every archived file, read from the store when
	// this member starts archiving and kept current by its uploads; nil until read.
	archived *gtid.Set
	gap      string               // a gap found since this member started archiving
	serverID uint32               // the server's server_id, for the manifests
	dir      string               // the binary log directory
	files    map[string]fileFacts // what never changes in a file, by name
	keys     map[string]string    // the key of a file whose upload began, so a retry reuses it
	marked   time.Time            // when the completeness mark was last written
}

// fileFacts are read once per file.
type fileFacts struct {
	start  string
	opened time.Time
}

func (ar *archiver) close() {
	if ar.db != nil {
		_ = ar.db.Close()
	}
}

// deactivate forgets what was read from the store: when this member is promoted again, another
// primary may have archived in between.
func (ar *archiver) deactivate() {
	ar.archived, ar.gap = nil, ""
}

// pass archives what the store lacks: close the active file if it holds such transactions,
// then upload every closed file holding one, oldest first.
func (ar *archiver) pass(ctx context.Context, req agentapi.ArchiveRequest) error {
	if err := ar.connect(req.Store); err != nil {
		return err
	}
	if err := ar.loadArchived(ctx); err != nil {
		return err
	}
	began := time.Now()
	closed, state, err := ar.closedFiles(ctx)
	if err != nil {
		return err
	}
	plan, err := planUploads(closed, *ar.archived)
	if err != nil {
		return err
	}
	if plan.Gap != "" && ar.gap == "" {
		ar.gap = plan.Gap
		ar.a.Log.Error("gap in the binary log archive", "err", plan.Gap)
	}
	for _, i := range plan.Upload {
		if err := ar.upload(ctx, closed[i]); err != nil {
			return err
		}
	}
	if plan.Gap == "" && ar.gap == "" {
		return ar.markThrough(ctx, state, began)
	}
	return nil
}

// markEvery is how often the completeness mark is rewritten.
const markEvery = 10 * time.Second

// markThrough records that every transaction committed before began (all in state, all now
// archived) is in the store, so a restore to a time after the last write is known covered.
func (ar *archiver) markThrough(ctx context.Context, state string, began time.Time) error {
	if began.Sub(ar.marked) < markEvery {
		return nil
	}
	b, err := json.Marshal(backup.Through{Member: ar.a.Env.PodName, State: state, Time: began.UTC()})
	if err != nil {
		return err
	}
	if err := ar.bucket.PutBytes(ctx, backup.ThroughKey, b); err != nil {
		return archiveStoreErr(err)
	}
	ar.marked = began
	return nil
}

// closedFiles closes the active file first when it holds a transaction the store lacks, then
// lists the closed files.
// It also returns the server's binary log state read before the flush.
func (ar *archiver) closedFiles(ctx context.Context) ([]localBinlog, string, error) {
	closed, active, err := ar.localFiles(ctx)
	if err != nil {
		return nil, "", err
	}
	state, err := ar.db.GTIDBinlogState(ctx)
	if err != nil {
		return nil, "", err
	}
	flush, err := needsFlush(state, active, *ar.archived)
	if err != nil || !flush {
		return closed, state, err
	}
	if err := ar.db.FlushBinaryLogs(ctx); err != nil {
		return nil, "", err
	}
	closed, _, err = ar.localFiles(ctx)
	return closed, state, err
}

// connect opens the archiver's server pool once and the bucket whenever the store changes; a
// new store is read again.
func (ar *archiver) connect(store agentapi.Store) error {
	if ar.db == nil {
		a := ar.a
		db, err := mysql.Open(mysql.Config{Flavor: a.Env.Flavor, Socket: a.Paths.Socket(), User: mysql.AccountOperator,
			Password: a.Env.OperatorPassword, ConnectTimeout: probeTimeout, ReadTimeout: archiveStatementTimeout,
			WriteTimeout: archiveStatementTimeout, StatementTimeout: archiveStatementTimeout})
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		ar.db = db
	}
	if ar.bucket != nil && ar.store == store {
		return nil
	}
	b, err := objstore.New(store.Config())
	if err != nil {
		return archiveStoreErr(err)
	}
	ar.bucket, ar.store = b, store
	ar.deactivate()
	return nil
}

// loadArchived reads every binary log manifest in the store, once per activation: the union of
// their end states is what the archive holds. The newest file of this member fills the status.
func (ar *archiver) loadArchived(ctx context.Context) error {
	if ar.archived != nil {
		return nil
	}
	objs, err := ar.bucket.List(ctx, backup.BinlogDir)
	if err != nil {
		return archiveStoreErr(err)
	}
	var union gtid.Set
	var last *backup.BinlogFile
	for _, o := range objs {
		if !backup.IsBinlogManifestKey(o.Key) {
			continue
		}
		m, end, ok, err := ar.readManifest(ctx, o.Key)
		if err != nil {
			return err
		}
		if ok {
			union = union.Union(end)
			if m.Member == ar.a.Env.PodName {
				last = &m
			}
		}
	}
	st, err := ar.db.Status(ctx)
	if err != nil {
		return err
	}
	ar.archived, ar.serverID = &union, st.ServerID
	if last != nil {
		ar.setLast(*last)
	}
	// What the store holds that this primary never executed: an old primary's writes that no
	// replica received, archived before a failover. A restore must not follow them, and the
	// replay refuses to (see diverged).
	if ahead := union.Subtract(st.Executed); !ahead.IsEmpty() {
		ar.a.Log.Warn("the binary log archive holds transactions this primary never executed: an old primary's "+
			"writes that no replica received; a restore past them is refused", "gtids", ahead.String())
	}
	return nil
}

// readManifest reads one manifest; a malformed one is skipped (ok false) with a warning, since it
// must not stop archiving: at worst a file it described is uploaded again.
func (ar *archiver) readManifest(ctx context.Context, key string) (backup.BinlogFile, gtid.Set, bool, error) {
	data, err := ar.bucket.GetBytes(ctx, key)
	if err != nil {
		return backup.BinlogFile{}, gtid.Set{}, false, archiveStoreErr(err)
	}
	m, err := backup.ParseBinlogFile(data)
	var end gtid.Set
	if err == nil {
		end, err = gtid.ParseMariaDB(m.EndState)
	}
	if err != nil {
		ar.a.Log.Warn("skipping a malformed binary log manifest", "key", key, "err", err)
		return m, end, false, nil
	}
	return m, end, true, nil
}

func (ar *archiver) setLast(m backup.BinlogFile) {
	ar.a.archive.update(func(st *agentapi.ArchiveStatus) {
		st.LastFile, st.LastState, st.LastTime = m.File, m.EndState, m.LastTime
	})
}

// localFiles lists the closed binary log files with their states and times, and the active
// file's start state.
func (ar *archiver) localFiles(ctx context.Context) ([]localBinlog, string, error) {
	if ar.dir == "" {
		dir, err := ar.db.BinlogDir(ctx)
		if err != nil {
			return nil, "", err
		}
		ar.dir = dir
	}
	logs, err := ar.db.BinaryLogs(ctx)
	if err != nil {
		return nil, "", err
	}
	facts := make([]fileFacts, len(logs))
	seen := make(map[string]fileFacts, len(logs))
	for i, l := range logs {
		if facts[i], err = ar.facts(ctx, l.Name); err != nil {
			return nil, "", err
		}
		seen[l.Name] = facts[i]
	}
	ar.files = seen // forget purged files
	closed := make([]localBinlog, len(logs)-1)
	for i := range closed {
		closed[i] = localBinlog{Name: logs[i].Name, Size: logs[i].Size, Start: facts[i].start, End: facts[i+1].start,
			FirstTime: facts[i].opened, LastTime: facts[i+1].opened}
	}
	return closed, facts[len(facts)-1].start, nil
}

func (ar *archiver) facts(ctx context.Context, name string) (fileFacts, error) {
	if f, ok := ar.files[name]; ok {
		return f, nil
	}
	start, err := ar.db.BinlogStartState(ctx, name)
	if err != nil {
		return fileFacts{}, err
	}
	opened, err := binlogOpened(binlogPath(ar.dir, name))
	if err != nil {
		return fileFacts{}, err
	}
	return fileFacts{start: start, opened: opened}, nil
}
