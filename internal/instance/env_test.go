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
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

func podEnv() map[string]string {
	return map[string]string{
		"POD_NAME": "db-2", "POD_NAMESPACE": "ns", "POD_IP": "127.10.1.3", "CLUSTER_NAME": "db",
		"SERVICE_NAME": "db", "MYSQL_FLAVOR": "mariadb", "SERVER_ID_BASE": "1000",
		"ROOT_PASSWORD": "r", "REPLICATION_PASSWORD": "p", "OPERATOR_PASSWORD": "o",
	}
}

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadEnv(t *testing.T) {
	e, err := LoadEnv(getenv(podEnv()))
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.ServerID()
	if err != nil || id != 1002 || e.Flavor != mysql.MariaDB || e.Host() != "db-2.db.ns.svc" || e.ServerUser != "" {
		t.Errorf("env %+v, server id %d (%v)", e, id, err)
	}
	with := podEnv()
	with["ORDINAL_SERVER_USER"] = "root"
	if e, _ := LoadEnv(getenv(with)); e.ServerUser != "root" {
		t.Errorf("ORDINAL_SERVER_USER not read: %q", e.ServerUser)
	}
}

func TestLoadEnvErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		change map[string]string
		want   string
	}{
		"missing":       {map[string]string{"POD_IP": "", "ROOT_PASSWORD": ""}, "POD_IP, ROOT_PASSWORD"},
		"flavor":        {map[string]string{"MYSQL_FLAVOR": "postgres"}, "MYSQL_FLAVOR"},
		"base":          {map[string]string{"SERVER_ID_BASE": "-1"}, "SERVER_ID_BASE"},
		"base too big":  {map[string]string{"SERVER_ID_BASE": "4294967296"}, "SERVER_ID_BASE"},
		"pod name":      {map[string]string{"POD_NAME": "db"}, "does not end in an ordinal"},
		"pod name tail": {map[string]string{"POD_NAME": "db-x"}, "does not end in an ordinal"},
	} {
		m := podEnv()
		for k, v := range tc.change {
			m[k] = v
		}
		if _, err := LoadEnv(getenv(m)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want it to mention %q", name, err, tc.want)
		}
	}
	e, _ := LoadEnv(getenv(podEnv()))
	e.ServerIDBase = 1<<32 - 2
	if _, err := e.ServerID(); err == nil {
		t.Error("server_id beyond 2^32-1 accepted")
	}
}

