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
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// backupResult is a finished store backup.
type backupResult struct {
	manifest backup.Manifest
	// streamed is how long the data took from the backup tool's start to the end of the upload.
	streamed time.Duration
}

// throughput is the compressed bytes per second of the upload.
func (r *backupResult) throughput() int64 {
	if r.streamed <= 0 {
		return 0
	}
	return int64(float64(r.manifest.Size) / r.streamed.Seconds())
}

// longStatement bounds the checksum statements: CHECKSUM TABLE reads every row of a table.
const longStatement = 12 * time.Hour

// errFailover cancels a backup whose member's IO thread stopped: the operator stops the IO
// threads of every replica when it starts a failover, and a paused applier would hold it up.
var errFailover = errors.New("the replica's IO thread stopped (a failover is starting): backup cancelled " +
	"and the applier restarted")

// runStoreBackup takes the backup: manifest fields from the running server, per-table checksums
// on a replica when asked (its applier paused until the backup's end), the data streamed into
// the store, then the manifest, written last.
func (a *Agent) runStoreBackup(ctx context.Context, req agentapi.StoreBackupRequest, b *objstore.Bucket,
	bytes *atomic.Int64) (*backupResult, error) {
	if err := refuseExisting(ctx, b, req.Name); err != nil {
		return nil, err
	}
	db, err := mysql.Open(mysql.Config{Flavor: a.Env.Flavor, Socket: a.Paths.Socket(), User: mysql.AccountOperator,
		Password: a.Env.OperatorPassword, StatementTimeout: longStatement, ReadTimeout: longStatement})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	m, st, err := a.baseManifest(ctx, db, req)
	if err != nil {
		return nil, err
	}
	if req.Checksums && pausable(st) {
		var resume func()
		ctx, resume, err = a.pauseApplier(ctx, db)
		if err != nil {
			return nil, err
		}
		defer resume()
		if m.Tables, err = checksums(ctx, db); err != nil {
			return nil, fmt.Errorf("checksums: %w", withCause(ctx, err))
		}
		// What the checksums saw; the backup must hold exactly that (checkedAt).
		if m.BinlogState, err = db.GTIDBinlogState(ctx); err != nil {
			return nil, err
		}
	} else if req.Checksums {
		a.Log.Info("store backup without checksums: the member is not a running replica", "backup", req.Name)
	}
	return a.upload(ctx, b, m, bytes)
}

// refuseExisting refuses a name whose manifest is in the store: the new data would overwrite a
// complete backup's before its manifest changed. Being the first request, it also checks the
// store before anything is paused.
func refuseExisting(ctx context.Context, b *objstore.Bucket, name string) error {
	_, err := b.GetBytes(ctx, backup.ManifestKey(name))
	switch {
	case err == nil:
		return fmt.Errorf("backup %q is already in the store (%s): choose another name", name, backup.ManifestKey(name))
	case errors.Is(err, objstore.ErrNotFound):
		return nil
	}
	return asStoreError(err)
}

// baseManifest fills what the server says before the backup: its version and binary log state.
func (a *Agent) baseManifest(ctx context.Context, db *mysql.Client, req agentapi.StoreBackupRequest) (backup.Manifest, mysql.Status, error) {
	st, err := db.Status(ctx)
	if err != nil {
		return backup.Manifest{}, st, err
	}
	state, err := db.GTIDBinlogState(ctx)
	if err != nil {
		return backup.Manifest{}, st, err
	}
	return newManifest(req, a.Env, st.Version, state), st, nil
}

// newManifest is what is known before the data: who, what, and the binary log state.
func newManifest(req agentapi.StoreBackupRequest, env Env, version, state string) backup.Manifest {
	return backup.Manifest{Version: backup.ManifestVersion1, Name: req.Name,
		Namespace: cmpOr(req.Namespace, env.Namespace), Cluster: cmpOr(req.Cluster, env.ClusterName),
		Engine: env.Flavor.Name(), ServerVersion: version, Member: env.PodName, BinlogState: state,
		Format: backup.FormatXBStream, Compression: backup.CompressionGzip}
}

