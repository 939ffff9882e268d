//go:build integration

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
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// TestInitEmptyDatadir: init on an empty datadir makes a server that starts read-only, has the
// three accounts with their passwords and no GTID; a second init changes nothing.
func TestInitEmptyDatadir(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := newTestPod(t, 3, "127.0.0.53")
	// A lost+found directory on the fresh volume must survive, leftovers of a crashed attempt not.
	must(t, os.Mkdir(filepath.Join(p.paths.DataDir, lostFound), 0o700))
	must(t, os.WriteFile(filepath.Join(p.paths.DataDir, "ibdata1"), []byte("half-written"), 0o640))
	t0 := time.Now()
	must(t, p.init().Run(ctx))
	t.Logf("init of an empty datadir took %v", time.Since(t0).Round(time.Millisecond))
	if _, err := os.Stat(filepath.Join(p.paths.DataDir, lostFound)); err != nil {
		t.Errorf("lost+found: %v", err)
	}
	if _, err := os.Stat(filepath.Join(p.paths.DataDir, stagingName)); !os.IsNotExist(err) {
		t.Errorf("staging dir left behind: %v", err)
	}
	cnf, err := os.ReadFile(p.paths.MemberConfig())
	must(t, err)
	for _, want := range []string{"server_id=103\n", "report_host=db-3.db.ns.svc\n", "bind_address=127.0.0.53\n", "read_only=ON\n"} {
		if !strings.Contains(string(cnf), want) {
			t.Errorf("member config lacks %q", want)
		}
	}

	p.startServer()
	root := p.db("root", mysqltest.RootPassword)
	got := query(t, root, "SELECT CONCAT_WS('|', @@read_only, @@server_id, @@report_host, @@gtid_binlog_state, @@gtid_current_pos, @@gtid_slave_pos)")
	if got != "ON|103|db-3.db.ns.svc|||" {
		t.Errorf("read_only|server_id|report_host|binlog state|current pos|slave pos = %q", got)
	}
	checkAccounts(t, p)
	// The fence holds for every account, root included: none keeps READ_ONLY ADMIN. The operator's
	// account can still move the fence.
	if _, err := root.Exec("CREATE DATABASE fenced"); mysql.ErrorNumber(err) != 1290 {
		t.Errorf("root wrote through read_only: %v", err)
	}
	op := p.db("ordinal", operatorPassword)
	exec1(t, op, "SET GLOBAL read_only = OFF")
	exec1(t, op, "SET GLOBAL read_only = ON")

	// The agent: ready and live while the server answers.
	_, addr := p.agent()
	for _, path := range []string{"/readyz", "/livez"} {
		if code, body := get(t, "http://"+addr+path); code != http.StatusOK {
			t.Errorf("%s = %d %s", path, code, body)
		}
	}

	// A seed marker on a writable server (the primary) is stale and goes; on a read-only one it stays.
	must(t, writeMarker(p.paths.SeedMarker(), SeedMarker{Donor: "db-0.db.ns.svc:8080"}))
	get(t, "http://"+addr+"/readyz")
	if _, ok, _ := readMarker(p.paths.SeedMarker()); !ok {
		t.Fatal("readyz removed the seed marker of a read-only member")
	}
	exec1(t, op, "SET GLOBAL read_only = OFF")
	if code := post(t, "http://"+addr+"/seed", "ordinal", operatorPassword, []byte(`{"donor":"db-0.db.ns.svc:8080"}`)); code != http.StatusConflict {
		t.Errorf("POST /seed to a writable member = %d, want 409", code)
	}
	get(t, "http://"+addr+"/readyz")
	if _, ok, _ := readMarker(p.paths.SeedMarker()); ok {
		t.Error("the seed marker of a writable member (the primary) was kept")
	}
	exec1(t, op, "SET GLOBAL read_only = ON")

	// A restart: init leaves the datadir exactly as it was.
	p.stopServer()
	before := snapshot(t, p.paths.DataDir)
	time.Sleep(10 * time.Millisecond) // a rewritten file would get a later mtime
	must(t, p.init().Run(ctx))
	if after := snapshot(t, p.paths.DataDir); after != before {
		t.Errorf("init changed an existing datadir:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if code, _ := get(t, "http://"+addr+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the server stopped = %d", code)
	}
}

// checkAccounts: root (socket and TCP), repl and ordinal log in with their passwords only;
// no password-less or anonymous account is left.
func checkAccounts(t *testing.T, p *testPod) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for user, pw := range map[string]string{"root": mysqltest.RootPassword, "repl": mysqltest.ReplPassword, "ordinal": operatorPassword} {
		if err := p.db(user, pw).PingContext(ctx); err != nil {
			t.Errorf("%s cannot log in: %v", user, err)
		}
		if err := p.db(user, pw+"x").PingContext(ctx); err == nil {
			t.Errorf("%s logs in with a wrong password", user)
		}
	}
	root := p.db("root", mysqltest.RootPassword)
	if n := query(t, root, "SELECT COUNT(*) FROM mysql.user WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '%'))"); n != "0" {
		t.Errorf("%s extra root or anonymous accounts", n)
	}
	grants := query(t, root, "SELECT GROUP_CONCAT(PRIVILEGE_TYPE ORDER BY PRIVILEGE_TYPE) FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = \"'repl'@'%'\"")
	if grants != "BINLOG MONITOR,REPLICATION SLAVE" {
		t.Errorf("repl privileges = %q", grants)
	}
	if g := query(t, root, "SELECT IS_GRANTABLE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = \"'ordinal'@'%'\" AND PRIVILEGE_TYPE = 'SUPER'"); g != "YES" {
		t.Errorf("ordinal lacks SUPER WITH GRANT OPTION (%q)", g)
	}
	// Over the socket, as the agent connects.
	if err := p.init().pingSocket(ctx); err != nil {
		t.Errorf("ordinal over the socket: %v", err)
	}
}

// pingSocket pings the running server over its socket as the operator's account.
func (in *Init) pingSocket(ctx context.Context) error {
	a, err := NewAgent(in.Env, in.Paths, in.Tools, in.Log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.db.Ping(ctx)
}

// snapshot lists every file under dir with its size, mtime and digest.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		sum := ""
		if d.Type().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", h.Sum(nil))[:12]
		}
		fmt.Fprintf(&b, "%s %v %d %s %s\n", rel, info.Mode(), info.Size(), info.ModTime().Format(time.RFC3339Nano), sum)
		return nil
	})
	must(t, err)
	return b.String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
