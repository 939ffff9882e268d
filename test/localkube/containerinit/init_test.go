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

package containerinit

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := lookPath("tool", []string{"PATH=/nonexistent:" + dir}); err != nil || got != exe {
		t.Fatalf("lookPath = %s, %v", got, err)
	}
	if got, _ := lookPath("/abs/x", nil); got != "/abs/x" {
		t.Fatalf("absolute path changed to %s", got)
	}
	if _, err := lookPath("tool", []string{"PATH=/nonexistent"}); err == nil {
		t.Fatal("want not found")
	}
}

func TestSpecRoundTrip(t *testing.T) {
	uid := int64(999)
	s := &Spec{Hostname: "h", Argv: []string{"a", "b"}, UID: &uid, Mounts: []Mount{{Source: "/s", Target: "/t", ReadOnly: true}}}
	p := filepath.Join(t.TempDir(), "spec.json")
	if err := s.Write(p); err != nil {
		t.Fatal(err)
	}
	got, err := Read(p)
	if err != nil || got.Hostname != "h" || *got.UID != 999 || !got.Mounts[0].ReadOnly || len(got.Argv) != 2 {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if err := os.WriteFile(p, []byte(`{"argv":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(p); err == nil {
		t.Fatal("want an error for an empty command")
	}
}
