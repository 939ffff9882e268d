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
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// freshMember initialises a pod's datadir, starts its server and commits n transactions of its
// own (as the operator's account, which may lift the fence): they are errant for any cluster.
func freshMember(t *testing.T, ctx context.Context, ordinal int, ip string, n int) (*testPod, string) {
	p := newTestPod(t, ordinal, ip)
	must(t, p.init().Run(ctx))
	p.startServer()
	op := p.db(mysql.AccountOperator, operatorPassword)
	exec1(t, op, "SET GLOBAL read_only=OFF")
	exec1(t, op, "CREATE TABLE mysql.errant (id INT PRIMARY KEY) ENGINE=InnoDB")
	for i := range n {
		exec1(t, op, "INSERT INTO mysql.errant VALUES (?)", i)
	}
	exec1(t, op, "SET GLOBAL read_only=ON")
	return p, query(t, op, "SELECT @@gtid_binlog_state")
}

// TestKeepAsideErrant: a member re-seeded with keepAside keeps every binary log file holding its
// errant transactions in the quarantine directory, which the seed's wipe, a later restart and
// mariadb-backup (seeding others from this member) all leave alone, and which GET /quarantine lists.
func TestKeepAsideErrant(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	d := newDonorCluster(t, ctx)
	p, state := freshMember(t, ctx, 5, "127.0.0.55", 3)
	_, addr := p.agent()
	reason := "errant: " + state
	body := `{"donor":"` + d.agents[1] + `","keepAside":"` + reason + `"}`
	if code := post(t, "http://"+addr+"/seed", "ordinal", operatorPassword, []byte(body)); code != http.StatusOK {
		t.Fatalf("POST /seed = %d", code)
	}
	p.stopServer()
	must(t, p.init().Run(ctx))

	list := getQuarantine(t, addr)
	if len(list.Directories) != 1 || list.Directories[0].Manifest == nil {
		t.Fatalf("/quarantine = %+v", list)
	}
	q := list.Directories[0]
	if m := q.Manifest; m.Reason != reason || m.Member != "db-5" || m.GTIDBinlogState == nil || *m.GTIDBinlogState != state {
		t.Errorf("manifest %+v, want reason %q and state %q", m, reason, state)
	}
	if got := binlogGTIDs(t, q.Path); !strings.Contains(got, "GTID "+state+" ") {
		t.Errorf("kept binary logs lack the last errant transaction %s:\n%s", state, got)
	}
	p.startServer()
	root := p.db("root", mysqltest.RootPassword)
	if n := query(t, root, "SELECT COUNT(*) FROM app.t"); n != strconv.Itoa(d.rows) {
		t.Errorf("re-seeded member has %s rows, want %d", n, d.rows)
	}
	t.Logf("SHOW DATABASES on the re-seeded member: %s",
		query(t, root, "SELECT GROUP_CONCAT(schema_name ORDER BY schema_name) FROM information_schema.schemata"))
	if unpacked := streamedNames(t, ctx, addr); strings.Contains(unpacked, QuarantineDirName) {
		t.Errorf("mariadb-backup streamed the quarantine directory: %s", unpacked)
	}
	p.stopServer()
	must(t, p.init().Run(ctx)) // a plain restart
	if again := getQuarantine(t, addr); len(again.Directories) != 1 {
		t.Errorf("after a restart: %+v", again)
	}
}

func getQuarantine(t *testing.T, addr string) QuarantineList {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/quarantine", nil)
	must(t, err)
	req.SetBasicAuth(mysql.AccountOperator, operatorPassword)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	must(t, err)
	defer resp.Body.Close()
	var l QuarantineList
	must(t, json.NewDecoder(resp.Body).Decode(&l))
	return l
}

// binlogGTIDs prints the GTID events of the binary log files in dir.
func binlogGTIDs(t *testing.T, dir string) string {
	names, err := binlogFiles(dir)
	must(t, err)
	var out []string
	for _, n := range names {
		if isBinlogNumber(n) {
			b, _ := exec.Command(DefaultTools(mysql.MariaDB).Binlog, "--no-defaults", filepath.Join(dir, n)).Output()
			for _, l := range strings.Split(string(b), "\n") {
				if gtidEvent.MatchString(l) {
					out = append(out, l)
				}
			}
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// streamedNames fetches this member's backup as a peer's init would and lists what unpacks.
func streamedNames(t *testing.T, ctx context.Context, addr string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/backup", nil)
	must(t, err)
	req.SetBasicAuth(mysql.AccountReplication, mysqltest.ReplPassword)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	dir := t.TempDir()
	// The engine's own unpacker, as a check on ours (internal/xbstream).
	cmd := exec.CommandContext(ctx, lookPath("mbstream"), "-x", "-C", dir)
	cmd.Stdin = resp.Body
	must(t, cmd.Run())
	_, _ = io.Copy(io.Discard, resp.Body)
	if s := resp.Trailer.Get(agentapi.TrailerBackupStatus); s != agentapi.BackupStatusOK {
		t.Fatalf("backup status %q", s)
	}
	return names(t, dir)
}

// TestStaleMarker: a marker followed by a commit of the member's own (it was promoted) is dropped
// without seeding; a marker followed only by the server's shutdown is acted on.
func TestStaleMarker(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	p, _ := freshMember(t, ctx, 6, "127.0.0.56", 1)
	_, addr := p.agent()
	nowhere := `{"donor":"127.0.0.1:1"}` // seeding from it fails: the test sees whether init tried
	if code := post(t, "http://"+addr+"/seed", "ordinal", operatorPassword, []byte(nowhere)); code != http.StatusOK {
		t.Fatalf("POST /seed = %d", code)
	}
	op := p.db(mysql.AccountOperator, operatorPassword)
	exec1(t, op, "SET GLOBAL read_only=OFF") // promoted...
	exec1(t, op, "INSERT INTO mysql.errant VALUES (100)")
	p.stopServer() // ...and restarted before /readyz saw it writable
	must(t, p.init().Run(ctx))
	if _, err := os.Stat(p.paths.SeedMarker()); !os.IsNotExist(err) {
		t.Fatalf("the stale marker is still there: %v", err)
	}
	p.startServer()
	if n := query(t, p.db("root", mysqltest.RootPassword), "SELECT COUNT(*) FROM mysql.errant"); n != "2" {
		t.Errorf("the promoted member lost its rows: %s", n)
	}
	// Not stale: nothing committed since the request; the shutdown still writes to the binary log.
	if code := post(t, "http://"+addr+"/seed", "ordinal", operatorPassword, []byte(nowhere)); code != http.StatusOK {
		t.Fatalf("POST /seed = %d", code)
	}
	p.stopServer()
	if err := p.init().Run(ctx); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("a valid marker was not acted on: %v", err)
	}
}
