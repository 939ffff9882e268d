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
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// gtidID is a MariaDB GTID without its sequence number.
type gtidID struct{ domain, server uint32 }

// gtidState maps (domain, server) to the last sequence number: the shape
// of gtid_binlog_state. Positions (one GTID per domain) use it too.
type gtidState map[gtidID]uint64

// parseGTIDs reads "domain-server-seq,..." (empty: none).
func parseGTIDs(s string) (gtidState, error) {
	out := gtidState{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Split(part, "-")
		if len(f) != 3 {
			return nil, fmt.Errorf("malformed GTID %q", part)
		}
		d, err1 := strconv.ParseUint(f[0], 10, 32)
		srv, err2 := strconv.ParseUint(f[1], 10, 32)
		seq, err3 := strconv.ParseUint(f[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("malformed GTID %q", part)
		}
		id := gtidID{uint32(d), uint32(srv)}
		out[id] = max(out[id], seq)
	}
	return out, nil
}

// String renders the state ordered by domain, then server.
func (g gtidState) String() string {
	ids := make([]gtidID, 0, len(g))
	for id := range g {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].domain != ids[j].domain {
			return ids[i].domain < ids[j].domain
		}
		return ids[i].server < ids[j].server
	})
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%d-%d-%d", id.domain, id.server, g[id])
	}
	return strings.Join(parts, ",")
}

func (g gtidState) clone() gtidState {
	out := make(gtidState, len(g))
	for k, v := range g {
		out[k] = v
	}
	return out
}

// merge takes, per (domain, server), the larger sequence number.
func (g gtidState) merge(o gtidState) {
	for k, v := range o {
		g[k] = max(g[k], v)
	}
}

// lastPerDomain keeps, per domain, the GTID with the highest sequence
// number (gtid_binlog_pos from gtid_binlog_state).
func (g gtidState) lastPerDomain() gtidState {
	best := map[uint32]gtidID{}
	for id, seq := range g {
		if b, ok := best[id.domain]; !ok || seq > g[b] {
			best[id.domain] = id
		}
	}
	out := gtidState{}
	for _, id := range best {
		out[id] = g[id]
	}
	return out
}

// seq is the highest sequence number of domain d (0 when none).
func (g gtidState) seq(d uint32) uint64 {
	var s uint64
	for id, v := range g {
		if id.domain == d {
			s = max(s, v)
		}
	}
	return s
}

// covers reports whether every domain of want is at or past want's
// sequence number in g (MASTER_GTID_WAIT's condition).
func (g gtidState) covers(want gtidState) bool {
	for id, seq := range want {
		if g.seq(id.domain) < seq {
			return false
		}
	}
	return true
}
