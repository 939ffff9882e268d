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

package topology

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// view is a snapshot prepared for the rules: members sorted by ordinal and
// the recorded primary looked up once.
type view struct {
	s       Snapshot
	members []Member // sorted by ordinal, then name
	primary Member   // the member named CurrentPrimary; zero when not listed
	hasP    bool     // CurrentPrimary is set and listed
}

func newView(s Snapshot) *view {
	v := &view{s: s, members: slices.Clone(s.Members)}
	slices.SortStableFunc(v.members, func(a, b Member) int {
		if a.Ordinal != b.Ordinal {
			return a.Ordinal - b.Ordinal
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, m := range v.members {
		if s.CurrentPrimary != "" && m.Name == s.CurrentPrimary {
			v.primary, v.hasP = m, true
			break
		}
	}
	return v
}

// others are the members other than the recorded primary, by ordinal.
func (v *view) others() []Member {
	out := make([]Member, 0, len(v.members))
	for _, m := range v.members {
		if m.Name != v.s.CurrentPrimary {
			out = append(out, m)
		}
	}
	return out
}

func (v *view) member(name string) (Member, bool) {
	for _, m := range v.members {
		if m.Name == name {
			return m, true
		}
	}
	return Member{}, false
}

// primaryReachable reports whether the recorded primary answered.
func (v *view) primaryReachable() bool { return v.hasP && v.primary.Reachable }

// primaryEstablished reports whether the recorded primary answers and takes
// writes: only then is its executed set the reference for errant detection.
func (v *view) primaryEstablished() bool { return v.hasP && v.primary.writable() }

// errantSet is what m has beyond the primary's executed set, and whether that
// could be computed from this observation.
func (v *view) errantSet(m Member) (gtid.Set, bool) {
	if !v.primaryEstablished() || !m.Reachable || m.Name == v.primary.Name {
		return gtid.Set{}, false
	}
	return m.has().Subtract(v.primary.Executed), true
}

// errant reports whether m has transactions the primary never executed:
// computed when possible, else the flag recorded in status.
func (v *view) errant(m Member) bool {
	if m.Name == v.s.CurrentPrimary {
		return false
	}
	if extra, ok := v.errantSet(m); ok {
		return !extra.IsEmpty()
	}
	return m.Errant
}

// semiSyncWanted: mode semiSync with more than one member desired (B.6).
func (v *view) semiSyncWanted() bool { return v.s.Mode != Async && v.s.Replicas > 1 }

// removing reports whether m is above the desired size (scale-down).
func (v *view) removing(m Member) bool { return m.Ordinal >= v.s.Replicas }

// serving reports whether replica m backs the replicas Service, and if not, why.
func (v *view) serving(m Member) (bool, string) {
	switch {
	case !m.PodExists:
		return false, "no pod"
	case m.Deleting:
		return false, "pod is being deleted"
	case !m.Reachable:
		return false, "does not answer"
	case !m.PodReady:
		return false, "pod is not ready"
	case v.errant(m):
		return false, "has errant transactions"
	case v.keepsServing(m):
		return true, ""
	case !v.hasP || m.Source != v.primary.Name:
		return false, fmt.Sprintf("replicates from %q, not the primary", m.Source)
	case !m.IORunning || !m.SQLRunning:
		return false, threadsMessage(m)
	case !m.LagKnown:
		return false, "lag unknown"
	case !withinLag(m, v.s.MaxLag):
		return false, fmt.Sprintf("lag %s exceeds %s", m.Lag, v.s.MaxLag)
	}
	return true, ""
}

// keepsServing: while the primary is lost its replicas' IO threads stop or
// reconnect and their lag turns unknown; one that served and still applies
// keeps serving reads (the caller checked pod, reachability and errant).
func (v *view) keepsServing(m Member) bool {
	lost := v.s.CurrentPrimary != "" && !v.primaryReachable()
	return lost && m.Name != v.s.CurrentPrimary && m.PrevServing && m.SQLRunning &&
		(!m.LagKnown || withinLag(m, v.s.MaxLag))
}

func threadsMessage(m Member) string {
	var parts []string
	if !m.IORunning {
		parts = append(parts, fmt.Sprintf("IO thread stopped (error %d)", m.LastIOErrno))
	}
	if !m.SQLRunning {
		parts = append(parts, fmt.Sprintf("SQL thread stopped (error %d)", m.LastSQLErrno))
	}
	return strings.Join(parts, ", ")
}

// lacks describes, for candidate c, what the members of pool have that c
// lacks and who holds it; "" when c has everything.
func lacks(c Member, pool []Member) string {
	var missing gtid.Set
	var holders []string
	for _, o := range pool {
		if o.Name == c.Name {
			continue
		}
		if extra := o.has().Subtract(c.has()); !extra.IsEmpty() {
			missing = missing.Union(extra)
			holders = append(holders, o.Name)
		}
	}
	if missing.IsEmpty() {
		return ""
	}
	return fmt.Sprintf("%s lacks %s (held by %s)", c.Name, missing, strings.Join(holders, ", "))
}

// holdsAll reports whether c has every transaction any member of pool has.
func holdsAll(c Member, pool []Member) bool { return lacks(c, pool) == "" }

func names(ms []Member) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return strings.Join(out, ", ")
}

func (v *view) byOrdinal(i int) (Member, bool) {
	for _, m := range v.members {
		if m.Ordinal == i {
			return m, true
		}
	}
	return Member{}, false
}

// followers are the members act points at t right after promoting it (the
// Also of Promote and Bootstrap): they answer, have a pod that is not being
// deleted, are neither errant nor isolated, and hold nothing t lacks, so
// repointing them cannot discard a transaction. By ordinal; nil when none.
func followers(v *view, t Member) []string {
	var out []string
	for _, m := range v.members {
		if m.Name == t.Name || !m.Reachable || !m.PodExists || m.Deleting || m.Isolated ||
			v.errant(m) || !m.has().SubsetOf(t.has()) {
			continue
		}
		out = append(out, m.Name)
	}
	return out
}

// nilIfEmpty keeps Step values comparable with reflect.DeepEqual.
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
