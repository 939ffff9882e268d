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
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// cgroupMemoryMax is the container's memory limit under cgroup v2.
const cgroupMemoryMax = "/sys/fs/cgroup/memory.max"

// SoftMemoryLimit is the soft limit given to Go's garbage collector in a container limited to
// limit bytes: the limit less a tenth, and less at least binaryResident, the operator's own code
// and data the kernel keeps in memory (its file pages count towards the container's limit too).
// At 1,000 clusters in the chart's 256 MiB: 230 MiB let the process reach 262–268 MiB resident
// (48 MiB of it file pages), 208 MiB kept it at 242 MiB for 4–5% of a core at rest. Much lower
// is worse: once the live heap comes near the soft limit the collector runs without pause.
func SoftMemoryLimit(limit int64) int64 { return limit - max(limit/10, binaryResident) }

// binaryResident is about what of the operator's executable is resident once it runs.
const binaryResident = 48 << 20

// setMemoryLimit gives Go's garbage collector its soft limit (SoftMemoryLimit) from the container's
// memory limit, unless GOMEMLIMIT says otherwise: without one the heap may grow to twice what is
// live before a collection, and the container is killed for memory it did not need. It returns the
// limit set (0: none).
func setMemoryLimit(path string) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	limit, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || limit <= 0 { // "max": no limit
		return 0
	}
	soft := SoftMemoryLimit(limit)
	debug.SetMemoryLimit(soft)
	return soft
}
