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

package backup

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// MariaDB numbers the transactions of a replication domain in one sequence, whichever server
// wrote them (gtid_strict_mode), so what a state or position holds is, per domain, everything up
// to its highest sequence number. These helpers read "domain-server-seq" lists that way; the
// server ids do not matter (after a failover a domain's GTIDs come from several servers).

// Covers reports whether have holds every transaction of want. Malformed input covers nothing.
func Covers(have, want string) bool {
	h, err1 := domainSeqs(have)
	w, err2 := domainSeqs(want)
	if err1 != nil || err2 != nil {
		return false
	}
	for d, seq := range w {
		if h[d].seq < seq.seq {
			return false
		}
	}
	return true
}

// Merge is the position holding both a and b: per domain, the GTID with the higher sequence
// number. Malformed parts are dropped (callers parse what they store).
func Merge(a, b string) string {
	ma, _ := domainSeqs(a)
	mb, _ := domainSeqs(b)
	for d, g := range mb {
		if g.seq > ma[d].seq {
			ma[d] = g
		}
	}
	out := make([]string, 0, len(ma))
	for _, d := range slices.Sorted(maps.Keys(ma)) {
		out = append(out, fmt.Sprintf("%d-%d-%d", d, ma[d].server, ma[d].seq))
	}
	return strings.Join(out, ",")
}

type lastGTID struct{ server, seq uint64 }

// domainSeqs maps each domain to its GTID with the highest sequence number.
func domainSeqs(s string) (map[uint64]lastGTID, error) {
	out := map[uint64]lastGTID{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Split(part, "-")
		if len(f) != 3 {
			return nil, fmt.Errorf("GTID %q: want domain-server-sequence", part)
		}
		var n [3]uint64
		for i := range f {
			v, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("GTID %q: %w", part, err)
			}
			n[i] = v
		}
		if n[2] > out[n[0]].seq {
			out[n[0]] = lastGTID{server: n[1], seq: n[2]}
		}
	}
	return out, nil
}

// serverSeqs maps domain → server → the last sequence number of that server a state lists.
func serverSeqs(s string) map[uint64]map[uint64]uint64 {
	out := map[uint64]map[uint64]uint64{}
	for _, part := range strings.Split(s, ",") {
		var d, srv, seq uint64
		if _, err := fmt.Sscanf(strings.TrimSpace(part), "%d-%d-%d", &d, &srv, &seq); err != nil {
			continue
		}
		if out[d] == nil {
			out[d] = map[uint64]uint64{}
		}
		out[d][srv] = max(out[d][srv], seq)
	}
	return out
}

// Divergent returns the archived files that hold transactions the newest history skipped: after
// a failover, a deposed primary may archive writes it logged but no replica received (never
// acknowledged). The newest history is the end state of the file that reaches furthest in each
// domain; a file holding a server's transaction beyond what that state lists for the server, in a
// domain that history has passed, is not part of it.
func Divergent(binlogs []BinlogFile) map[string]bool {
	heads := map[uint64]map[uint64]uint64{} // per domain, the furthest file's servers
	furthest := map[uint64]uint64{}
	for _, f := range binlogs {
		for d, servers := range serverSeqs(f.EndState) {
			if top := maxSeq(servers); top > furthest[d] {
				furthest[d], heads[d] = top, servers
			}
		}
	}
	out := map[string]bool{}
	for _, f := range binlogs {
		for d, servers := range serverSeqs(f.EndState) {
			for srv, seq := range servers {
				if seq <= furthest[d] && seq > heads[d][srv] {
					out[f.Key] = true
				}
			}
		}
	}
	return out
}

func maxSeq(m map[uint64]uint64) uint64 {
	var top uint64
	for _, s := range m {
		top = max(top, s)
	}
	return top
}
