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
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

const storeBackupBody = `{"name":"nightly-1","namespace":"ns","cluster":"db","checksums":true,
	"store":{"endpoint":"http://127.0.0.1:9000","bucket":"backups","prefix":"ns/db","accessKey":"a","secretKey":"s"}}`

func TestDecodeStoreBackupRequest(t *testing.T) {
	req, b, err := decodeStoreBackupRequest(strings.NewReader(storeBackupBody))
	if err != nil || b == nil {
		t.Fatalf("valid request: %v", err)
	}
	if req.Name != "nightly-1" || !req.Checksums || req.Store.Bucket != "backups" || req.Store.Prefix != "ns/db" {
		t.Errorf("decoded %+v", req)
	}
	for name, body := range map[string]string{
		"not json":        `name=x`,
		"empty":           ``,
		"unknown field":   `{"name":"x","store":{"endpoint":"h:1","bucket":"bb1"},"force":true}`,
		"trailing data":   `{"name":"x","store":{"endpoint":"h:1","bucket":"bb1"}} {}`,
		"no name":         `{"store":{"endpoint":"h:1","bucket":"bb1"}}`,
		"slash in name":   `{"name":"a/b","store":{"endpoint":"h:1","bucket":"bb1"}}`,
		"dot name":        `{"name":"..","store":{"endpoint":"h:1","bucket":"bb1"}}`,
		"long name":       `{"name":"` + strings.Repeat("a", 254) + `","store":{"endpoint":"h:1","bucket":"bb1"}}`,
		"no endpoint":     `{"name":"x","store":{"bucket":"bb1"}}`,
		"no bucket":       `{"name":"x","store":{"endpoint":"h:1"}}`,
		"half a key pair": `{"name":"x","store":{"endpoint":"h:1","bucket":"bb1","accessKey":"a"}}`,
		"endpoint path":   `{"name":"x","store":{"endpoint":"http://h:1/bucket","bucket":"bb1"}}`,
	} {
		if _, _, err := decodeStoreBackupRequest(strings.NewReader(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestStoreBackupHandlers(t *testing.T) {
	a := testAgent(t, "mariadb")
	for _, c := range []struct{ method, user, password string }{
		{"POST", "", ""}, {"POST", "repl", "p"}, {"GET", "ordinal", "wrong"}, {"GET", "root", "r"},
	} {
		if code, _ := call(a, c.method, "/v1/store-backups", c.user, c.password, storeBackupBody); code != http.StatusUnauthorized {
			t.Errorf("%s as %q: %d, want 401", c.method, c.user, code)
		}
	}
	code, body := call(a, "GET", "/v1/store-backups", "ordinal", "o", "")
	var job agentapi.BackupJob
	if code != http.StatusOK || json.Unmarshal([]byte(body), &job) != nil || job.Name != "" {
		t.Errorf("GET before any backup = %d %s, want 200 and no job", code, body)
	}
	if code, msg := call(a, "POST", "/v1/store-backups", "ordinal", "o", `{"name":"x"}`); code != http.StatusBadRequest {
		t.Errorf("POST without a store = %d %s, want 400", code, msg)
	}
	// A peer's backup holds the slot: the store backup waits for it, and the reverse.
	a.backups <- struct{}{}
	if code, msg := call(a, "POST", "/v1/store-backups", "ordinal", "o", storeBackupBody); code != http.StatusConflict {
		t.Errorf("POST while a backup runs = %d %s, want 409", code, msg)
	}
	<-a.backups
	if code, _ := call(a, "DELETE", "/v1/store-backups", "ordinal", "o", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE = %d, want 405", code)
	}

	my := testAgent(t, "mysql")
	for _, method := range []string{"POST", "GET"} {
		code, msg := call(my, method, "/v1/store-backups", "ordinal", "o", storeBackupBody)
		if code != http.StatusNotImplemented || !strings.Contains(msg, "MariaDB-only") || !strings.Contains(msg, "xtrabackup") &&
			!strings.Contains(msg, "XtraBackup") {
			t.Errorf("MySQL %s = %d %q, want 501 saying why", method, code, msg)
		}
	}
}

// TestStoreBackupJob: the job's states as the operator sees them, and a store error classified.
func TestStoreBackupJob(t *testing.T) {
	var s storeBackups
	s.stop(time.Second) // nothing running: returns at once
	t0 := time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)
	ctx, n := s.begin("b1", t0)
	n.Add(1234)
	if j := s.snapshot(); j.Name != "b1" || j.Phase != agentapi.JobRunning || j.Bytes != 1234 || !j.Started.Equal(t0) {
		t.Errorf("running job %+v", j)
	}
	s.finish(&backupResult{manifest: backup.Manifest{Name: "b1", Size: 1234}}, nil)
	if j := s.snapshot(); j.Phase != agentapi.JobSucceeded || j.Manifest == nil || j.Manifest.Size != 1234 || j.Error != "" {
		t.Errorf("succeeded job %+v", j)
	}
	if ctx.Err() == nil {
		t.Error("a finished job's context is still live")
	}
	ctx, _ = s.begin("b2", t0)
	go func() { <-ctx.Done(); s.finish(nil, withCause(ctx, errors.New("killed"))) }()
	s.stop(10 * time.Second)
	if j := s.snapshot(); j.Phase != agentapi.JobFailed || !strings.Contains(j.Error, "shutting down") || j.Reason != "" {
		t.Errorf("job stopped by the agent's shutdown %+v", j)
	}
	s.begin("b3", t0)
	s.finish(nil, asStoreError(errors.New("dial tcp 127.0.0.1:1: connection refused")))
	if j := s.snapshot(); j.Phase != agentapi.JobFailed || j.Reason == "" {
		t.Errorf("a store error is classified: %+v", j)
	}
}

func TestManifestBuilding(t *testing.T) {
	env := Env{PodName: "db-1", Namespace: "ns", ClusterName: "db", Flavor: mysql.MariaDB}
	m := newManifest(agentapi.StoreBackupRequest{Name: "b1"}, env, "10.11.19-MariaDB-log", "0-100-5,0-101-9")
	point := time.Date(2026, 5, 1, 2, 3, 4, 0, time.FixedZone("x", 3600))
	m.Start = point.Add(-time.Minute)
	m = completeManifest(m, streamed{size: 42, sha256: "ab", position: "0-101-9", point: point})
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := backup.ParseManifest(data)
	if err != nil {
		t.Fatalf("the manifest does not parse back: %v", err)
	}
	want := backup.Manifest{Version: 1, Name: "b1", Namespace: "ns", Cluster: "db", Engine: "mariadb",
		ServerVersion: "10.11.19-MariaDB-log", Member: "db-1", GTIDPosition: "0-101-9", BinlogState: "0-100-5,0-101-9",
		Start: m.Start, End: point.UTC(), Format: "xbstream", Compression: "gzip", Size: 42, SHA256: "ab"}
	if got.Start.Equal(want.Start) {
		got.Start = want.Start
	}
	if !manifestsEqual(got, want) || got.End.Location() != time.UTC {
		t.Errorf("manifest\n got %+v\nwant %+v", got, want)
	}
	if m := newManifest(agentapi.StoreBackupRequest{Name: "b", Namespace: "other", Cluster: "c"}, env, "v", ""); m.Namespace != "other" || m.Cluster != "c" {
		t.Errorf("the request's namespace and cluster win: %+v", m)
	}
}

func manifestsEqual(a, b backup.Manifest) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestPositionLine(t *testing.T) {
	var p positionLine
	if _, _, err := p.get(); err == nil || !strings.Contains(err.Error(), "no binary log position") {
		t.Errorf("no line: %v", err)
	}
	line := "[00] 2026-12-01 07:43:46 MySQL binlog position: filename 'binlog.000001', position '753', " +
		"GTID of the last change '0-7-1,3-7-1'\n"
	for _, chunk := range []string{"[00] 2026 Streaming x\n", line[:30], line[30:70], line[70:], "[00] completed OK!\n"} {
		_, _ = p.Write([]byte(chunk))
	}
	pos, at, err := p.get()
	if err != nil || pos != "0-7-1,3-7-1" || at.IsZero() {
		t.Errorf("split line: %q %v %v", pos, at, err)
	}
	var empty positionLine
	_, _ = empty.Write([]byte("MySQL binlog position: filename 'binlog.000001', position '325', GTID of the last change ''\n"))
	if pos, _, err := empty.get(); err != nil || pos != "" {
		t.Errorf("a server without transactions: %q %v", pos, err)
	}
	var bad positionLine
	_, _ = bad.Write([]byte("GTID of the last change 'garbage'\n"))
	if _, _, err := bad.get(); err == nil {
		t.Error("an invalid position was accepted")
	}
}

func TestPausable(t *testing.T) {
	running := &mysql.Replication{IOState: "Yes", IORunning: true, SQLRunning: true}
	for _, c := range []struct {
		st   mysql.Status
		want bool
	}{
		{mysql.Status{ReadOnly: true, Replication: running}, true},
		{mysql.Status{ReadOnly: false, Replication: running}, false}, // writable: the primary
		{mysql.Status{ReadOnly: true}, false},                        // no replication
		{mysql.Status{ReadOnly: true, Replication: &mysql.Replication{IOState: "No", SQLRunning: true}}, false},
		{mysql.Status{ReadOnly: true, Replication: &mysql.Replication{IOState: "Yes", IORunning: true}}, false},
	} {
		if got := pausable(c.st); got != c.want {
			t.Errorf("pausable(%+v, %+v) = %v", c.st, c.st.Replication, got)
		}
	}
}
