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

package workload

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Pause is the write pause as a client saw it.
type Pause struct {
	// Max is the largest gap between consecutive acknowledged writes from the start of the
	// workload to its stop (the stop counts as the end of a gap that writes never closed).
	Max time.Duration
	// From and To bound the largest gap.
	From, To time.Time
	// FaultToFirst is from the fault mark to the first write acknowledged after it (the stop if none).
	FaultToFirst time.Duration
	// Resumed is false when no write was acknowledged after the fault mark.
	Resumed bool
}

// WritePause measures the pause around fault (zero time: only the largest gap).
func WritePause(acks []Ack, start, fault, stop time.Time) Pause {
	var p Pause
	prev := start
	for _, a := range acks {
		if gap := a.At.Sub(prev); gap > p.Max {
			p.Max, p.From, p.To = gap, prev, a.At
		}
		prev = a.At
	}
	if gap := stop.Sub(prev); gap > p.Max {
		p.Max, p.From, p.To = gap, prev, stop
	}
	if !fault.IsZero() {
		p.FaultToFirst = stop.Sub(fault)
		for _, a := range acks {
			if !a.At.Before(fault) {
				p.FaultToFirst, p.Resumed = a.At.Sub(fault), true
				break
			}
		}
	}
	return p
}

// SplitBrain is a run of probe ticks where two or more writable members were routed to by the
// primary Service (clients could write to both).
type SplitBrain struct {
	From, To time.Time
	Ticks    int
	Members  []string
}

// SplitBrains finds the ticks where more than one writable member was routed to.
func SplitBrains(probes []Probe) []SplitBrain {
	var out []SplitBrain
	var cur *SplitBrain
	for _, p := range probes {
		var both []string
		for _, m := range p.Writable {
			if slices.Contains(p.Routed, m) {
				both = append(both, m)
			}
		}
		if len(both) < 2 {
			cur = nil
			continue
		}
		if cur == nil {
			out = append(out, SplitBrain{From: p.At})
			cur = &out[len(out)-1]
		}
		cur.To, cur.Ticks = p.At, cur.Ticks+1
		for _, m := range both {
			if !slices.Contains(cur.Members, m) {
				cur.Members = append(cur.Members, m)
			}
		}
	}
	return out
}

// Windows are the total time (summed tick intervals) during which a condition held.
type Windows struct {
	// MultiWritable: two or more members writable, whether routed or not (not by itself a split
	// brain: a writable member no Service routes to takes no client writes).
	MultiWritable time.Duration
	// NoWritableRouted: the primary Service routed to no writable member.
	NoWritableRouted time.Duration
	// AsyncWritable: a routed, writable member ran without an active semi-sync wait.
	AsyncWritable time.Duration
	// Writers lists every member seen writable, in order of first sight.
	Writers []string
}

// ProbeWindows sums, over the ticks, how long each condition held.
func ProbeWindows(probes []Probe) Windows {
	var w Windows
	for i, p := range probes {
		var dt time.Duration
		if i+1 < len(probes) {
			dt = probes[i+1].At.Sub(p.At)
		}
		if len(p.Writable) > 1 {
			w.MultiWritable += dt
		}
		routedWritable, async := false, false
		for _, m := range p.Writable {
			if !slices.Contains(w.Writers, m) {
				w.Writers = append(w.Writers, m)
			}
			if slices.Contains(p.Routed, m) {
				routedWritable = true
				if !slices.Contains(p.SemiSyncOn, m) {
					async = true
				}
			}
		}
		if !routedWritable {
			w.NoWritableRouted += dt
		}
		if async {
			w.AsyncWritable += dt
		}
	}
	return w
}

// AsyncAcks are the acknowledged writes that fell between a probe tick that saw their member
// writable without an active semi-sync wait and the next tick: writes acknowledged that no replica
// may hold.
func AsyncAcks(acks []Ack, probes []Probe) []Ack {
	var out []Ack
	i := 0
	for k, p := range probes {
		if k+1 >= len(probes) {
			break
		}
		next := probes[k+1].At
		for i < len(acks) && acks[i].At.Before(p.At) {
			i++
		}
		for j := i; j < len(acks) && acks[j].At.Before(next); j++ {
			a := acks[j]
			if slices.Contains(p.Writable, a.Host) && !slices.Contains(p.SemiSyncOn, a.Host) &&
				slices.Contains(probes[k+1].Writable, a.Host) && !slices.Contains(probes[k+1].SemiSyncOn, a.Host) {
				out = append(out, a)
			}
		}
	}
	return out
}

// AckHosts is the sequence of members that acknowledged writes, with consecutive repeats merged
// ("mysql-0 x120, mysql-1 x300").
func AckHosts(acks []Ack) string {
	var parts []string
	last, n := "", 0
	flush := func() {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s x%d", last, n))
		}
	}
	for _, a := range acks {
		if a.Host != last {
			flush()
			last, n = a.Host, 0
		}
		n++
	}
	flush()
	return strings.Join(parts, ", ")
}

// Missing returns the acknowledged ids not in present.
func Missing(acks []Ack, present map[int64]bool) []int64 {
	var out []int64
	for _, a := range acks {
		if !present[a.ID] {
			out = append(out, a.ID)
		}
	}
	return out
}

// RowIDs reads every row id of the workload's table through addr.
func RowIDs(ctx context.Context, user, password, addr, database string) (map[int64]bool, error) {
	db, err := sql.Open("mysql", DSN(user, password, addr, database, 2*time.Second, 10*time.Second))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT id FROM w")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// RowCheck is what one member holds of the acknowledged rows.
type RowCheck struct {
	Member  string
	Rows    int
	Missing []int64
	Err     string
}

func (r RowCheck) String() string {
	if r.Err != "" {
		return fmt.Sprintf("%s: error %s", r.Member, r.Err)
	}
	if len(r.Missing) == 0 {
		return fmt.Sprintf("%s: all acknowledged rows (%d rows)", r.Member, r.Rows)
	}
	return fmt.Sprintf("%s: MISSING %d acknowledged rows, e.g. %v (%d rows)", r.Member, len(r.Missing), r.Missing[:min(10, len(r.Missing))], r.Rows)
}

// VerifyRows checks every member (name → addr) for every acknowledged row, retrying each for up to
// wait so replicas can catch up.
func VerifyRows(ctx context.Context, user, password, database string, members map[string]string, acks []Ack, wait time.Duration) []RowCheck {
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	slices.Sort(names)
	deadline := time.Now().Add(wait)
	var out []RowCheck
	for _, name := range names {
		var rc RowCheck
		for {
			rc = RowCheck{Member: name}
			ids, err := RowIDs(ctx, user, password, members[name], database)
			if err != nil {
				rc.Err = err.Error()
			} else {
				rc.Rows, rc.Missing = len(ids), Missing(acks, ids)
			}
			if (rc.Err == "" && len(rc.Missing) == 0) || time.Now().After(deadline) || ctx.Err() != nil {
				break
			}
			sleep(ctx, time.Second)
		}
		out = append(out, rc)
	}
	return out
}