// completeManifest adds what the data's upload found: the backup point and the object.
func completeManifest(m backup.Manifest, s streamed) backup.Manifest {
	m.End, m.GTIDPosition, m.Size, m.SHA256 = s.point.UTC(), s.position, s.size, s.sha256
	return m
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pausable: only a fenced replica whose replication runs is paused. A writable member is the
// primary, whose writes must never wait; a replica whose threads are stopped is in someone
// else's hands (the operator's), so nothing here may start them again.
func pausable(st mysql.Status) bool {
	r := st.Replication
	return st.ReadOnly && r != nil && r.IORunning && r.SQLRunning
}

// upload streams the backup into the store and writes the manifest after it.
func (a *Agent) upload(ctx context.Context, b *objstore.Bucket, m backup.Manifest, bytes *atomic.Int64) (*backupResult, error) {
	m.Start = a.Now().UTC()
	t0 := time.Now()
	res, err := a.streamToStore(ctx, b, backup.DataKey(m.Name), bytes)
	if err != nil {
		return nil, withCause(ctx, err)
	}
	m = completeManifest(m, res)
	a.checkedAt(&m)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := b.PutBytes(ctx, backup.ManifestKey(m.Name), data); err != nil {
		return nil, withCause(ctx, asStoreError(err))
	}
	return &backupResult{manifest: m, streamed: time.Since(t0)}, nil
}

// checkedAt drops the table checksums when the backup holds a transaction the checksums did not
// see: the applier ran during the backup (someone started it), so they describe another state.
// Verification then checks everything but them.
func (a *Agent) checkedAt(m *backup.Manifest) {
	if len(m.Tables) == 0 || backup.Covers(m.BinlogState, m.GTIDPosition) {
		return
	}
	a.Log.Warn("the applier ran during the backup: its table checksums are dropped", "backup", m.Name,
		"checked", m.BinlogState, "backup_position", m.GTIDPosition)
	m.Tables = nil
}

// withCause says why ctx ended (a failover, the agent's shutdown) instead of what it broke.
func withCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return fmt.Errorf("backup cancelled: %w", cause)
	}
	return err
}

// checksums takes every user table's row count and CHECKSUM TABLE.
func checksums(ctx context.Context, db *mysql.Client) ([]backup.TableChecksum, error) {
	tables, err := db.UserTables(ctx)
	if err != nil {
		return nil, err
	}
	sums, err := db.ChecksumTables(ctx, tables)
	if err != nil {
		return nil, err
	}
	return toManifestTables(sums), nil
}

func toManifestTables(sums []mysql.TableChecksum) []backup.TableChecksum {
	out := make([]backup.TableChecksum, len(sums))
	for i, s := range sums {
		out[i] = backup.TableChecksum{Schema: s.Schema, Table: s.Name, Rows: s.Rows, Checksum: s.Checksum}
	}
	return out
}

// ioPollInterval is how often a paused replica's IO thread is checked: a failover waits at most
// about this long for the applier to run again.
const ioPollInterval = 200 * time.Millisecond

// pauseApplier stops the replica's applier so its checksums and backup see the same data. The
// returned context ends when the member's IO thread stops (a failover begins): the applier is
// then restarted at once, before the backup is even torn down. resume restarts it otherwise;
// it runs once, whoever calls it first. The stop goes through db, whose long timeout lets the
// applier finish a large transaction; the polls and the restart through the agent's quick client.
func (a *Agent) pauseApplier(ctx context.Context, db *mysql.Client) (context.Context, func(), error) {
	var once sync.Once
	restart := func() {
		once.Do(func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := a.db.StartApplier(rctx); err != nil {
				a.Log.Error("restart the applier after a store backup: replication stays paused", "err", err)
			}
		})
	}
	if err := db.StopApplier(ctx); err != nil {
		restart() // a stop that failed halfway must not leave it stopped
		return ctx, nil, fmt.Errorf("pause the applier: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if a.waitIOStopped(ctx) {
			restart()
			cancel(errFailover)
		}
	}()
	resume := func() {
		cancel(nil)
		<-watched
		restart()
	}
	return ctx, resume, nil
}

// waitIOStopped polls until the IO thread is stopped or replication is gone (true), or ctx ends.
// A server that does not answer is not a failover sign by itself: the backup then fails anyway.
func (a *Agent) waitIOStopped(ctx context.Context) bool {
	tick := time.NewTicker(ioPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		st, err := a.db.Status(pctx)
		cancel()
		if err == nil && (st.Replication == nil || st.Replication.IOState == "No") {
			return true
		}
	}
}
