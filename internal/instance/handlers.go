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
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/version"
)

// requireAuth admits requests with HTTP Basic credentials user/password, compared in constant time.
func (a *Agent) requireAuth(user, password string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		userOK, passwordOK := equal(u, user), equal(p, password) // both, always: no early exit
		if !ok || password == "" || !userOK || !passwordOK {
			w.Header().Set("WWW-Authenticate", `Basic realm="ordinal-agent"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next(w, r)
	}
}

// equal compares in constant time; hashing first makes the time independent of the lengths too.
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// maxSeedRequest bounds the body of POST /seed.
const maxSeedRequest = 4096

// seedRequest (POST /seed, operator only) writes the seed marker into the datadir; the operator
// then deletes the pod and init re-creates the datadir from the donor when the pod starts again.
// The running server is not touched. A writable server (the primary) is refused; a server that
// does not answer may be seeded.
func (a *Agent) seedRequest(w http.ResponseWriter, r *http.Request) {
	req, err := decodeSeedRequest(http.MaxBytesReader(w, r.Body, maxSeedRequest))
	if err == nil {
		err = a.notSelf(req.Donor)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if a.writable(r.Context()) {
		http.Error(w, "this member is writable (the primary): it is never re-seeded", http.StatusConflict)
		return
	}
	// Read after the writable check: a commit of this member's own from here on proves the
	// marker stale (staleMarker).
	m := SeedMarker{Donor: req.Donor, KeepAside: req.KeepAside, DonorTLS: req.DonorTLS,
		GTIDBinlogState: a.binlogState(r.Context())}
	m.Requested = a.Now().UTC()
	if err := writeMarker(a.Paths.SeedMarker(), m); err != nil {
		a.Log.Error("seed request", "err", err)
		http.Error(w, "write seed marker: "+err.Error(), http.StatusInternalServerError)
		return
	}
	a.Log.Info("seed requested: the datadir is re-created from the donor on the next start", "donor", req.Donor,
		"keepAside", req.KeepAside, "gtid_binlog_state", m.GTIDBinlogState)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(m)
}

func decodeSeedRequest(body io.Reader) (agentapi.SeedRequest, error) {
	var req agentapi.SeedRequest
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("seed request: %w", err)
	}
	if dec.More() {
		return req, errors.New("seed request: trailing data after the JSON object")
	}
	if err := errors.Join(validateDonor(req.Donor), validateKeepAside(req.KeepAside)); err != nil {
		return req, fmt.Errorf("seed request: %w", err)
	}
	return req, nil
}

// notSelf refuses this member as its own donor.
func (a *Agent) notSelf(donor string) error {
	host, _, _ := net.SplitHostPort(donor)
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == a.Env.PodIP || host == strings.ToLower(a.Env.PodName) ||
		strings.HasPrefix(host, strings.ToLower(a.Env.PodName+"."+a.Env.ServiceName+".")) {
		return fmt.Errorf("seed request: %s is this member; it cannot seed from itself", donor)
	}
	return nil
}

// binlogState is the server's gtid_binlog_state, nil when it does not answer or is not MariaDB.
func (a *Agent) binlogState(ctx context.Context) *string {
	if a.Env.Flavor.Name() != mysql.MariaDB.Name() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	state, err := a.db.GTIDBinlogState(ctx)
	if err != nil {
		return nil
	}
	return &state
}

// quarantine (GET /quarantine, operator only) lists what re-seeds kept aside (QuarantineDirName),
// so the operator can name it in status and events. Nothing here deletes anything.
func (a *Agent) quarantine(w http.ResponseWriter, _ *http.Request) {
	entries, err := listQuarantine(a.Paths.DataDir)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(QuarantineList{Directories: entries})
}

// QuarantineList is the answer of GET /quarantine.
type QuarantineList struct {
	// Directories are the kept-aside directories, oldest first; empty when nothing was kept.
	Directories []QuarantineEntry `json:"directories"`
}

// version (GET /v1/version) names this agent's build and the API versions it serves.
func (a *Agent) version(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(agentapi.VersionInfo{Agent: version.Version, APIs: []string{agentapi.APIVersion}})
}
