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

package agentapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Client calls agents. The zero value uses http.DefaultClient, plain HTTP and no credentials.
type Client struct {
	HTTP           *http.Client
	User, Password string
	// TLS, when set, makes the calls over HTTPS with this configuration: it verifies the agent's
	// server certificate and presents the caller's client certificate (an agent that serves TLS
	// refuses a call without one). nil calls over plain HTTP.
	TLS *tls.Config
}

// Do calls e on the agent at addr (host:port) with body (may be nil), falling back to the legacy
// path when an agent of v0.1 answers 404 on the versioned one. The caller closes the body of the
// response, whose status is 200; any other status is an error carrying the agent's message.
func (c Client) Do(ctx context.Context, addr string, e Endpoint, body []byte) (*http.Response, error) {
	resp, err := c.do(ctx, addr, e.Method, e.Path(), body)
	if err == nil && resp.StatusCode == http.StatusNotFound && e.Legacy {
		_ = resp.Body.Close()
		resp, err = c.do(ctx, addr, e.Method, e.Name, body)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s on agent %s: %w", e.Method, e.Name, addr, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, &StatusError{Call: e.Method + " " + e.Name, Addr: addr, Code: resp.StatusCode, Status: resp.Status,
			Message: strings.TrimSpace(string(msg))}
	}
	return resp, nil
}

// StatusError is an agent's answer other than 200.
type StatusError struct {
	Call, Addr string
	Code       int
	Status     string
	Message    string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s on agent %s: %s: %s", e.Call, e.Addr, e.Status, e.Message)
}

// IsBusy says the agent refused a call because it is already running one like it (409).
func IsBusy(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == http.StatusConflict
}

func (c Client) do(ctx context.Context, addr, method, path string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	scheme := "http"
	if c.TLS != nil {
		scheme = "https"
	}
	req, err := http.NewRequestWithContext(ctx, method, scheme+"://"+addr+path, r)
	if err != nil {
		return nil, err
	}
	if c.User != "" {
		req.SetBasicAuth(c.User, c.Password)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.httpClient().Do(req)
}

// httpClient is c.HTTP (http.DefaultClient when nil), over c.TLS when set: its transport (or
// the default one, when it is not an *http.Transport) with the TLS configuration. The transport
// is the call's own and keeps no idle connection, so nothing outlives the call: agents are called
// rarely, and each call may carry a different configuration (a member's name, a renewed
// certificate).
func (c Client) httpClient() *http.Client {
	h := c.HTTP
	if h == nil {
		h = http.DefaultClient
	}
	if c.TLS == nil {
		return h
	}
	base, ok := h.Transport.(*http.Transport)
	if !ok || base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	t := base.Clone()
	t.TLSClientConfig = c.TLS.Clone()
	t.DisableKeepAlives = true
	withTLS := *h
	withTLS.Transport = t
	return &withTLS
}

// RequestSeed asks the agent at addr to re-seed its member from req.Donor on its next start.
func (c Client) RequestSeed(ctx context.Context, addr string, req SeedRequest) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode seed request: %w", err)
	}
	resp, err := c.Do(ctx, addr, Seed, body)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// AgentVersion asks the agent at addr which build and API versions it serves. An agent of v0.1
// has no such call: it is reported as VersionInfo{Agent: "v0.1", APIs: nil}.
func (c Client) AgentVersion(ctx context.Context, addr string) (VersionInfo, error) {
	resp, err := c.do(ctx, addr, Version.Method, Version.Path(), nil)
	if err != nil {
		return VersionInfo{}, fmt.Errorf("GET %s on agent %s: %w", Version.Name, addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return VersionInfo{Agent: "v0.1"}, nil
	}
	var v VersionInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&v); err != nil {
		return VersionInfo{}, fmt.Errorf("decode version of agent %s: %w", addr, err)
	}
	return v, nil
}

// StartStoreBackup asks the agent at addr to start a backup of its member into the store; the
// agent answers at once with the job (Phase Running) and the backup runs on.
func (c Client) StartStoreBackup(ctx context.Context, addr string, req StoreBackupRequest) (BackupJob, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return BackupJob{}, fmt.Errorf("encode store backup request: %w", err)
	}
	return c.backupJob(ctx, addr, StartStoreBackup, body)
}

// StoreBackupStatus asks the agent at addr for its current or last store backup.
func (c Client) StoreBackupStatus(ctx context.Context, addr string) (BackupJob, error) {
	return c.backupJob(ctx, addr, StoreBackupStatus, nil)
}

func (c Client) backupJob(ctx context.Context, addr string, e Endpoint, body []byte) (BackupJob, error) {
	resp, err := c.Do(ctx, addr, e, body)
	if err != nil {
		return BackupJob{}, err
	}
	defer resp.Body.Close()
	var job BackupJob
	// A manifest with every table's checksum can be large; the bound only stops a runaway answer.
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&job); err != nil {
		return BackupJob{}, fmt.Errorf("decode %s %s of agent %s: %w", e.Method, e.Name, addr, err)
	}
	return job, nil
}

// Archive sends the member's archiving configuration to the agent at addr and answers how far
// its archiving got. A request without a store endpoint stops archiving.
func (c Client) Archive(ctx context.Context, addr string, req ArchiveRequest) (ArchiveStatus, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return ArchiveStatus{}, fmt.Errorf("encode archive request: %w", err)
	}
	resp, err := c.Do(ctx, addr, Archive, body)
	if err != nil {
		return ArchiveStatus{}, err
	}
	defer resp.Body.Close()
	var st ArchiveStatus
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return ArchiveStatus{}, fmt.Errorf("decode %s %s of agent %s: %w", Archive.Method, Archive.Name, addr, err)
	}
	return st, nil
}
