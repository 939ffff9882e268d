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
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
)

// TestBinlogBaseMatchesConfig: keepAside finds the binary logs only where the rendered config
// puts them.
func TestBinlogBaseMatchesConfig(t *testing.T) {
	for _, f := range []v1alpha1.Flavor{v1alpha1.FlavorMariaDB, v1alpha1.FlavorMySQL} {
		b, err := mycnf.Render(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := "log_bin=" + mycnf.DataDir + "/" + binlogBase; !strings.Contains(string(b), want+"\n") {
			t.Errorf("%s config lacks %q", f, want)
		}
	}
}

func TestKeepAside(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "binlog.000001"), filepath.Join(dir, "binlog.000002"),
		filepath.Join(dir, "binlog.index"), filepath.Join(dir, "binlog.state"), filepath.Join(dir, "ibdata1"),
		filepath.Join(dir, "mysql", "user.frm"), filepath.Join(dir, SeedMarkerName))
	m := SeedMarker{Donor: "db-0.db.ns.svc:8080", Requested: time.Date(2026, 11, 30, 12, 0, 0, 5, time.UTC),
		KeepAside: "errant: 0-102-57", GTIDBinlogState: ptr("0-100-50,0-102-57")}
	kept, err := keepAside(dir, "db-2", m, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); got != QuarantineDirName+" "+SeedMarkerName+" ibdata1 mysql" {
		t.Errorf("datadir after keepAside: %s", got)
	}
	if got := names(t, kept); got != "binlog.000001 binlog.000002 binlog.index binlog.state manifest.json" {
		t.Errorf("kept: %s", got)
	}
	// The wipe of the seed, and of an initialisation, leave it alone.
	if err := wipe(dir, SeedMarkerName); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); got != QuarantineDirName+" "+SeedMarkerName {
		t.Errorf("datadir after wipe: %s", got)
	}
	// A retried seed after the wipe: the binary logs now present are the seed's own.
	touch(t, filepath.Join(dir, "binlog.000001"))
	if again, err := keepAside(dir, "db-2", m, time.Now()); err != nil || again != kept {
		t.Fatalf("retry: %s, %v", again, err)
	}
	if b, _ := os.ReadFile(filepath.Join(kept, "binlog.000001")); string(b) != filepath.Join(dir, "binlog.000001") {
		t.Errorf("a retried seed overwrote the kept binary log: %q", b)
	}
	list, err := listQuarantine(dir)
	if err != nil || len(list) != 1 || list[0].Manifest == nil {
		t.Fatalf("list: %+v, %v", list, err)
	}
	got := *list[0].Manifest
	if got.Reason != m.KeepAside || got.Member != "db-2" || *got.GTIDBinlogState != *m.GTIDBinlogState ||
		got.Donor != m.Donor || len(got.Files) != 4 || list[0].Bytes == 0 {
		t.Errorf("manifest %+v", list[0])
	}
}

// TestKeepAsideInterrupted: a directory without a manifest is completed by the next attempt.
func TestKeepAsideInterrupted(t *testing.T) {
	dir := t.TempDir()
	m := SeedMarker{Donor: "db-0.db.ns.svc:8080", Requested: time.Unix(1e9, 0), KeepAside: "errant"}
	partial := filepath.Join(dir, QuarantineDirName, keptName(m))
	touch(t, filepath.Join(partial, "binlog.000001"), filepath.Join(dir, "binlog.000002"), filepath.Join(dir, "binlog.index"))
	list, _ := listQuarantine(dir)
	if len(list) != 1 || list[0].Manifest != nil {
		t.Fatalf("incomplete directory listed as %+v", list)
	}
	if _, err := keepAside(dir, "db-2", m, time.Now()); err != nil {
		t.Fatal(err)
	}
	list, _ = listQuarantine(dir)
	if len(list) != 1 || list[0].Manifest == nil || strings.Join(list[0].Manifest.Files, " ") != "binlog.000001 binlog.000002 binlog.index" {
		t.Errorf("completed: %+v", list)
	}
}

func TestQuarantineEndpoint(t *testing.T) {
	a := testAgent(t, "mariadb")
	if code, _ := call(a, "GET", "/quarantine", "repl", "p", ""); code != http.StatusUnauthorized {
		t.Errorf("/quarantine as repl = %d", code)
	}
	code, body := call(a, "GET", "/quarantine", "ordinal", "o", "")
	if code != http.StatusOK || body != `{"directories":[]}` {
		t.Errorf("empty /quarantine = %d %s", code, body)
	}
	touch(t, filepath.Join(a.Paths.DataDir, "binlog.000001"))
	m := SeedMarker{Donor: "db-0.db.ns.svc:8080", Requested: time.Now(), KeepAside: "errant: 0-1002-3"}
	if _, err := keepAside(a.Paths.DataDir, "db-2", m, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, body = call(a, "GET", "/quarantine", "ordinal", "o", "")
	var got QuarantineList
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Directories) != 1 ||
		got.Directories[0].Manifest.Reason != m.KeepAside || !strings.HasPrefix(got.Directories[0].Path, a.Paths.DataDir) {
		t.Errorf("/quarantine = %s (%v)", body, err)
	}
}

func TestSeedRequestKeepAside(t *testing.T) {
	a := testAgent(t, "mariadb")
	for _, bad := range []string{`"a\nb"`, `"` + strings.Repeat("x", maxKeepAside+1) + `"`} {
		if code, _ := call(a, "POST", "/seed", "ordinal", "o", `{"donor":"db-0.db.ns.svc:8080","keepAside":`+bad+`}`); code != http.StatusBadRequest {
			t.Errorf("keepAside %.20s: %d, want 400", bad, code)
		}
	}
	code, body := call(a, "POST", "/seed", "ordinal", "o", `{"donor":"db-0.db.ns.svc:8080","keepAside":"errant: 0-1002-57"}`)
	m, ok, err := readMarker(a.Paths.SeedMarker())
	if code != http.StatusOK || !ok || err != nil || m.KeepAside != "errant: 0-1002-57" {
		t.Errorf("/seed = %d %s; marker %+v %v %v", code, body, m, ok, err)
	}
}

func TestScanOwnGTID(t *testing.T) {
	out := strings.Join([]string{
		"#261130 18:40:56 server id 102  end_log_pos 285 CRC32 0xc48fb346 \tGtid list [0-102-57]",
		"#261130 18:40:56 server id 100  end_log_pos 367 CRC32 0x69aa04d0 \tGTID 0-100-58 trans",
		"# a comment with GTID 0-102-99 in it",
		"#261130 18:40:57 server id 102  end_log_pos 494 CRC32 0xc25d23c4 \tGTID 0-102-57 ddl",
		"#261130 18:40:58 server id 102  end_log_pos 659 CRC32 0xf10da786 \tGTID 0-102-60 trans",
	}, "\n")
	state := gtid.MustParse(gtid.MariaDB, "0-100-50,0-102-57")
	if got := scanOwnGTID(strings.NewReader(out), 102, state); got != "0-102-60" {
		t.Errorf("own commit after the request = %q, want 0-102-60", got)
	}
	if got := scanOwnGTID(strings.NewReader(out), 101, state); got != "" {
		t.Errorf("server 101 committed nothing, got %q", got)
	}
	if got := scanOwnGTID(strings.NewReader(out), 102, gtid.MustParse(gtid.MariaDB, "0-102-60")); got != "" {
		t.Errorf("all recorded = %q", got)
	}
}

func ptr[T any](v T) *T { return &v }
