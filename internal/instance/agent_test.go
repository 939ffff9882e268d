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
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func testAgent(t *testing.T, flavor string) *Agent {
	m := podEnv()
	m["MYSQL_FLAVOR"] = flavor
	e, err := LoadEnv(getenv(m))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAgent(e, testPaths(t), Tools{Backup: "/nonexistent/mariadb-backup"}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// call runs one request through the agent's handler.
func call(a *Agent, method, path, user, password, body string) (int, string) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if user != "" || password != "" {
		r.SetBasicAuth(user, password)
	}
	w := httptest.NewRecorder()
	a.Handler().ServeHTTP(w, r)
	return w.Code, strings.TrimSpace(w.Body.String())
}

func TestAuth(t *testing.T) {
	a := testAgent(t, "mariadb")
	seed := `{"donor":"db-0.db.ns.svc:8080"}`
	for _, tc := range []struct {
		method, path, user, password string
	}{
		{"POST", "/seed", "", ""},
		{"POST", "/seed", "ordinal", "wrong"},
		{"POST", "/seed", "repl", "p"},       // the replication account may not ask for a seed
		{"POST", "/seed", "ordinal", "o "},   // no trimming
		{"GET", "/backup", "", ""},           // no credentials
		{"GET", "/backup", "repl", "wrong"},  // wrong password
		{"GET", "/backup", "ordinal", "o"},   // the operator does not fetch backups
		{"GET", "/backup", "root", "r"},      // nor does root
		{"GET", "/backup", "repl", "p\x00x"}, // no prefix match
	} {
		code, _ := call(a, tc.method, tc.path, tc.user, tc.password, seed)
		if code != http.StatusUnauthorized {
			t.Errorf("%s %s as %q/%q = %d, want 401", tc.method, tc.path, tc.user, tc.password, code)
		}
	}
	if _, ok, _ := readMarker(a.Paths.SeedMarker()); ok {
		t.Fatal("an unauthenticated request wrote the seed marker")
	}
	if code, body := call(a, "POST", "/seed", "ordinal", "o", seed); code != http.StatusOK {
		t.Fatalf("authenticated /seed = %d %s", code, body)
	}
	m, ok, err := readMarker(a.Paths.SeedMarker())
	if !ok || err != nil || m.Donor != "db-0.db.ns.svc:8080" || m.Requested.IsZero() {
		t.Errorf("marker %+v, %v, %v", m, ok, err)
	}
}

func TestSeedRequestValidation(t *testing.T) {
	a := testAgent(t, "mariadb")
	for name, body := range map[string]string{
		"not json":       `donor=db-0:8080`,
		"empty":          ``,
		"no donor":       `{}`,
		"unknown field":  `{"donor":"db-0.db.ns.svc:8080","force":true}`,
		"trailing data":  `{"donor":"db-0.db.ns.svc:8080"} {}`,
		"no port":        `{"donor":"db-0.db.ns.svc"}`,
		"bad port":       `{"donor":"db-0.db.ns.svc:99999"}`,
		"path in host":   `{"donor":"evil/x:8080"}`,
		"self by host":   `{"donor":"db-2.db.ns.svc:8080"}`,
		"self by fqdn":   `{"donor":"DB-2.db.ns.svc.cluster.local.:8080"}`,
		"self by ip":     `{"donor":"127.10.1.3:8080"}`,
		"self by name":   `{"donor":"db-2:8080"}`,
		"too large body": `{"donor":"db-0.db.ns.svc:8080","x":"` + strings.Repeat("a", maxSeedRequest) + `"}`,
	} {
		if code, msg := call(a, "POST", "/seed", "ordinal", "o", body); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, code, msg)
		}
	}
	if _, ok, _ := readMarker(a.Paths.SeedMarker()); ok {
		t.Error("an invalid request wrote the seed marker")
	}
	if code, _ := call(a, "GET", "/seed", "ordinal", "o", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /seed = %d", code)
	}
	// The marker goes into the datadir; a datadir that cannot be written is a server error.
	a.Paths.DataDir = "/nonexistent/data"
	if code, _ := call(a, "POST", "/seed", "ordinal", "o", `{"donor":"db-0.db.ns.svc:8080"}`); code != http.StatusInternalServerError {
		t.Errorf("unwritable datadir: %d", code)
	}
}

