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
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// This file is the agent's side of backups to an object store (POST/GET /v1/store-backups):
// the request, the job the operator polls, and its lifetime. storebackup_run.go takes the backup.

// maxStoreBackupRequest bounds the body: the store's CA bundle may be a whole system bundle.
const maxStoreBackupRequest = 1 << 20

// errMariaDBOnly is the answer of a MySQL member: the clone plugin copies to a server, not to an
// object store, and MySQL's streaming backup tool (xtrabackup) is not in this build.
const errMariaDBOnly = "physical store backups are MariaDB-only in this build: MySQL's clone plugin " +
	"cannot stream to an object store, and MySQL needs Percona XtraBackup, which this build does not ship"

// storeBackups is the agent's current or last store backup. The agent knows only its own: an
// agent that restarted reports none (the operator treats a Running job it no longer sees as failed).
type storeBackups struct {
	mu     sync.Mutex
	job    agentapi.BackupJob
	bytes  *atomic.Int64           // written so far by the running job
	cancel context.CancelCauseFunc // of the running job
	done   chan struct{}           // closed when the running job has ended
}

// errAgentStopping cancels a running backup when the agent shuts down.
var errAgentStopping = errors.New("the agent is shutting down")

// begin records a new running job and returns its context, which ends when the job is stopped.
func (s *storeBackups) begin(name string, now time.Time) (context.Context, *atomic.Int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithCancelCause(context.Background())
	s.job = agentapi.BackupJob{Name: name, Phase: agentapi.JobRunning, Started: now}
	s.bytes, s.cancel, s.done = &atomic.Int64{}, cancel, make(chan struct{})
	return ctx, s.bytes
}

// finish records the outcome of the running job.
func (s *storeBackups) finish(m *backupResult, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.job.Bytes = s.bytes.Load()
	if err != nil {
		s.job.Phase, s.job.Error = agentapi.JobFailed, strings.ReplaceAll(err.Error(), "\n", " ")
		if se := (*storeError)(nil); errors.As(err, &se) {
			s.job.Reason = string(objstore.Classify(se.err))
		}
	} else {
		s.job.Phase, s.job.Manifest = agentapi.JobSucceeded, &m.manifest
	}
	s.cancel(nil)
	close(s.done)
}

// snapshot is the job as the API shows it, with the live byte count of a running one.
func (s *storeBackups) snapshot() agentapi.BackupJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.job
	if j.Phase == agentapi.JobRunning {
		j.Bytes = s.bytes.Load()
	}
	return j
}

// stop cancels a running job and waits up to grace for it to end: a paused replica's applier
// is restarted before the agent exits.
func (s *storeBackups) stop(grace time.Duration) {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel(errAgentStopping)
	select {
	case <-done:
	case <-time.After(grace):
	}
}

// storeError marks an error of the object store, so the job's Reason classifies it.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func asStoreError(err error) error {
	if err == nil {
		return nil
	}
	return &storeError{err: err}
}

// startStoreBackup (POST /v1/store-backups, operator only) starts a backup of this member into
// the store and answers the running job at once. It shares the backup slot with the peer
// /backup: a seed's backup and a store backup never run together (409 while one runs).
func (a *Agent) startStoreBackup(w http.ResponseWriter, r *http.Request) {
	if !a.storeBackupsSupported(w) {
		return
	}
	req, bucket, err := decodeStoreBackupRequest(http.MaxBytesReader(w, r.Body, maxStoreBackupRequest))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	select {
	case a.backups <- struct{}{}:
	default:
		http.Error(w, "a backup is already running on this member", http.StatusConflict)
		return
	}
	ctx, bytes := a.store.begin(req.Name, a.Now().UTC())
	go func() {
		defer func() { <-a.backups }() // after finish: a new job never sees this one as running
		res, err := a.runStoreBackup(ctx, req, bucket, bytes)
		a.logStoreBackup(req.Name, res, err)
		a.store.finish(res, err)
	}()
	writeJSON(w, a.store.snapshot())
}

// storeBackupStatus (GET /v1/store-backups, operator only) answers the current or last job.
func (a *Agent) storeBackupStatus(w http.ResponseWriter, _ *http.Request) {
	if a.storeBackupsSupported(w) {
		writeJSON(w, a.store.snapshot())
	}
}

func (a *Agent) storeBackupsSupported(w http.ResponseWriter) bool {
	if a.Env.Flavor.Name() == mysql.MariaDB.Name() {
		return true
	}
	http.Error(w, errMariaDBOnly, http.StatusNotImplemented)
	return false
}

// stopStoreBackup ends a running store backup when the agent shuts down (AgentMain).
func (a *Agent) stopStoreBackup() { a.store.stop(30 * time.Second) }

func (a *Agent) logStoreBackup(name string, res *backupResult, err error) {
	if err != nil {
		a.Log.Error("store backup failed", "backup", name, "err", err)
		return
	}
	m := res.manifest
	a.Log.Info("store backup done", "backup", name, "bytes", m.Size, "gtid", m.GTIDPosition, "tables", len(m.Tables),
		"took", m.End.Sub(m.Start).Round(time.Millisecond), "bytesPerSecond", res.throughput())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// backupName is what a backup's name may be: one path segment of the store's keys (a
// MySQLBackup's name is a DNS subdomain name, which fits).
var backupName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$`)

// decodeStoreBackupRequest reads and checks the request; the store's settings are checked
// without the network (a bad endpoint or a half-given key pair is the caller's error).
func decodeStoreBackupRequest(body io.Reader) (agentapi.StoreBackupRequest, *objstore.Bucket, error) {
	var req agentapi.StoreBackupRequest
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, nil, fmt.Errorf("store backup request: %w", err)
	}
	if dec.More() {
		return req, nil, errors.New("store backup request: trailing data after the JSON object")
	}
	if !backupName.MatchString(req.Name) {
		return req, nil, fmt.Errorf("store backup request: name %q: want 1-253 letters, digits, '.', '_' or '-'", req.Name)
	}
	b, err := objstore.New(req.Store.Config())
	if err != nil {
		return req, nil, fmt.Errorf("store backup request: %w", err)
	}
	return req, b, nil
}
