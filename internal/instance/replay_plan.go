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
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// The pure decisions of point-in-time replay: which mariadb-binlog options apply one archived
// file to a server that holds some of its transactions already. Measured with mariadb-binlog 3.5
// of MariaDB 10.11 (its --gtid-strict-mode is on by default):
//
//   - --start-position=D-S-N (a GTID list, one per domain) prints, in domain D, only the events
//     with a sequence number above N: the start GTID itself is excluded, and so is every
//     transaction of another server with a lower or equal sequence number (the server id is not
//     compared). Several files on one command line are read as one stream.
//   - A domain present in the files but missing from --start-position is refused ("does not
//     specify an initial value for domain"), except a domain that starts in these files (not in
//     their first Gtid_list), whose events are all printed.
//   - A start GTID below the first file's Gtid_list is refused ("Binary logs are missing data for
//     domain"); one at or after the files' last GTID of its domain is refused too ("Binary logs
//     never reached expected GTID state"), even when it equals that last GTID. A domain the server
//     already holds completely must therefore be left out (--ignore-domain-ids), not started at.
//   - --stop-position=D-S-N prints up to and including sequence number N of domain D and prints
//     nothing of a domain it does not list. A stop GTID before the files' start is refused; one
//     after their end only warns ("Did not reach stop position").
//   - --stop-datetime=T stops at the first event stamped at or after T, in the process's local
//     time zone. A transaction's GTID event carries the time of its COMMIT (or of its only
//     statement), its row events the times of their statements, so the stop falls between
//     transactions: a transaction is in when its commit is stamped before T. Stamps are whole
//     seconds; passing the second after the target keeps every transaction committed in the
//     target's second (docs/backups.md).

// domainTip is the GTID with the highest sequence number of one domain.
type domainTip struct {
	server string
	seq    uint64
}

func (t domainTip) gtid(domain string) string {
	return domain + "-" + t.server + "-" + strconv.FormatUint(t.seq, 10)
}

// tips returns the last GTID of each domain of a MariaDB state.
func tips(s gtid.Set) map[string]domainTip {
	out := map[string]domainTip{}
	for _, k := range s.Keys() {
		d, srv, _ := strings.Cut(k, "-")
		ivs := s.Intervals(k)
		if end := ivs[len(ivs)-1].End; end > out[d].seq {
			out[d] = domainTip{server: srv, seq: end}
		}
	}
	return out
}

// lastSeq is the last sequence number of one domain-server key of a state, 0 when absent.
func lastSeq(s gtid.Set, key string) uint64 {
	ivs := s.Intervals(key)
	if len(ivs) == 0 {
		return 0
	}
	return ivs[len(ivs)-1].End
}

// replayStep is how to apply one file.
type replayStep struct {
	// Done: the server already holds the stop GTID; nothing more is applied.
	Done bool
	// Skip: the server already holds every transaction of the file.
	Skip bool
	// Start, Stop and Ignore are mariadb-binlog's --start-position, --stop-position and
	// --ignore-domain-ids ("" and nil: not passed).
	Start, Stop string
	Ignore      []string
}

// planReplay decides how to apply a file (its start and end states) to a server holding held,
// stopping at stop (empty: no stop GTID). Refused: a file that does not continue the server's
// history (diverged) or starts after it (a gap).
func planReplay(held, start, end, stop gtid.Set) (replayStep, error) {
	if err := diverged(held, end); err != nil {
		return replayStep{}, err
	}
	h, s, e, st := tips(held), tips(start), tips(end), tips(stop)
	if len(st) > 0 && covered(h, st) {
		return replayStep{Done: true}, nil
	}
	var r replayStep
	var starts, stops []string
	domains := slices.Collect(maps.Keys(e))
	sortDomains(domains)
	for _, d := range domains {
		stopAt, stopped := st[d]
		switch {
		case h[d].seq >= e[d].seq, len(st) > 0 && (!stopped || h[d].seq >= stopAt.seq):
			r.Ignore = append(r.Ignore, d) // held already, or beyond the stop
			continue
		case h[d].seq < s[d].seq:
			return replayStep{}, fmt.Errorf("the server holds domain %s up to sequence number %d, but the file starts "+
				"after %s: the transactions in between are missing", d, h[d].seq, s[d].gtid(d))
		}
		if h[d].seq > 0 {
			starts = append(starts, h[d].gtid(d))
		}
		if stopped {
			stops = append(stops, stopAt.gtid(d))
		}
	}
	if len(r.Ignore) == len(domains) {
		return replayStep{Skip: true}, nil
	}
	r.Start, r.Stop = strings.Join(starts, ","), strings.Join(stops, ",")
	return r, nil
}

// diverged refuses a file whose history lacks a transaction the server holds although the file
// has reached that point of the domain: two histories, such as an old primary's writes that no
// replica received (archived before a failover) followed by the new primary's files. mariadb-binlog
// compares sequence numbers only, so it would silently skip the new primary's transactions that
// reuse those numbers.
func diverged(held, end gtid.Set) error {
	e := tips(end)
	for _, k := range held.Keys() {
		d, _, _ := strings.Cut(k, "-")
		n := lastSeq(held, k)
		if e[d].seq >= n && lastSeq(end, k) < n {
			return fmt.Errorf("the server holds %s-%d, which the file's history does not (it reaches %s): the "+
				"archive holds two histories, e.g. writes of an old primary that no replica received", k, n, e[d].gtid(d))
		}
	}
	return nil
}

// covered reports whether every domain of want is held up to its sequence number.
func covered(held, want map[string]domainTip) bool {
	for d, w := range want {
		if held[d].seq < w.seq {
			return false
		}
	}
	return true
}

// reachedEnd reports whether the server holds the file's end in every domain that was applied.
func reachedEnd(held, end gtid.Set, ignored []string) bool {
	h, e := tips(held), tips(end)
	for d, t := range e {
		if !slices.Contains(ignored, d) && h[d].seq < t.seq {
			return false
		}
	}
	return true
}

// stopDatetime is mariadb-binlog's --stop-datetime for a target time, in UTC (the tool runs with
// TZ=UTC): the second after the target's, so that every transaction stamped in the target's
// second is applied.
func stopDatetime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Add(time.Second).Format(time.DateTime)
}

// sortDomains orders domain ids numerically, for stable arguments.
func sortDomains(ds []string) {
	slices.SortFunc(ds, func(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b)) })
}
