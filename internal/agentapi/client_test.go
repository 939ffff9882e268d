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
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// legacyAgent serves what agents of v0.1 served: unprefixed paths, no /version.
func legacyAgent(t *testing.T, got *[]string) string {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /seed", func(w http.ResponseWriter, r *http.Request) {
		var req SeedRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		u, p, _ := r.BasicAuth()
		*got = append(*got, r.URL.Path+" "+u+":"+p+" "+req.Donor)
	})
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "a backup is already running on this member", http.StatusTooManyRequests)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestClientFallsBackToLegacyAgents(t *testing.T) {
	var got []string
	addr := legacyAgent(t, &got)
	c := Client{User: "ordinal", Password: "o"}
	ctx := context.Background()
	if err := c.RequestSeed(ctx, addr, SeedRequest{Donor: "db-0:8080"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "/seed ordinal:o db-0:8080" {
		t.Fatalf("the legacy agent saw %q, want one POST /seed with the body and credentials", got)
	}
	// The agent's refusal reaches the caller with its message, not as a fallback.
	_, err := c.Do(ctx, addr, Backup, nil)
	if err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("Do(Backup) = %v, want the agent's 429 and message", err)
	}
	v, err := c.AgentVersion(ctx, addr)
	if err != nil || v.Agent != "v0.1" || len(v.APIs) != 0 {
		t.Fatalf("AgentVersion of a v0.1 agent = %+v, %v", v, err)
	}
	// A call v0.1 did not have is not retried unprefixed.
	if _, err := c.Do(ctx, addr, Endpoint{Method: http.MethodGet, Name: "/new"}, nil); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("a v1-only call on a v0.1 agent: %v, want 404", err)
	}
}

func TestPatterns(t *testing.T) {
	if p := Seed.Patterns(); len(p) != 2 || p[0] != "POST /v1/seed" || p[1] != "POST /seed" {
		t.Errorf("Seed.Patterns() = %q", p)
	}
	if p := Version.Patterns(); len(p) != 1 || p[0] != "GET /v1/version" {
		t.Errorf("Version.Patterns() = %q", p)
	}
}

// With TLS set the client calls over HTTPS with that configuration and keeps the caller's
// timeouts; without it, it calls in plain HTTP, which an HTTPS agent refuses.
func TestClientOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(VersionInfo{Agent: "over TLS: " + strconv.FormatBool(r.TLS != nil)})
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "https://")
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	slow := &http.Transport{ResponseHeaderTimeout: 7 * time.Second}
	c := Client{HTTP: &http.Client{Timeout: 3 * time.Second, Transport: slow},
		TLS: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	if v, err := c.AgentVersion(context.Background(), addr); err != nil || v.Agent != "over TLS: true" {
		t.Fatalf("AgentVersion over TLS = %+v, %v", v, err)
	}
	h := c.httpClient()
	tr, ok := h.Transport.(*http.Transport)
	if !ok || h.Timeout != 3*time.Second || tr.ResponseHeaderTimeout != 7*time.Second || !tr.DisableKeepAlives ||
		tr.TLSClientConfig.RootCAs != roots {
		t.Errorf("the TLS client lost the caller's settings: timeout %v, transport %+v", h.Timeout, tr)
	}
	if _, err := (Client{}).AgentVersion(context.Background(), addr); err == nil {
		t.Error("a plain HTTP call to an HTTPS agent succeeded")
	}
}
