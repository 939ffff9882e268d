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

package simmember

import (
	"sort"
	"sync"
	"sync/atomic"
)

// maxUnknownKinds bounds how many distinct unknown statements are kept.
const maxUnknownKinds = 100

type stats struct {
	statements atomic.Uint64
	unknown    atomic.Uint64
	mu         sync.Mutex
	unknownSQL map[string]int
}

func (s *stats) addUnknown(sql string) {
	s.unknown.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unknownSQL == nil {
		s.unknownSQL = map[string]int{}
	}
	if len(sql) > 200 {
		sql = sql[:200] + "…"
	}
	if _, seen := s.unknownSQL[sql]; seen || len(s.unknownSQL) < maxUnknownKinds {
		s.unknownSQL[sql]++
	}
}

// Stats counts what the fleet's servers were asked.
type Stats struct {
	// Statements is every COM_QUERY answered (pings excluded).
	Statements uint64
	// Unknown is how many statements the simulator did not know; their
	// texts (the first 100 kinds, cut at 200 characters) with counts are
	// in UnknownSQL.
	Unknown    uint64
	UnknownSQL map[string]int
}

// Stats returns the counts so far.
func (f *Fleet) Stats() Stats {
	f.stats.mu.Lock()
	defer f.stats.mu.Unlock()
	out := Stats{Statements: f.stats.statements.Load(), Unknown: f.stats.unknown.Load(), UnknownSQL: map[string]int{}}
	for k, v := range f.stats.unknownSQL {
		out.UnknownSQL[k] = v
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
