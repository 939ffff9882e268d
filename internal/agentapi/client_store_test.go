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
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStoreBackupClient(t *testing.T) {
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/store-backups", func(w http.ResponseWriter, r *http.Request) {
		var req StoreBackupRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		u, _, _ := r.BasicAuth()
		got = append(got, "POST "+u+" "+req.Name+" "+req.Store.Bucket)
		if req.Name == "busy" {
			http.Error(w, "a backup is already running on this member", http.StatusConflict)
			return
		}
		_ = json.NewEncoder(w).Encode(BackupJob{Name: req.Name, Phase: JobRunning})
	})
	mux.HandleFunc("GET /v1/store-backups", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"name":"b1","phase":"Failed","bytes":7,"error":"store full","reason":"StoreFull"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	c := Client{User: "ordinal", Password: "o"}
	ctx := context.Background()
	job, err := c.StartStoreBackup(ctx, addr, StoreBackupRequest{Name: "b1", Store: Store{Bucket: "bk"}})
	if err != nil || job.Name != "b1" || job.Phase != JobRunning {
		t.Fatalf("StartStoreBackup = %+v, %v", job, err)
	}
	if len(got) != 1 || got[0] != "POST ordinal b1 bk" {
		t.Errorf("the agent saw %q", got)
	}
	if _, err := c.StartStoreBackup(ctx, addr, StoreBackupRequest{Name: "busy"}); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("a busy agent: %v, want its 409", err)
	}
	job, err = c.StoreBackupStatus(ctx, addr)
	if err != nil || job.Phase != JobFailed || job.Reason != "StoreFull" || job.Bytes != 7 {
		t.Errorf("StoreBackupStatus = %+v, %v", job, err)
	}
}
