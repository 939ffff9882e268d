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
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// aliases let tests write "a:1-10,b:3" for MySQL GTID sets.
var aliases = map[string]string{
	"a": "3e11fa47-71ca-11e1-9e33-c80aa9429562",
	"b": "4e11fa47-71ca-11e1-9e33-c80aa9429562",
	"c": "5e11fa47-71ca-11e1-9e33-c80aa9429562",
}

// set parses a GTID set written with the aliases above; "" is the empty set.
func set(s string) gtid.Set {
	if s == "" {
		return gtid.Set{}
	}
	var parts []string
	for _, elem := range strings.Split(s, ",") {
		key, rest, _ := strings.Cut(elem, ":")
		parts = append(parts, aliases[key]+":"+rest)
	}
	return gtid.MustParse(gtid.MySQL, strings.Join(parts, ","))
}

func ordinalOf(name string) int {
	i := strings.LastIndex(name, "-")
	n, err := strconv.Atoi(name[i+1:])
	if err != nil {
		panic("member name without ordinal: " + name)
	}
	return n
}

// up is a member whose pod is ready and whose server answers, read-only.
func up(name, executed string) Member {
	return Member{Name: name, Ordinal: ordinalOf(name), PodExists: true, PodReady: true,
		Reachable: true, Executed: set(executed)}
}

// primary answers, is writable and waits for a semi-sync ack (the steady
// state of the default mode) from one connected replica.
func primary(name, executed string) Member {
	m := up(name, executed)
	m.Writable, m.SemiSyncSource, m.SemiSyncClients = true, true, 1
	return m
}

// replica replicates from mysql-0, both threads running, no lag.
func replica(name, executed string) Member {
	m := up(name, executed)
	m.Source, m.IORunning, m.IOConnected, m.SQLRunning, m.LagKnown = "mysql-0", true, true, true, true
	return m
}

// lost does not answer and its pod is not ready; executed is its last recorded set.
func lost(name, executed string) Member {
	return Member{Name: name, Ordinal: ordinalOf(name), PodExists: true, Executed: set(executed)}
}

// Modifiers, so a row reads replica("mysql-1", "a:1-10").src("mysql-2").
func (m Member) src(s string) Member        { m.Source = s; return m }
func (m Member) recv(s string) Member       { m.Received = set(s); return m }
func (m Member) lag(d time.Duration) Member { m.Lag = d; return m }
func (m Member) flagged() Member            { m.Errant = true; return m }
func (m Member) outdated() Member           { m.Outdated = true; return m }
func (m Member) deleting() Member           { m.Deleting = true; return m }
func (m Member) unfenced() Member           { m.Writable = true; return m }
func (m Member) fenced() Member             { m.Writable = false; return m }
func (m Member) podReady() Member           { m.PodReady = true; return m }
func (m Member) podNotReady() Member        { m.PodReady = false; return m }
func (m Member) noPod() Member              { m.PodExists, m.PodReady = false, false; return m }
func (m Member) isolated() Member           { m.Isolated = true; return m }
func (m Member) prevServing() Member        { m.PrevServing = true; return m }
func (m Member) version(s string) Member    { m.Version = s; return m }

// errantRec: the errant flag and set recorded in status at the previous observation.
func (m Member) errantRec(s string) Member {
	m.Errant, m.RecordedErrant = true, set(s)
	return m
}

// cannotCommit: a heartbeat write did not commit; waiting sessions on the semi-sync ack.
func (m Member) cannotCommit(err string, waiting int) Member {
	m.CannotCommit, m.CommitError, m.SemiSyncWaiting = true, err, waiting
	return m
}

func (m Member) semi(on bool, clients int) Member {
	m.SemiSyncSource, m.SemiSyncClients = on, clients
	return m
}

func (m Member) withExecuted(s string) Member { m.Executed = set(s); return m }

// connecting: the IO thread runs but is not connected to its source; lag unknown.
func connecting(m Member) Member {
	m.IORunning, m.IOConnected, m.LagKnown = true, false, false
	return m
}

// unknownLag: the server reports Seconds_Behind_Source as NULL.
func unknownLag(m Member) Member { m.LagKnown = false; return m }

// withMember replaces the member of the same name.
func (s Snapshot) withMember(m Member) Snapshot {
	s.Members = slices.Clone(s.Members)
	for i := range s.Members {
		if s.Members[i].Name == m.Name {
			s.Members[i] = m
		}
	}
	return s
}

// ioStopped: the IO thread stopped with errno (0 for a clean stop).
func (m Member) ioStopped(errno int) Member {
	m.IORunning, m.IOConnected, m.LastIOErrno = false, false, errno
	return m
}

// ioErr: the IO thread runs (again) but last reported errno.
func (m Member) ioErr(errno int) Member { m.LastIOErrno = errno; return m }

func (m Member) backingUp() Member {
	m.BackingUp = true
	return m
}

func (m Member) sqlStopped(errno int) Member {
	m.SQLRunning, m.LastSQLErrno = false, errno
	return m
}

// cluster is a snapshot with the defaults of a fresh MySQLCluster: as many
// desired members as listed, failover on after 10s, semi-sync, 30s lag bound.
func cluster(currentPrimary string, ms ...Member) Snapshot {
	return Snapshot{Flavor: gtid.MySQL, Members: ms, Replicas: len(ms), CurrentPrimary: currentPrimary,
		FailoverEnabled: true, FailoverDelay: 10 * time.Second, Mode: SemiSync, MaxLag: 30 * time.Second}
}

func (s Snapshot) unreachableFor(d time.Duration) Snapshot { s.PrimaryUnreachableFor = d; return s }
func (s Snapshot) failoverOff() Snapshot                   { s.FailoverEnabled = false; return s }
func (s Snapshot) switchoverTo(n string) Snapshot          { s.SwitchoverTo = n; return s }
func (s Snapshot) replicas(n int) Snapshot                 { s.Replicas = n; return s }
func (s Snapshot) mode(m Mode) Snapshot                    { s.Mode = m; return s }

// row is one documented situation and the step it must produce.
type row struct {
	name   string
	s      Snapshot
	kind   Kind
	target string
	source string   // checked when not ""
	rule   string   // checked when not ""
	reason string   // a substring of the reason, checked when not ""
	also   []string // checked when not nil; []string{} asks for none
}

func runRows(t *testing.T, rows []row) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			got := Decide(r.s)
			if got.Kind != r.kind || got.Target != r.target {
				t.Fatalf("Decide = %s %q (rule %s: %s), want %s %q", got.Kind, got.Target, got.Rule, got.Reason, r.kind, r.target)
			}
			if r.source != "" && got.Source != r.source {
				t.Errorf("source = %q, want %q (%s)", got.Source, r.source, got.Reason)
			}
			if r.rule != "" && got.Rule != r.rule {
				t.Errorf("rule = %q, want %q (%s)", got.Rule, r.rule, got.Reason)
			}
			if r.also != nil && !slices.Equal(got.Also, r.also) {
				t.Errorf("also = %q, want %q (%s)", got.Also, r.also, got.Reason)
			}
			if !strings.Contains(got.Reason, r.reason) {
				t.Errorf("reason %q does not contain %q", got.Reason, r.reason)
			}
		})
	}
}
