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
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
)

func archiveBody(extra string) string {
	return `{"namespace":"ns","cluster":"db","store":{"endpoint":"http://127.0.0.1:9","bucket":"bkt","prefix":"p"}` +
		extra + `}`
}

func TestArchiveRequest(t *testing.T) {
	a := testAgent(t, "mariadb")
	if code, _ := call(a, "PUT", "/v1/archive", "", "", archiveBody("")); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d, want 401", code)
	}
	if code, _ := call(a, "PUT", "/v1/archive", "repl", "p", archiveBody("")); code != http.StatusUnauthorized {
		t.Errorf("as the replication account: %d, want 401", code)
	}
	for _, bad := range []string{
		`{`,
		`{"cluster":"other","store":{"endpoint":"127.0.0.1:9","bucket":"bkt"}}`,
		`{"namespace":"other","store":{"endpoint":"127.0.0.1:9","bucket":"bkt"}}`,
		`{"store":{"endpoint":"127.0.0.1:9"}}`,                      // no bucket
		`{"store":{"endpoint":"ftp://127.0.0.1:9","bucket":"bkt"}}`, // not http(s)
	} {
		if code, body := call(a, "PUT", "/v1/archive", "ordinal", "o", bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
	if _, ok := a.archive.config(); ok {
		t.Fatal("a refused request configured archiving")
	}
	code, body := call(a, "PUT", "/v1/archive", "ordinal", "o", archiveBody(`,"future":1`))
	if code != http.StatusOK || !strings.Contains(body, `"active":false`) {
		t.Fatalf("PUT /v1/archive = %d %s", code, body)
	}
	req, ok := a.archive.config()
	if !ok || req.Interval != defaultArchiveInterval || req.Store.Bucket != "bkt" {
		t.Fatalf("config %+v %v, want the default interval", req, ok)
	}
	call(a, "PUT", "/v1/archive", "ordinal", "o", archiveBody(`,"interval":1000`))
	if req, _ := a.archive.config(); req.Interval != minArchiveInterval {
		t.Errorf("interval %v, want the minimum %v", req.Interval, minArchiveInterval)
	}
	if code, _ := call(a, "PUT", "/v1/archive", "ordinal", "o", `{"store":{}}`); code != http.StatusOK {
		t.Errorf("stop: %d", code)
	}
	if _, ok := a.archive.config(); ok {
		t.Error("a request without a store must stop archiving")
	}
}

// TestArchiverInactive: a configured member whose server does not answer (so is not known to be
// writable) does not archive, and the client reads its status.
func TestArchiverInactive(t *testing.T) {
	a := testAgent(t, "mariadb")
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { a.runArchiver(ctx); close(done) }()
	op := agentapi.Client{User: "ordinal", Password: "o"}
	addr := strings.TrimPrefix(srv.URL, "http://")
	req := agentapi.ArchiveRequest{Namespace: "ns", Cluster: "db", Interval: time.Second,
		Store: agentapi.Store{Endpoint: "http://127.0.0.1:9", Bucket: "bkt"}}
	st, err := op.Archive(ctx, addr, req)
	if err != nil || st.Active {
		t.Fatalf("Archive = %+v, %v", st, err)
	}
	time.Sleep(1500 * time.Millisecond) // a tick or two
	if st, err = op.Archive(ctx, addr, req); err != nil || st.Active || st.Error != "" {
		t.Errorf("a member that is not writable: %+v, %v; want inactive without error", st, err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the archiver did not stop with its context")
	}
	my := testAgent(t, "mysql")
	my.archive.configure(&req)
	ar := &archiver{a: my, files: map[string]fileFacts{}, keys: map[string]string{}}
	ar.tick(context.Background())
	if st := my.archive.snapshot(); st.Active || !strings.Contains(st.Error, "MariaDB-only") {
		t.Errorf("MySQL member: %+v", st)
	}
}