func TestBackupRefusals(t *testing.T) {
	a := testAgent(t, "mariadb")
	a.backups <- struct{}{} // a backup is running
	if code, body := call(a, "GET", "/backup", "repl", "p", ""); code != http.StatusTooManyRequests {
		t.Errorf("second backup = %d %s, want 429", code, body)
	}
	<-a.backups
	// The server is not running: the binary log state cannot be read.
	if code, _ := call(a, "GET", "/backup", "repl", "p", ""); code != http.StatusServiceUnavailable {
		t.Errorf("backup without a server = %d", code)
	}
	if len(a.backups) != 0 {
		t.Error("a refused backup kept the slot")
	}
	my := testAgent(t, "mysql")
	if code, body := call(my, "GET", "/backup", "repl", "p", ""); code != http.StatusNotImplemented || !strings.Contains(body, "MySQL") {
		t.Errorf("MySQL backup = %d %s", code, body)
	}
}

func TestHealthWithoutServer(t *testing.T) {
	a := testAgent(t, "mariadb")
	if code, _ := call(a, "GET", "/readyz", "", "", ""); code != http.StatusServiceUnavailable {
		t.Errorf("readyz without a server = %d", code)
	}
	if code, body := call(a, "GET", "/livez", "", "", ""); code != http.StatusOK || !strings.Contains(body, "starting") {
		t.Errorf("livez while the server has not started = %d %s", code, body)
	}
	a.StartupBudget = 0
	if code, _ := call(a, "GET", "/livez", "", "", ""); code != http.StatusServiceUnavailable {
		t.Errorf("livez past the startup budget = %d", code)
	}
}

// TestLivezHungServer: a socket that accepts connections but never answers is a hung server.
func TestLivezHungServer(t *testing.T) {
	a := testAgent(t, "mariadb")
	l, err := net.Listen("unix", a.Paths.Socket())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the listener closes
		}
	}()
	a.HungAfter = time.Hour
	if code, body := call(a, "GET", "/livez", "", "", ""); code != http.StatusOK || !strings.Contains(body, "not answered") {
		t.Errorf("livez, first silent probe = %d %s", code, body)
	}
	a.HungAfter = 0
	if code, _ := call(a, "GET", "/livez", "", "", ""); code != http.StatusServiceUnavailable {
		t.Errorf("livez of a hung server = %d", code)
	}
}

func TestLiveness(t *testing.T) {
	var l liveness
	t0 := time.Unix(1000, 0)
	steps := []struct {
		p    probeResult
		at   time.Duration
		live bool
	}{
		{notListening, 0, true},
		{notListening, 59 * time.Minute, true}, // crash recovery takes its time
		{answering, 60 * time.Minute, true},
		{unresponsive, 61 * time.Minute, true},
		{unresponsive, 61*time.Minute + 59*time.Second, true},
		{unresponsive, 62 * time.Minute, false}, // hung for a minute
		{notListening, 63 * time.Minute, true},  // restarted: recovering again
		{unresponsive, 64 * time.Minute, true},  // a new hung period starts from scratch
		{notListening, 124 * time.Minute, true},
		{notListening, 184 * time.Minute, false}, // never came back within the budget
		{answering, 185 * time.Minute, true},
	}
	for i, s := range steps {
		if live, why := l.observe(s.p, t0.Add(s.at), time.Minute, time.Hour); live != s.live {
			t.Errorf("step %d (%v at %v): live %v (%s), want %v", i, s.p, s.at, live, why, s.live)
		}
	}
}

func TestInstallTools(t *testing.T) {
	dir := t.TempDir()
	if err := InstallToolsMain([]string{dir}); err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	want, _ := os.ReadFile(self)
	got, err := os.ReadFile(dir + "/ordinal")
	fi, _ := os.Stat(dir + "/ordinal")
	if err != nil || string(got) != string(want) || fi.Mode().Perm() != 0o755 {
		t.Errorf("copied binary: err %v, equal %v, mode %v", err, string(got) == string(want), fi.Mode())
	}
	for _, args := range [][]string{nil, {""}, {dir, dir}} {
		if err := InstallToolsMain(args); err == nil {
			t.Errorf("install-tools %q accepted", args)
		}
	}
}
