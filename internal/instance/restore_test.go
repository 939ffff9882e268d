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
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

const restoreJSON = `{"store":{"endpoint":"http://127.0.0.1:9000","bucket":"backups","prefix":"ns/db"},` +
	`"backup":"nightly-1","time":"2026-05-01T02:00:00Z"}`

func TestLoadRestoreSource(t *testing.T) {
	env := podEnv()
	env[EnvRestore], env[EnvRestoreAccessKey], env[EnvRestoreSecretKey] = restoreJSON, "ak", "sk"
	env[EnvRestoreCA] = "-----BEGIN CERTIFICATE-----"
	e, err := LoadEnv(getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	r := e.Restore
	want := time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)
	if r == nil || r.Backup != "nightly-1" || r.Time == nil || !r.Time.Equal(want) || r.Store.AccessKey != "ak" ||
		r.Store.SecretKey != "sk" || r.Store.Prefix != "ns/db" || r.Store.CA == "" || r.GTID != "" || r.Latest {
		t.Fatalf("restore source %+v", r)
	}
	if e, err := LoadEnv(getenv(podEnv())); err != nil || e.Restore != nil {
		t.Errorf("without %s: %+v, %v", EnvRestore, e.Restore, err)
	}
	for name, raw := range map[string]string{
		"not json":      `backup=x`,
		"unknown field": `{"store":{"endpoint":"h:1","bucket":"b"},"backup":"x","force":true}`,
		"no target":     `{"store":{"endpoint":"h:1","bucket":"b"}}`,
		"no store":      `{"backup":"x"}`,
		"keys in json":  `{"store":{"endpoint":"h:1","bucket":"b","secretKey":"s"},"backup":"x"}`,
		"bad time":      `{"store":{"endpoint":"h:1","bucket":"b"},"time":"yesterday"}`,
	} {
		env[EnvRestore] = raw
		if _, err := LoadEnv(getenv(env)); err == nil || !strings.Contains(err.Error(), EnvRestore) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestRestoreEnvNames: the pod builder sets the variables init and verify-backup read.
func TestRestoreEnvNames(t *testing.T) {
	if EnvRestore != desired.EnvRestore || EnvRestoreAccessKey != desired.EnvRestoreAccessKey ||
		EnvRestoreSecretKey != desired.EnvRestoreSecretKey || EnvRestoreCA != desired.EnvRestoreCA {
		t.Error("internal/desired and internal/instance name the restore variables differently")
	}
}

func TestMajorMinor(t *testing.T) {
	for in, want := range map[string]string{
		"10.11.19-MariaDB-0+deb12u1-log": "10.11",
		"mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)\n": "10.11",
		"11.4.2-MariaDB":   "11.4",
		"8.4.0":            "8.4",
		"":                 "",
		"mariadbd Ver x.y": "",
	} {
		if got := majorMinor(in); got != want {
			t.Errorf("majorMinor(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeServer is a server program that only answers --version.
func fakeServer(t *testing.T, version string) string {
	p := filepath.Join(t.TempDir(), "mariadbd")
	script := "#!/bin/sh\necho 'mariadbd  Ver " + version + " for debian-linux-gnu on x86_64 (Debian 12)'\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRestorable: what a restore refuses before it touches the datadir.
func TestRestorable(t *testing.T) {
	ctx := context.Background()
	in := testInit(t, "mariadb")
	in.Tools.Server = fakeServer(t, "10.11.19-MariaDB-0+deb12u1")
	ok := backup.Plan{Base: backup.Manifest{Name: "b1", Engine: "mariadb", ServerVersion: "10.11.6-MariaDB-log"}}
	if err := in.restorable(ctx, ok); err != nil {
		t.Fatalf("a compatible backup: %v", err)
	}
	for name, c := range map[string]struct {
		plan backup.Plan
		want []string
	}{
		"engine":  {backup.Plan{Base: backup.Manifest{Name: "b1", Engine: "mysql", ServerVersion: "8.4.0"}}, []string{"mysql", "mariadb"}},
		"version": {backup.Plan{Base: backup.Manifest{Name: "b1", Engine: "mariadb", ServerVersion: "11.4.2-MariaDB"}}, []string{"11.4.2-MariaDB", "10.11"}},
	} {
		err := in.restorable(ctx, c.plan)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want it to name %q", name, err, w)
			}
		}
	}
	touch(t, filepath.Join(in.Paths.DataDir, "mysql", "db.opt"))
	if err := in.restorable(ctx, ok); err == nil || !strings.Contains(err.Error(), "holds a server") {
		t.Errorf("a datadir with a server: %v", err)
	}
	// An interrupted restore left a server-looking datadir: restoring again is allowed.
	touch(t, in.restoreMarkerPath())
	if err := in.restorable(ctx, ok); err != nil {
		t.Errorf("an interrupted restore: %v", err)
	}
}

// TestRunRestoreBranches: the marker or an empty first member restores (and fails here at the
// store, before touching anything); other ordinals initialise; a marker without the source fails.
func TestRunRestoreBranches(t *testing.T) {
	ctx := context.Background()
	in := testInit(t, "mariadb")
	touch(t, in.restoreMarkerPath())
	touch(t, filepath.Join(in.Paths.DataDir, "mysql", "db.opt"))
	if err := in.Run(ctx); err == nil || !strings.Contains(err.Error(), EnvRestore+" is not set") {
		t.Errorf("a marker without the source: %v", err)
	}
	in.Env.Restore = &RestoreSource{Store: restoreStore(), Backup: "b1"}
	if err := in.Run(ctx); err == nil || !strings.Contains(err.Error(), "restore") {
		t.Errorf("a marker with an unreachable store: %v", err)
	}
	if !hasServer(in.Paths.DataDir) {
		t.Error("a restore that could not reach the store wiped the datadir")
	}
	in = testInit(t, "mariadb")
	in.Env.PodName = "db-0"
	in.Env.Restore = &RestoreSource{Store: restoreStore(), Backup: "b1"}
	if err := in.Run(ctx); err == nil || !strings.Contains(err.Error(), "restore") {
		t.Errorf("ordinal 0, empty datadir: %v, want a restore (failing at the store)", err)
	}
	in.Env.PodName = "db-1"
	in.Tools.InstallDB = "/nonexistent/mariadb-install-db"
	if err := in.Run(ctx); err == nil || !strings.Contains(err.Error(), "mariadb-install-db") {
		t.Errorf("ordinal 1: %v, want an initialisation (failing at the missing program)", err)
	}
}

// restoreStore is a store nothing listens on.
func restoreStore() agentapi.Store {
	return agentapi.Store{Endpoint: "http://127.0.0.1:1", Bucket: "backups", Prefix: "ns/db"}
}

func sum(schema, table string, rows int64, checksum uint64) mysql.TableChecksum {
	return mysql.TableChecksum{Table: mysql.Table{Schema: schema, Name: table}, Rows: rows, Checksum: checksum}
}

func TestCompareTables(t *testing.T) {
	want := []backup.TableChecksum{{Schema: "app", Table: "a", Rows: 2, Checksum: 7}, {Schema: "app", Table: "b", Rows: 1, Checksum: 9},
		{Schema: "app", Table: "gone", Rows: 1, Checksum: 1}}
	got := []mysql.TableChecksum{sum("app", "a", 2, 7), sum("app", "b", 1, 8), sum("app", "new", 0, 0)}
	diff := compareTables(want, got)
	wantDiff := []string{"app.b has 1 rows, checksum 8 (manifest: 1 rows, checksum 9)", "app.gone is missing",
		"app.new is not in the manifest"}
	if strings.Join(diff, "|") != strings.Join(wantDiff, "|") {
		t.Errorf("diff\n got %q\nwant %q", diff, wantDiff)
	}
	if d := compareTables(want[:1], got[:1]); len(d) != 0 {
		t.Errorf("equal tables differ: %q", d)
	}
	if s := listSome([]string{"1", "2", "3", "4", "5", "6", "7"}); s != "1; 2; 3; 4; 5; and 2 more" {
		t.Errorf("listSome = %q", s)
	}
}

func TestWriteVerifyResult(t *testing.T) {
	var out strings.Builder
	term := filepath.Join(t.TempDir(), "termination-log")
	touch(t, term)
	res := VerifyResult{Backup: "b1", Verified: false, Message: "checksum mismatch", Tables: 3, Took: "1.5s"}
	writeVerifyResult(res, &out, term)
	want := `{"backup":"b1","verified":false,"message":"checksum mismatch","tables":3,"took":"1.5s"}` + "\n"
	b, _ := os.ReadFile(term)
	if out.String() != want || string(b) != want {
		t.Errorf("stdout %q, termination log %q, want %q", out.String(), b, want)
	}
	writeVerifyResult(res, &out, "/nonexistent/termination-log") // outside a pod: stdout only
}

func TestVerifierFromEnv(t *testing.T) {
	env := map[string]string{EnvRestore: restoreJSON, "MYSQL_FLAVOR": "mariadb"}
	v, err := verifierFromEnv(getenv(env))
	if err != nil || v.Source.Backup != "nightly-1" {
		t.Fatalf("verifier %+v, %v", v, err)
	}
	env["MYSQL_FLAVOR"] = "mysql"
	if _, err := verifierFromEnv(getenv(env)); err == nil || !strings.Contains(err.Error(), "MariaDB-only") {
		t.Errorf("MySQL: %v", err)
	}
	env["MYSQL_FLAVOR"] = "mariadb"
	env[EnvRestore] = `{"store":{"endpoint":"h:1","bucket":"b"},"latest":true}`
	if _, err := verifierFromEnv(getenv(env)); err == nil || !strings.Contains(err.Error(), "name the backup") {
		t.Errorf("no backup named: %v", err)
	}
	if err := VerifyMain([]string{"x"}); err == nil {
		t.Error("verify-backup accepted an argument")
	}
}
