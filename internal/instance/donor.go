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
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// backup (GET /backup, replication account only) streams a mariadb-backup xbstream of this
// member's datadir, one backup at a time.
func (a *Agent) backup(w http.ResponseWriter, r *http.Request) {
	if a.Env.Flavor.Name() != mysql.MariaDB.Name() {
		http.Error(w, "MySQL members are seeded with the clone plugin over the server port, not from /backup",
			http.StatusNotImplemented)
		return
	}
	select {
	case a.backups <- struct{}{}:
		defer func() { <-a.backups }()
	default:
		http.Error(w, "a backup is already running on this member", http.StatusTooManyRequests)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
	state, err := a.db.GTIDBinlogState(ctx)
	cancel()
	if err != nil {
		http.Error(w, "read the binary log state: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	work, err := os.MkdirTemp(a.Paths.TmpDir, "ordinal-backup-")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer os.RemoveAll(work)
	a.Log.Info("backup started", "for", r.RemoteAddr, "gtid_binlog_state", state)
	t0 := time.Now()
	n, err := a.streamBackup(r.Context(), w, state, work)
	status := agentapi.BackupStatusOK
	if err != nil {
		status = "failed: " + strings.ReplaceAll(err.Error(), "\n", " ")
		a.Log.Error("backup failed", "for", r.RemoteAddr, "bytes", n, "err", err)
	} else {
		a.Log.Info("backup done", "for", r.RemoteAddr, "bytes", n, "took", time.Since(t0).Round(time.Millisecond))
	}
	w.Header().Set(agentapi.TrailerBackupStatus, status)
}

// streamBackup runs mariadb-backup and copies its stream into the response. Headers are sent as
// soon as the tool has started; the outcome goes into the trailer.
func (a *Agent) streamBackup(ctx context.Context, w http.ResponseWriter, state, work string) (int64, error) {
	cmd := exec.CommandContext(ctx, a.Tools.Backup, a.backupArgs(work)...)
	tail := &tailWriter{}
	cmd.Stderr = io.MultiWriter(a.Tools.output(), tail)
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Trailer", agentapi.TrailerBackupStatus)
	h.Set(agentapi.HeaderBinlogState, state)
	out, err := startPiped(cmd)
	if err != nil {
		w.WriteHeader(http.StatusOK) // the trailer carries the failure
		return 0, fmt.Errorf("start mariadb-backup: %w", err)
	}
	defer out.Close()
	w.WriteHeader(http.StatusOK)
	_ = http.NewResponseController(w).Flush()
	n, copyErr := copyStream(w, out)
	if copyErr != nil {
		_ = cmd.Process.Kill() // the receiver is gone; stop reading the datadir
	}
	if err := cmd.Wait(); err != nil {
		return n, fmt.Errorf("mariadb-backup: %w%s", err, tail.suffix())
	}
	if copyErr != nil {
		return n, fmt.Errorf("send backup: %w", copyErr)
	}
	return n, nil
}
