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
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

func TestMember(t *testing.T) {
	base := []byte(mustRender(t, v1alpha1.FlavorMariaDB, nil))
	got := string(Member(base, MemberSettings{ServerID: 4242, ReportHost: "db-1.db.ns.svc", BindAddress: "127.10.1.3"}))
	if !strings.HasPrefix(got, string(base)) {
		t.Fatal("Member must keep the base config unchanged in front")
	}
	tail := strings.TrimPrefix(got, string(base))
	want := "# Member settings written by ordinal init.\nbind_address=127.10.1.3\n" +
		"report_host=db-1.db.ns.svc\nreport_port=3306\nserver_id=4242\n"
	if tail != want {
		t.Errorf("member settings = %q, want %q", tail, want)
	}
	bare := string(Member([]byte("[mysqld]\nport=3306"), MemberSettings{ServerID: 7}))
	if bare != "[mysqld]\nport=3306\n# Member settings written by ordinal init.\nreport_port=3306\nserver_id=7\n" {
		t.Errorf("empty fields must be left out and a missing newline added: %q", bare)
	}
}

func TestHash(t *testing.T) {
	a := Hash([]byte("[mysqld]\nport=3306\n"))
	if len(a) != 16 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Fatalf("Hash = %q, want 16 lower-case hex digits", a)
	}
	if Hash([]byte("[mysqld]\nport=3306\n")) != a {
		t.Error("Hash is not stable")
	}
	if Hash([]byte("[mysqld]\nport=3307\n")) == a {
		t.Error("Hash did not change with the content")
	}
}

// TestOwnedKeysMirrorCEL keeps the block-list equal to the API's CEL rule, so Render never accepts
// what the apiserver refuses or refuses what it accepts.
func TestOwnedKeysMirrorCEL(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "api", "v1alpha1", "mysqlcluster_types.go"))
	if err != nil {
		t.Fatal(err)
	}
	// The owned-key rule is the list that starts with server_id (other rules use lists too).
	m := regexp.MustCompile(`replace\('-', '_'\) in \[('server_id'[^\]]*)\]`).FindSubmatch(src)
	if m == nil {
		t.Fatal("the CEL owned-key rule was not found in mysqlcluster_types.go")
	}
	var cel []string
	for _, q := range regexp.MustCompile(`'([a-z_]+)'`).FindAllSubmatch(m[1], -1) {
		cel = append(cel, string(q[1]))
	}
	if !slices.Equal(cel, OwnedKeys()) {
		t.Errorf("owned keys differ from the CEL rule:\n CEL:   %v\n mycnf: %v", cel, OwnedKeys())
	}
	p := regexp.MustCompile(`\^\(loose\|skip\|disable\|enable\|maximum\)_\(([a-z_|]+)\)\$`).FindSubmatch(src)
	if p == nil || !slices.Equal(strings.Split(string(p[1]), "|"), OwnedKeys()) {
		t.Errorf("the CEL prefix rule's keys differ from the owned keys: %q", p)
	}
	for _, k := range []string{"loose-server-id", "skip-log-bin", "disable_log_bin", "Maximum-Read-Only"} {
		if !IsOwned(k) {
			t.Errorf("%s reaches an owned setting through a prefix", k)
		}
	}
	if IsOwned("skip_name_resolve") || IsOwned("loose_max_connections") {
		t.Error("prefixed keys that reach no owned setting are the user's")
	}
}

// TestMariaDBAcceptsRendering parses the rendered file with the real server's option parser, which
// exits non-zero on an unknown or malformed setting.
func TestMariaDBAcceptsRendering(t *testing.T) {
	bin, err := exec.LookPath("mariadbd")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/mariadbd"); err != nil {
			t.Skip("mariadbd is not installed")
		}
	}
	base, err := Render(v1alpha1.FlavorMariaDB, map[string]string{"max-connections": "77", "init_connect": "SET @a='#'"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "my.cnf")
	cnf := Member(base, MemberSettings{ServerID: 1001, ReportHost: "db-0.db.ns.svc", BindAddress: "127.0.0.1"})
	if err := os.WriteFile(path, cnf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--defaults-file="+path, "--help", "--verbose").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadbd refused the rendered config: %v\n%s", err, cnf)
	}
	for _, want := range []string{"max-connections  *77\n", "server-id  *1001\n", "read-only  *TRUE\n",
		"init-connect  *SET @a='#'\n", "relay-log-recovery  *FALSE\n", "skip-slave-start  *TRUE\n"} {
		if !regexp.MustCompile(`(?m)^` + want).Match(out) {
			t.Errorf("mariadbd did not read %q", strings.TrimSpace(want))
		}
	}
}
