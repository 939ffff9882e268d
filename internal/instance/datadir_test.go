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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// names lists a directory's entries, space-separated and sorted.
func names(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func touch(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(p), 0o640); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMarkerRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SeedMarkerName)
	if _, ok, err := readMarker(path); ok || err != nil {
		t.Fatalf("no marker: ok %v, err %v", ok, err)
	}
	want := SeedMarker{Donor: "db-0.db.ns.svc:8080", Requested: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := writeMarker(path, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := readMarker(path)
	if !ok || err != nil || got != want {
		t.Fatalf("read back %+v, %v, %v", got, ok, err)
	}
	if n := names(t, dir); n != SeedMarkerName {
		t.Errorf("the atomic write left %q", n)
	}
	b, _ := os.ReadFile(path)
	if string(b) != `{"donor":"db-0.db.ns.svc:8080","requested":"2026-01-02T03:04:05Z"}`+"\n" {
		t.Errorf("marker format changed: %s", b)
	}
	for _, bad := range []string{`{"donor":`, `{"donor":"no-port"}`, `{}`} {
		touch(t, path)
		if err := os.WriteFile(path, []byte(bad), 0o640); err != nil {
			t.Fatal(err)
		}
		if _, _, err := readMarker(path); err == nil {
			t.Errorf("marker %s accepted", bad)
		}
	}
}

func TestValidateDonor(t *testing.T) {
	for _, ok := range []string{"db-0.db.ns.svc:8080", "127.0.0.201:1", "[fd00::1]:65535"} {
		if err := validateDonor(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "db-0", ":8080", "db-0:0", "db-0:65536", "db-0:http", "a/b:80", "u@h:80", "h h:80", "h:80/x"} {
		if err := validateDonor(bad); err == nil {
			t.Errorf("donor %q accepted", bad)
		}
	}
}

func TestWipeKeepsLostFoundAndMarker(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "ibdata1"), filepath.Join(dir, "mysql", "user.MAD"), filepath.Join(dir, SeedMarkerName),
		filepath.Join(dir, lostFound, "x"), filepath.Join(dir, ".hidden"))
	if err := wipe(dir, SeedMarkerName); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); got != SeedMarkerName+" "+lostFound {
		t.Errorf("after wipe: %q", got)
	}
	if got := names(t, filepath.Join(dir, lostFound)); got != "x" {
		t.Errorf("lost+found emptied: %q", got)
	}
}

func TestMoveUp(t *testing.T) {
	dir := t.TempDir()
	staging := filepath.Join(dir, stagingName)
	touch(t, filepath.Join(staging, "ibdata1"), filepath.Join(staging, "mysql", "db.opt"), filepath.Join(staging, "sys", "x"))
	touch(t, filepath.Join(dir, lostFound, "y"))
	if err := moveUp(staging, dir); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); got != "ibdata1 lost+found mysql sys" || !hasServer(dir) {
		t.Errorf("after move: %q", got)
	}
	touch(t, filepath.Join(staging, "ibdata1"))
	if err := moveUp(staging, t.TempDir()); err == nil {
		t.Error("a staging dir without a system dir was moved into place")
	}
}
