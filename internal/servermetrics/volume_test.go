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

package servermetrics

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeFile(t *testing.T, path string, n int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, make([]byte, n), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The first scrape waits for the walk; later ones report the cached size until it is maxAge old.
func TestDatadirBytesCached(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "db", "t.ibd"), 1<<20)
	v := &volume{dir: dir, maxAge: time.Hour, walkLimit: time.Minute}
	ctx := context.Background()
	first, ok := v.datadirBytes(ctx)
	if !ok || first < 1<<20 {
		t.Fatalf("first = %d, %v; want ≥ 1 MiB", first, ok)
	}
	writeFile(t, filepath.Join(dir, "db", "u.ibd"), 1<<20)
	if again, _ := v.datadirBytes(ctx); again != first {
		t.Errorf("within maxAge: %d, want the cached %d", again, first)
	}
	v.mu.Lock()
	v.maxAge = 0
	v.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _ := v.datadirBytes(ctx)
		if n >= first+1<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("size %d never grew past %d after maxAge", n, first)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A walk past its limit reports nothing rather than a partial size; a missing datadir too.
func TestDiskUsageBounded(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a"), 10)
	if _, ok := diskUsage(dir, time.Now().Add(-time.Second)); ok {
		t.Error("walk past its deadline reported a size")
	}
	if _, ok := diskUsage(filepath.Join(dir, "missing"), time.Now().Add(time.Minute)); ok {
		t.Error("missing dir reported a size")
	}
	if n, ok := diskUsage(dir, time.Now().Add(time.Minute)); !ok || n <= 0 {
		t.Errorf("diskUsage = %d, %v", n, ok)
	}
	v := &volume{dir: filepath.Join(dir, "missing"), maxAge: time.Hour, walkLimit: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, ok := v.datadirBytes(ctx); ok {
		t.Error("missing datadir reported a size")
	}
}
