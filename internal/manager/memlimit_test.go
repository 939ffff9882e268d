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

package manager

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestTheGoMemoryLimitFollowsTheContainers(t *testing.T) {
	defer debug.SetMemoryLimit(math.MaxInt64)
	dir := t.TempDir()
	write := func(v string) string {
		p := filepath.Join(dir, "memory.max")
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("GOMEMLIMIT", "")
	if got := setMemoryLimit(write("268435456\n")); got != 208<<20 || debug.SetMemoryLimit(-1) != got {
		t.Errorf("256 MiB container: soft limit %d, want 208 MiB (room for the executable's 48 MiB)", got)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	if got := setMemoryLimit(write("2147483648")); got != 2147483648-2147483648/10 {
		t.Errorf("2 GiB container: soft limit %d, want 90%%", got)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	for name, path := range map[string]string{"no limit": write("max\n"), "no cgroup v2": filepath.Join(dir, "absent")} {
		if got := setMemoryLimit(path); got != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
			t.Errorf("%s: soft limit %d", name, got)
		}
	}
	t.Setenv("GOMEMLIMIT", "100MiB")
	if got := setMemoryLimit(write("268435456")); got != 0 {
		t.Errorf("GOMEMLIMIT set by the user was overridden: %d", got)
	}
}