// testPaths are a pod's paths in a temp dir, the datadir created.
func testPaths(t *testing.T) Paths {
	root := t.TempDir()
	p := Paths{DataDir: root + "/data", RunDir: root + "/run", ToolsDir: root + "/tools",
		ClusterConfig: root + "/config/my.cnf", TmpDir: root + "/tmp"}
	for _, d := range []string{p.DataDir, p.RunDir, p.ToolsDir, filepath.Dir(p.ClusterConfig), p.TmpDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func testInit(t *testing.T, flavor string) *Init {
	m := podEnv()
	m["MYSQL_FLAVOR"] = flavor
	e, err := LoadEnv(getenv(m))
	if err != nil {
		t.Fatal(err)
	}
	in := &Init{Env: e, Paths: testPaths(t), Tools: Tools{Server: "/nonexistent/mariadbd"},
		Timeouts: DefaultTimeouts(), Log: discardLog()}
	if err := os.WriteFile(in.Paths.ClusterConfig, []byte("[mysqld]\nread_only=ON\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return in
}

func TestMemberConfig(t *testing.T) {
	in := testInit(t, "mariadb")
	if err := in.writeMemberConfig(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(in.Paths.MemberConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := "[mysqld]\nread_only=ON\n# Member settings written by ordinal init.\nbind_address=127.10.1.3\n" +
		"report_host=db-2.db.ns.svc\nreport_port=3306\nserver_id=1002\n"
	if string(b) != want {
		t.Errorf("member config:\n%s\nwant:\n%s", b, want)
	}
	os.Remove(in.Paths.ClusterConfig)
	if err := in.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "cluster config") {
		t.Errorf("Run without the cluster config = %v", err)
	}
}

// TestRunLeavesExistingServer: a datadir with a system dir is not touched (no program runs: the
// server path does not exist); an empty staging dir left by a crash after the last move goes.
func TestRunLeavesExistingServer(t *testing.T) {
	in := testInit(t, "mariadb")
	d := in.Paths.DataDir
	for _, dir := range []string{"mysql", "app", stagingName} {
		if err := os.Mkdir(filepath.Join(d, dir), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(d, "ibdata1"), []byte("data"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := in.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := names(t, d); got != ".ordinal-member app ibdata1 mysql" {
		t.Errorf("datadir holds %q", got)
	}
	owner, err := os.ReadFile(filepath.Join(d, OwnerName))
	if err != nil || string(owner) != in.ownerID()+"\n" {
		t.Errorf("%s = %q, %v; want %q", OwnerName, owner, err, in.ownerID())
	}
	// A second start finds its own name: nothing to adopt, no server started (there is none).
	if err := in.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestRunAdoptsCopy: a datadir that names another member is adopted before anything else: on
// MySQL its donor's server_uuid (auto.cnf) goes first, then a temporary server must run (here
// there is none, so init fails, and says why) and the datadir stays unclaimed until it has.
func TestRunAdoptsCopy(t *testing.T) {
	in := testInit(t, "mysql")
	d := in.Paths.DataDir
	if err := os.Mkdir(filepath.Join(d, "mysql"), 0o750); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{OwnerName: "ns/db-0\n", mysqlUUIDFile: "[auto]\nserver-uuid=x\n"} {
		if err := os.WriteFile(filepath.Join(d, name), []byte(data), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	err := in.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "adopt copy of ns/db-0") {
		t.Fatalf("Run on a copy of ns/db-0 = %v, want the adoption's error", err)
	}
	if _, err := os.Stat(filepath.Join(d, mysqlUUIDFile)); !os.IsNotExist(err) {
		t.Errorf("the donor's auto.cnf is still there: %v", err)
	}
	if owner, _ := os.ReadFile(filepath.Join(d, OwnerName)); string(owner) != "ns/db-0\n" {
		t.Errorf("a copy not yet adopted was claimed: %s = %q", OwnerName, owner)
	}
}

func TestRunEmptyDatadirNeedsTools(t *testing.T) {
	in := testInit(t, "mysql")
	err := in.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "mariadbd") {
		t.Fatalf("Run with a missing server program = %v", err)
	}
	if hasServer(in.Paths.DataDir) {
		t.Error("a failed initialisation left a system dir: the next start would take it for a server")
	}
}

// TestRunSeedMySQL: a MySQL member seeds by clone; when that fails (here: no server program) the
// datadir is wiped but the marker stays, so the next start seeds again.
func TestRunSeedMySQL(t *testing.T) {
	in := testInit(t, "mysql")
	touch(t, filepath.Join(in.Paths.DataDir, "mysql", "old"))
	if err := writeMarker(in.Paths.SeedMarker(), SeedMarker{Donor: "db-0.db.ns.svc:8080"}); err != nil {
		t.Fatal(err)
	}
	if err := in.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "seed from db-0.db.ns.svc:8080") {
		t.Fatalf("Run = %v, want a failed seed", err)
	}
	if _, ok, err := readMarker(in.Paths.SeedMarker()); !ok || err != nil {
		t.Errorf("the marker must stay until a seed succeeds (%v, %v)", ok, err)
	}
	if hasServer(in.Paths.DataDir) {
		t.Error("the old datadir survived the start of a seed")
	}
}

// TestMySQLInitialiseArgs: MySQL initialises with the member config, no binary log and the fence
// lowered (super_read_only would stop even root); the program's failure is reported.
func TestMySQLInitialiseArgs(t *testing.T) {
	in := testInit(t, "mysql")
	in.Env.ServerUser = "mysql"
	record := filepath.Join(t.TempDir(), "args")
	fake := filepath.Join(t.TempDir(), "mysqld")
	script := "#!/bin/sh\necho \"$@\" > " + record + "\necho '[ERROR] no space left' >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	in.Tools.Server = fake
	err := in.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("Run = %v, want the program's error", err)
	}
	b, _ := os.ReadFile(record)
	want := "--defaults-file=" + in.Paths.MemberConfig() + " --initialize-insecure --datadir=" +
		filepath.Join(in.Paths.DataDir, stagingName) + " --skip-log-bin --super-read-only=OFF --read-only=OFF --user=mysql\n"
	if string(b) != want {
		t.Errorf("mysqld args:\n%s\nwant:\n%s", b, want)
	}
}
