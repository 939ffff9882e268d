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
	"net/http"
	"sync"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// Continuous binary log archiving. The operator sends PUT /v1/archive (the store and the
// interval) to every member on every pass; the configuration lives in memory only, so an agent
// restart forgets it until the next pass. A goroutine started with the agent (runArchiver) then
// archives while this member's server is writable (the primary; a read-only member never
// archives): at most every interval it closes the active binary log file if it holds a
// transaction the store lacks (FLUSH BINARY LOGS), and uploads every closed file holding a
// transaction the store lacks, each followed by its manifest. After a failover the new primary
// reads the store's manifests first and uploads the files it wrote as a replica that the old
// primary had not archived, so the archive has no gap (see planUploads).

// Interval bounds of archiving: the default when the request names none, and the smallest
// accepted (each interval may close a file, and each file is an object).
const (
	defaultArchiveInterval = 5 * time.Second
	minArchiveInterval     = time.Second
	// maxArchiveRequest bounds the body of PUT /v1/archive (a CA bundle included).
	maxArchiveRequest = 1 << 20
	// archivePassBudget bounds one pass: flushing, listing, and uploading files of up to
	// max_binlog_size (1 GiB by default).
	archivePassBudget = 30 * time.Minute
	// archiveIdleWait is how often an unconfigured archiver looks again (a PUT wakes it at once).
	archiveIdleWait = 5 * time.Second
)

// reasonGap is the ArchiveStatus.Reason of a gap in the archive: transactions neither the store
// nor this member holds.
const reasonGap = "Gap"

// archiveState is the configuration and progress shared by the handler and the archiver.
type archiveState struct {
	mu     sync.Mutex
	req    *agentapi.ArchiveRequest // nil: not configured
	status agentapi.ArchiveStatus
	wake   chan struct{} // one slot: the archiver looks again at once
}

// configure stores req (nil stops archiving) and wakes the archiver when it changed.
func (s *archiveState) configure(req *agentapi.ArchiveRequest) {
	s.mu.Lock()
	changed := (s.req == nil) != (req == nil) || (req != nil && *s.req != *req)
	s.req = req
	s.mu.Unlock()
	if changed {
		select {
		case s.wakeChan() <- struct{}{}:
		default:
		}
	}
}

func (s *archiveState) wakeChan() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
	}
	return s.wake
}

// config is the current request, false when archiving is not configured.
func (s *archiveState) config() (agentapi.ArchiveRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.req == nil {
		return agentapi.ArchiveRequest{}, false
	}
	return *s.req, true
}

func (s *archiveState) snapshot() agentapi.ArchiveStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

func (s *archiveState) update(f func(st *agentapi.ArchiveStatus)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.status)
}

// archiveRequest (PUT /v1/archive, operator only) stores the archiving configuration and answers
// how far archiving got. A request without a store endpoint stops archiving.
func (a *Agent) archiveRequest(w http.ResponseWriter, r *http.Request) {
	var req agentapi.ArchiveRequest
	// Unknown fields are allowed: a newer operator may send fields this agent does not know.
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxArchiveRequest)).Decode(&req); err != nil {
		http.Error(w, "archive request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if req.Store.Endpoint == "" {
		a.archive.configure(nil)
	} else if err := a.validateArchive(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	} else {
		a.archive.configure(&req)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a.archive.snapshot())
}

// validateArchive refuses a request meant for another cluster or with an unusable store, and
// bounds the interval.
func (a *Agent) validateArchive(req *agentapi.ArchiveRequest) error {
	if (req.Namespace != "" && req.Namespace != a.Env.Namespace) || (req.Cluster != "" && req.Cluster != a.Env.ClusterName) {
		return fmt.Errorf("archive request for cluster %s/%s sent to a member of %s/%s",
			req.Namespace, req.Cluster, a.Env.Namespace, a.Env.ClusterName)
	}
	if _, err := objstore.New(req.Store.Config()); err != nil {
		return fmt.Errorf("archive request: %w", err)
	}
	switch {
	case req.Interval == 0:
		req.Interval = defaultArchiveInterval
	case req.Interval < minArchiveInterval:
		req.Interval = minArchiveInterval
	}
	return nil
}

// runArchiver archives binary logs while archiving is configured and this member is the
// primary; it returns when ctx ends. One pass at a time, so the interval is the least time
// between two passes' starts only when a pass is quicker than it.
func (a *Agent) runArchiver(ctx context.Context) {
	ar := &archiver{a: a, files: map[string]fileFacts{}, keys: map[string]string{}}
	defer ar.close()
	wake := a.archive.wakeChan()
	for {
		ar.tick(ctx)
		wait := archiveIdleWait
		if req, ok := a.archive.config(); ok {
			wait = req.Interval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// tick runs one pass when archiving is configured and the server is writable, and records the
// outcome; any failure is retried by the next tick.
func (ar *archiver) tick(ctx context.Context) {
	a := ar.a
	req, ok := a.archive.config()
	if ok && a.Env.Flavor.Name() != mysql.MariaDB.Name() {
		a.archive.update(func(st *agentapi.ArchiveStatus) {
			st.Active, st.Error, st.Reason = false, "binary log archiving is MariaDB-only", ""
		})
		return
	}
	if !ok || !a.writable(ctx) {
		ar.deactivate()
		a.archive.update(func(st *agentapi.ArchiveStatus) { st.Active, st.Error, st.Reason = false, "", "" })
		return
	}
	ctx, cancel := context.WithTimeout(ctx, archivePassBudget)
	defer cancel()
	err := ar.pass(ctx, req)
	if err != nil && ctx.Err() == nil {
		a.Log.Error("binary log archiving", "err", err)
	}
	a.archive.update(func(st *agentapi.ArchiveStatus) {
		st.Active, st.Error, st.Reason = true, "", ""
		var se *archiveStoreError
		switch {
		case err != nil && errors.As(err, &se):
			st.Error, st.Reason = err.Error(), string(objstore.Classify(se.err))
		case err != nil:
			st.Error = err.Error()
		case ar.gap != "":
			st.Error, st.Reason = ar.gap, reasonGap
		}
	})
}

// archiveStoreError marks a failure of the object store, whose reason the status classifies.
type archiveStoreError struct{ err error }

func (e *archiveStoreError) Error() string { return e.err.Error() }
func (e *archiveStoreError) Unwrap() error { return e.err }

func archiveStoreErr(err error) error {
	if err == nil {
		return nil
	}
	return &archiveStoreError{err: err}
}
