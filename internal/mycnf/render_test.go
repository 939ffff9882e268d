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

package mycnf

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendering (run with -update if intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func mustRender(t *testing.T, f v1alpha1.Flavor, o map[string]string) string {
	t.Helper()
	b, err := Render(f, o)
	if err != nil {
		t.Fatalf("Render(%s): %v", f, err)
	}
	return string(b)
}

func TestRenderGolden(t *testing.T) {
	for _, f := range []v1alpha1.Flavor{v1alpha1.FlavorMariaDB, v1alpha1.FlavorMySQL} {
		t.Run(string(f), func(t *testing.T) {
			golden(t, string(f)+".golden.cnf", []byte(mustRender(t, f, nil)))
		})
	}
}

func TestRenderSafetyDefaults(t *testing.T) {
	want := map[v1alpha1.Flavor][]string{
		v1alpha1.FlavorMariaDB: {"read_only=ON", "gtid_strict_mode=ON", "log_slave_updates=ON",
			"skip_slave_start=ON", "relay_log_recovery=OFF", "binlog_format=ROW", "sync_binlog=1",
			"innodb_flush_log_at_trx_commit=1", "log_bin=/var/lib/mysql/binlog", "skip_name_resolve=ON",
			"socket=/run/mysqld/mysqld.sock", "port=3306", "datadir=/var/lib/mysql"},
		v1alpha1.FlavorMySQL: {"read_only=ON", "super_read_only=ON", "gtid_mode=ON",
			"enforce_gtid_consistency=ON", "log_replica_updates=ON", "skip_replica_start=ON",
			"relay_log_recovery=OFF", "mysqlx=OFF", "semisync_source.so", "semisync_replica.so", "mysql_clone.so"},
	}
	for f, lines := range want {
		got := mustRender(t, f, nil)
		for _, l := range lines {
			if !strings.Contains(got, l) {
				t.Errorf("%s config lacks %q", f, l)
			}
		}
		if !strings.Contains(got, "\n[mysqld]\n") || strings.Count(got, "[") != 1 {
			t.Errorf("%s config must be exactly one [mysqld] section:\n%s", f, got)
		}
	}
	if strings.Contains(mustRender(t, v1alpha1.FlavorMariaDB, nil), "super_read_only") {
		t.Error("MariaDB has no super_read_only: the server would refuse to start")
	}
}

// TestRenderLosslessSemiSync: the replica side acknowledges from the start (a restarted replica is
// an acker again as soon as its IO thread connects), the wait itself is left to the operator, and
// how the primary waits can never fall back to asynchronous replication.
func TestRenderLosslessSemiSync(t *testing.T) {
	want := map[v1alpha1.Flavor][]string{
		v1alpha1.FlavorMariaDB: {"rpl_semi_sync_slave_enabled=ON", "rpl_semi_sync_master_wait_no_slave=ON",
			"rpl_semi_sync_master_wait_point=AFTER_SYNC", "rpl_semi_sync_master_timeout=4294967295",
			"slave_net_timeout=4"},
		v1alpha1.FlavorMySQL: {"rpl_semi_sync_replica_enabled=ON", "rpl_semi_sync_source_wait_no_replica=ON",
			"rpl_semi_sync_source_wait_for_replica_count=1", "rpl_semi_sync_source_wait_point=AFTER_SYNC",
			"rpl_semi_sync_source_timeout=4294967295", "replica_net_timeout=4"},
	}
	for f, lines := range want {
		got := mustRender(t, f, nil)
		for _, l := range lines {
			if !strings.Contains(got, "\n"+l+"\n") {
				t.Errorf("%s config lacks %q", f, l)
			}
			k, _, _ := strings.Cut(l, "=")
			if strings.HasSuffix(k, "_timeout") && !strings.HasPrefix(k, "rpl_") {
				continue // net timeouts are tuning, not safety
			}
			if _, err := Render(f, map[string]string{"loose-" + k: "OFF"}); err == nil {
				t.Errorf("%s: an override of %s was accepted", f, k)
			}
		}
		if strings.Contains(got, "master_enabled") || strings.Contains(got, "source_enabled") {
			t.Errorf("%s: the source-side wait must stay off in the config (the operator turns it on)", f)
		}
	}
}

func TestRenderOverridesWin(t *testing.T) {
	got := mustRender(t, v1alpha1.FlavorMariaDB, map[string]string{
		"sync-binlog":             "0",
		"Max_Connections":         "500",
		"skip-external-locking":   "",
		"init_connect":            "SET NAMES utf8mb4 # comment-like",
		"innodb_buffer_pool_size": "1G",
	})
	for _, l := range []string{"\nsync_binlog=0\n", "\nmax_connections=500\n", "\nskip_external_locking\n",
		"\ninit_connect=\"SET NAMES utf8mb4 # comment-like\"\n", "\ninnodb_buffer_pool_size=1G\n"} {
		if !strings.Contains(got, l) {
			t.Errorf("rendered config lacks %q:\n%s", l, got)
		}
	}
	if strings.Contains(got, "sync_binlog=1") {
		t.Error("the default sync_binlog=1 survived the override")
	}
}

func TestRenderPluginLoadAddExtends(t *testing.T) {
	got := mustRender(t, v1alpha1.FlavorMySQL, map[string]string{"plugin-load-add": "audit_log.so"})
	if !strings.Contains(got, "clone=mysql_clone.so;audit_log.so\n") {
		t.Errorf("plugin_load_add must keep the operator's plugins and add the user's:\n%s", got)
	}
}

// TestRenderHidesQuarantine: MariaDB would list the directory where errant binlogs are kept aside
// as a database; a user's ignore_db_dirs adds a directory instead of dropping the operator's.
func TestRenderHidesQuarantine(t *testing.T) {
	const line = "\nignore_db_dirs=.ordinal-quarantine\n"
	if got := mustRender(t, v1alpha1.FlavorMariaDB, nil); !strings.Contains(got, line) {
		t.Errorf("MariaDB config lacks %q:\n%s", line, got)
	}
	if got := mustRender(t, v1alpha1.FlavorMySQL, nil); strings.Contains(got, "ignore_db_dirs") {
		t.Errorf("MySQL 8 has no ignore_db_dirs; the server would refuse to start:\n%s", got)
	}
	got := mustRender(t, v1alpha1.FlavorMariaDB, map[string]string{"ignore-db-dirs": "lost+found"})
	if !strings.Contains(got, line+"ignore_db_dirs=lost+found\n") {
		t.Errorf("a user's ignore_db_dirs must be a second line after the operator's:\n%s", got)
	}
	for _, bad := range []string{"", "a\nb"} {
		if _, err := Render(v1alpha1.FlavorMariaDB, map[string]string{"ignore_db_dirs": bad}); err == nil {
			t.Errorf("Render accepted ignore_db_dirs=%q, which would drop or split the quarantine", bad)
		}
	}
	if got := mustRender(t, v1alpha1.FlavorMySQL, map[string]string{"ignore_db_dirs": ""}); !strings.Contains(got, "\nignore_db_dirs\n") {
		t.Errorf("without an operator default an override is rendered as given:\n%s", got)
	}
}

func TestRenderDeterministic(t *testing.T) {
	o := map[string]string{}
	for i := range 64 {
		o["opt_"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	first := mustRender(t, v1alpha1.FlavorMySQL, o)
	for range 20 {
		// A fresh map with the same content iterates in another order.
		c := make(map[string]string, len(o))
		for k, v := range o {
			c[k] = v
		}
		if got := mustRender(t, v1alpha1.FlavorMySQL, c); got != first {
			t.Fatal("rendering depends on map iteration order")
		}
	}
}

func TestRenderRefusesOwnedKeys(t *testing.T) {
	for _, k := range OwnedKeys() {
		for _, spelling := range []string{k, strings.ReplaceAll(k, "_", "-"), strings.ToUpper(k)} {
			for _, f := range []v1alpha1.Flavor{v1alpha1.FlavorMariaDB, v1alpha1.FlavorMySQL} {
				_, err := Render(f, map[string]string{spelling: "1"})
				if err == nil || !strings.Contains(err.Error(), spelling) {
					t.Errorf("Render(%s, %s=1) = %v, want an error naming the key", f, spelling, err)
				}
			}
		}
	}
}

func TestRenderRefusesBadInput(t *testing.T) {
	for name, o := range map[string]map[string]string{
		"newline":      {"init_connect": "a\nb"},
		"bad key":      {"foo bar": "1"},
		"section":      {"[client]": "1"},
		"two quotes":   {"init_connect": "a'b\"c"},
		"two spelling": {"max-connections": "1", "max_connections": "2"},
	} {
		if _, err := Render(v1alpha1.FlavorMariaDB, o); err == nil {
			t.Errorf("%s: Render accepted %v", name, o)
		}
	}
	if _, err := Render("postgres", nil); err == nil {
		t.Error("Render accepted an unknown flavor")
	}
}

func TestFormatLineEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      "k=plain\n",
		"a\\b":       "k=a\\\\b\n",
		" padded":    "k=\" padded\"\n",
		"it's":       "k=\"it's\"\n",
		"say \"hi\"": "k='say \"hi\"'\n",
	} {
		got, err := formatLine("k", in)
		if err != nil || got != want {
			t.Errorf("formatLine(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
