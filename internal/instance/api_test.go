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
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/version"
)

// TestVersionedAPI: the operator's client reaches the agent's calls under /v1, and the agent still
// serves v0.1's unprefixed paths with the same credentials.
func TestVersionedAPI(t *testing.T) {
	a := testAgent(t, "mariadb")
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()

	v, err := agentapi.Client{}.AgentVersion(ctx, addr)
	if err != nil || v.Agent != version.Version || !slices.Equal(v.APIs, []string{"v1"}) {
		t.Fatalf("AgentVersion = %+v, %v", v, err)
	}
	if err := (agentapi.Client{User: "ordinal", Password: "wrong"}).RequestSeed(ctx, addr, agentapi.SeedRequest{Donor: "db-0.db.ns.svc:8080"}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("seed with a wrong password: %v, want 401", err)
	}
	op := agentapi.Client{User: "ordinal", Password: "o"}
	if err := op.RequestSeed(ctx, addr, agentapi.SeedRequest{Donor: "db-0.db.ns.svc:8080", KeepAside: "errant: 0-1-2"}); err != nil {
		t.Fatal(err)
	}
	if m, ok, err := readMarker(a.Paths.SeedMarker()); !ok || err != nil || m.KeepAside != "errant: 0-1-2" {
		t.Fatalf("marker after /v1/seed: %+v %v %v", m, ok, err)
	}
	for _, path := range []string{"/v1/seed", "/seed"} {
		if code, _ := call(a, "POST", path, "repl", "p", `{"donor":"db-0.db.ns.svc:8080"}`); code != http.StatusUnauthorized {
			t.Errorf("POST %s as the replication account = %d, want 401", path, code)
		}
	}
	for _, path := range []string{"/v1/quarantine", "/quarantine"} {
		if code, body := call(a, "GET", path, "ordinal", "o", ""); code != http.StatusOK {
			t.Errorf("GET %s = %d %s", path, code, body)
		}
	}
	if code, _ := call(a, "GET", "/v2/seed", "ordinal", "o", ""); code != http.StatusNotFound {
		t.Errorf("an unknown API version must be 404 (clients fall back on it), got %d", code)
	}
}
