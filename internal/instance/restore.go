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
	"os"
	"path/filepath"
	"time"

	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// RestoreMarkerName, in the datadir, says a restore from the store started and has not
// finished: init restores again on the next start whatever the datadir holds (a crash may have
// left a complete-looking server behind), and removes the marker last.
const RestoreMarkerName = ".ordinal-restore"

// restoreMarker is the marker's content, for people and logs.
type restoreMarker struct {
	Backup  string    `json:"backup"`
	Started time.Time `json:"started"`
}

// replayBinlogs applies a plan's archived binary logs on the restored server (replay.go); a
// variable, so a test can put something else in its place.
var replayBinlogs = (*Init).replayBinlogs

// restorePending reports whether a restore was interrupted (its marker is present).
func (in *Init) restorePending() (bool, error) {
	_, err := os.Stat(in.restoreMarkerPath())
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("restore marker: %w", err)
}

func (in *Init) restoreMarkerPath() string { return filepath.Join(in.Paths.DataDir, RestoreMarkerName) }

// restore recovers the datadir of a cluster's first member from the store, as EnvRestore says.
func (in *Init) restore(ctx context.Context) error {
	src := in.Env.Restore
	if src == nil {
		return fmt.Errorf("a restore was interrupted (%s is in the datadir) but %s is not set: set it again "+
			"to finish the restore, or delete the datadir's contents to start empty", RestoreMarkerName, EnvRestore)
	}
	b, err := objstore.New(src.Store.Config())
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	plan, err := planRestore(ctx, b, *src)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	in.Log.Info("restoring from the store", "backup", plan.Base.Name, "end", plan.Base.End,
		"gtid", plan.Base.GTIDPosition, "binlogs", len(plan.Binlogs))
	return in.restoreFromStore(ctx, b, plan)
}

// planRestore reads the store's catalog and chooses what recovers the target. The archived
// binary logs are read only for a target past a backup.
func planRestore(ctx context.Context, b *objstore.Bucket, src RestoreSource) (backup.Plan, error) {
	bases, err := backup.ListBackups(ctx, b)
	if err != nil {
		return backup.Plan{}, err
	}
	var binlogs []backup.BinlogFile
	if src.Time != nil || src.GTID != "" || src.Latest {
		if binlogs, err = backup.ListBinlogs(ctx, b); err != nil {
			return backup.Plan{}, err
		}
	}
	return backup.PlanRestore(bases, binlogs, backup.Target{Backup: src.Backup, Time: src.Time, GTID: src.GTID,
		Latest: src.Latest})
}

// restoreFromStore re-creates the datadir from the plan: the base backup's data, checked
// against its manifest, unpacked and prepared; then a temporary server records its GTID
// position, replays the binary logs and gives the accounts this cluster's passwords. The marker
// is written first and removed last, so a crash anywhere restores again from the start.
func (in *Init) restoreFromStore(ctx context.Context, b *objstore.Bucket, plan backup.Plan) error {
	ctx, cancel := context.WithTimeout(ctx, in.Timeouts.Seed)
	defer cancel()
	m := plan.Base
	if err := in.restorable(ctx, plan); err != nil {
		return err
	}
	if err := writeFileAtomic(in.restoreMarkerPath(), markerJSON(m.Name), 0o640); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := wipe(in.Paths.DataDir, RestoreMarkerName); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	t0 := time.Now()
	pos, err := in.fetchAndPrepare(ctx, b, m, in.Paths.DataDir)
	if err != nil {
		return fmt.Errorf("restore %q: %w", m.Name, err)
	}
	in.Log.Info("backup unpacked and prepared", "backup", m.Name, "bytes", m.Size, "took", time.Since(t0).Round(time.Millisecond))
	state, err := seededBinlogState(m.BinlogState, pos)
	if err != nil {
		return fmt.Errorf("restore %q: %w", m.Name, err)
	}
	if err := in.settleRestored(ctx, b, plan, state, pos); err != nil {
		return fmt.Errorf("restore %q: %w", m.Name, err)
	}
	if err := removeDurably(in.restoreMarkerPath()); err != nil {
		return err
	}
	in.Log.Info("datadir restored", "backup", m.Name, "gtid_binlog_state", state, "binlogs", len(plan.Binlogs))
	return nil
}

func markerJSON(name string) []byte {
	b, _ := json.Marshal(restoreMarker{Backup: name, Started: time.Now().UTC()}) // strings and a time
	return append(b, '\n')
}

// restorable refuses, before anything is touched, a restore that cannot succeed: a datadir that
// holds a server (unless a restore of it was interrupted), or a backup of another engine or version.
func (in *Init) restorable(ctx context.Context, plan backup.Plan) error {
	pending, err := in.restorePending()
	if err != nil {
		return err
	}
	if hasServer(in.Paths.DataDir) && !pending {
		return fmt.Errorf("restore %q: the datadir %s holds a server; a restore only fills an empty datadir",
			plan.Base.Name, in.Paths.DataDir)
	}
	return in.compatible(ctx, plan.Base)
}

// settleRestored starts a temporary server on the restored datadir without grant checks (the
// accounts still have the source cluster's passwords): it drops any copied replication
// configuration, records the backup's position, replays the binary logs and resets the
// accounts, in that order (the accounts last: their reset loads the grant tables).
func (in *Init) settleRestored(ctx context.Context, b *objstore.Bucket, plan backup.Plan, state, pos string) error {
	srv, err := in.startServer(ctx, in.Paths.DataDir, in.Env.RootPassword, "--skip-grant-tables")
	if err != nil {
		return err
	}
	err = srv.client.ResetReplication(ctx)
	if err == nil {
		err = srv.client.SetSeededPosition(ctx, state, pos)
	}
	if err == nil && len(plan.Binlogs) > 0 {
		err = replayBinlogs(in, ctx, srv, b, plan)
	}
	if err == nil {
		err = srv.client.ResetAccounts(ctx, mysql.Accounts{RootPassword: in.Env.RootPassword,
			ReplicationPassword: in.Env.ReplicationPassword, OperatorPassword: in.Env.OperatorPassword})
	}
	if stopErr := srv.stop(in.Timeouts.ServerStop); err == nil {
		err = stopErr
	}
	return err
}

// restoresFromStore: only the first member restores; the others start empty and the operator
// seeds them from it, as for any new member.
func (in *Init) restoresFromStore() bool {
	if in.Env.Restore == nil {
		return false
	}
	if n, err := in.Env.Ordinal(); err != nil || n != 0 {
		in.Log.Info("a restore source is set, but only ordinal 0 restores: initialising empty", "pod", in.Env.PodName)
		return false
	}
	return true
}
