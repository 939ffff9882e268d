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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// dayOnePod is a first member whose cluster sets a named time zone and two initSQL scripts.
func dayOnePod(t *testing.T, ip string, scripts ...string) *testPod {
	p := newTestPod(t, 0, ip)
	p.paths.InitSQLDir = filepath.Join(filepath.Dir(p.paths.TmpDir), "init-sql")
	must(t, os.MkdirAll(p.paths.InitSQLDir, 0o750))
	for i, s := range scripts {
		must(t, os.WriteFile(filepath.Join(p.paths.InitSQLDir, []string{"000.sql", "001.sql", "002.sql"}[i]), []byte(s), 0o644))
		p.env.InitSQL = append(p.env.InitSQL, "configMap app-init key "+[]string{"a", "b", "c"}[i])
	}
	p.env.TimeZone = "Europe/Berlin"
	f, err := os.OpenFile(p.paths.ClusterConfig, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString("default_time_zone=Europe/Berlin\n")
	must(t, err)
	must(t, f.Close())
	return p
}

// TestInitDayOne: a new first member loads the time zone tables (not binary-logged) and runs the
// scripts in order (binary-logged, so replicas get them); the server then runs in the named zone.
func TestInitDayOne(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := dayOnePod(t, "127.0.0.57",
		"CREATE DATABASE app;\nCREATE TABLE app.t (id INT PRIMARY KEY);\nINSERT INTO app.t VALUES (1), (2);\n",
		"INSERT INTO app.t SELECT MAX(id) + 1 FROM app.t;\n")
	t0 := time.Now()
	must(t, p.init().Run(ctx))
	t.Logf("init with time zone tables and two scripts took %v", time.Since(t0).Round(time.Millisecond))

	p.startServer()
	root := p.db("root", mysqltest.RootPassword)
	if got := query(t, root, "SELECT GROUP_CONCAT(id ORDER BY id) FROM app.t"); got != "1,2,3" {
		t.Errorf("rows of the scripts = %q, want 1,2,3 (in order)", got)
	}
	if got := query(t, root, "SELECT @@time_zone"); got != "Europe/Berlin" {
		t.Errorf("@@time_zone = %q", got)
	}
	if got := query(t, root, "SELECT CONVERT_TZ('2026-07-01 12:00:00', 'UTC', 'Europe/Berlin')"); got != "2026-07-01 14:00:00" {
		t.Errorf("CONVERT_TZ = %q", got)
	}
	// The scripts' four transactions (two DDL, two inserts) are in the binary log; the accounts and the
	// time zone tables are not.
	state := query(t, root, "SELECT @@gtid_binlog_state")
	if !strings.HasSuffix(state, "-4") {
		t.Errorf("gtid_binlog_state = %q, want the scripts' 4 transactions", state)
	}
	checkAccounts(t, p)
}

// TestInitSQLFailure: a failing script fails init with the server's error and leaves no datadir
// that looks initialised; once fixed, the next init starts from scratch and succeeds.
func TestInitSQLFailure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := dayOnePod(t, "127.0.0.58", "CREATE DATABASE app;\n", "CREATE TABLE app.t (id INT PRIMARY KEY;\n")
	err := p.init().Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "initSQL[1] (configMap app-init key b)") || !strings.Contains(err.Error(), "ERROR 1064") {
		t.Fatalf("init error = %v, want initSQL[1] named with the server's ERROR 1064", err)
	}
	if hasServer(p.paths.DataDir) {
		t.Fatal("a failed init left a datadir that looks initialised")
	}
	must(t, os.WriteFile(filepath.Join(p.paths.InitSQLDir, "001.sql"), []byte("CREATE TABLE app.t (id INT PRIMARY KEY);\n"), 0o644))
	must(t, p.init().Run(ctx))
	p.startServer()
	if got := query(t, p.db("root", mysqltest.RootPassword), "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app'"); got != "1" {
		t.Errorf("tables in app after the retry = %s, want 1", got)
	}
}

// TestInitSQLNotAfterBootstrap: once the cluster has had a primary (the ConfigMap key), a first
// member with a new datadir runs no script: the others already hold the data.
func TestInitSQLNotAfterBootstrap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := dayOnePod(t, "127.0.0.59", "CREATE DATABASE app;\n")
	must(t, os.WriteFile(filepath.Join(filepath.Dir(p.paths.ClusterConfig), BootstrappedKey), []byte("true"), 0o644))
	must(t, p.init().Run(ctx))
	p.startServer()
	root := p.db("root", mysqltest.RootPassword)
	if got := query(t, root, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'app'"); got != "0" {
		t.Errorf("the script ran after bootstrap")
	}
	if got := query(t, root, "SELECT CONCAT(@@time_zone, '|', @@gtid_binlog_state)"); got != "Europe/Berlin|" {
		t.Errorf("time_zone|gtid_binlog_state = %q, want the zone and no GTID", got)
	}
}
