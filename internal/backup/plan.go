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
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Target is what a restore recovers to. Exactly one of its fields is set, except that Backup may
// name the base backup of a Time or GTID target.
type Target struct {
	// Backup alone restores that backup as it is.
	Backup string
	// Time recovers every transaction committed at or before it.
	Time *time.Time
	// GTID recovers up to and including this GTID position (MariaDB: one GTID per domain).
	GTID string
	// Latest recovers everything the store holds.
	Latest bool
}

// Plan is how to restore: the base backup, then the archived binary logs applied in order, each
// from the server's position at that time (a file may repeat transactions an earlier one held:
// after a failover the new primary's files overlap the old one's), stopping at the target.
type Plan struct {
	Base    Manifest
	Binlogs []BinlogFile
	// StopTime, when not zero, stops before the first transaction committed after it.
	StopTime time.Time
	// StopGTID, when set, stops after this GTID position.
	StopGTID string
}

// Archive is what a store holds: complete backups (any order), archived binary logs in archive
// order (key order), and how far the archive is known complete.
type Archive struct {
	Backups []Manifest
	Binlogs []BinlogFile
	// Through, when set, says every transaction committed before Through.Time is archived.
	Through *Through
}

// PlanRestore plans from backups and binlogs alone (see Archive.Plan).
func PlanRestore(backups []Manifest, binlogs []BinlogFile, t Target) (Plan, error) {
	return Archive{Backups: backups, Binlogs: binlogs}.Plan(t)
}

// Plan chooses the base backup and the archived binary logs that recover t, and refuses a
// target outside what the store holds with the range it does hold.
func (a Archive) Plan(t Target) (Plan, error) {
	if len(a.Backups) == 0 {
		return Plan{}, errors.New("the store holds no complete backup")
	}
	base, err := chooseBase(a.Backups, t)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Base: base, StopGTID: t.GTID}
	if t.Time != nil {
		p.StopTime = *t.Time
	}
	if t.Time == nil && t.GTID == "" && !t.Latest {
		return p, nil
	}
	p.Binlogs, err = chain(base, a.Binlogs, t)
	if err != nil {
		return Plan{}, err
	}
	return p, a.reaches(p, t)
}

// chooseBase is the named backup, else the newest whose backup point precedes the target.
func chooseBase(backups []Manifest, t Target) (Manifest, error) {
	sorted := slices.SortedFunc(slices.Values(backups), func(a, b Manifest) int { return a.End.Compare(b.End) })
	if t.Backup != "" {
		i := slices.IndexFunc(sorted, func(m Manifest) bool { return m.Name == t.Backup })
		if i < 0 {
			return Manifest{}, fmt.Errorf("backup %q is not in the store; it holds %s", t.Backup, names(sorted))
		}
		if t.Time != nil && sorted[i].End.After(*t.Time) {
			return Manifest{}, fmt.Errorf("backup %q ends at %s, after the target time %s",
				t.Backup, stamp(sorted[i].End), stamp(*t.Time))
		}
		return sorted[i], nil
	}
	for i := len(sorted) - 1; i >= 0; i-- {
		m := sorted[i]
		if t.Time != nil && m.End.After(*t.Time) {
			continue
		}
		if t.GTID != "" && !Covers(t.GTID, m.GTIDPosition) {
			continue
		}
		return m, nil
	}
	return Manifest{}, fmt.Errorf("the target is before the oldest backup (%s, which ends at %s); %s",
		sorted[0].Name, stamp(sorted[0].End), Archive{Backups: sorted}.available())
}

// chain is the archived files that hold a transaction the base lacks and may precede the
// target, checked for gaps: each must start from a state the base and the files before it hold.
func chain(base Manifest, binlogs []BinlogFile, t Target) ([]BinlogFile, error) {
	var out []BinlogFile
	have := base.GTIDPosition
	skip := Divergent(binlogs)
	for _, f := range binlogs {
		if skip[f.Key] || Covers(have, f.EndState) {
			continue // holds nothing the restore lacks so far
		}
		if t.Time != nil && f.FirstTime.After(*t.Time) {
			break
		}
		if t.GTID != "" && Covers(have, t.GTID) {
			break
		}
		if !Covers(have, f.StartState) {
			return nil, fmt.Errorf("the archive has a gap: %s (from %s) starts at %q but the backup %s and the files "+
				"before it reach only %q", f.File, f.Member, f.StartState, base.Name, have)
		}
		out = append(out, f)
		have = Merge(have, f.EndState)
	}
	return out, nil
}

// reaches refuses a target beyond the last archived transaction. The archive reaches the last
// applied file's close, or the completeness mark when the plan holds everything it names.
func (a Archive) reaches(p Plan, t Target) error {
	have, last := p.Base.GTIDPosition, p.Base.End
	for _, f := range p.Binlogs {
		have = Merge(have, f.EndState)
		last = maxTime(last, f.LastTime)
	}
	if a.Through != nil && Covers(have, a.Through.State) {
		last = maxTime(last, a.Through.Time)
	}
	switch {
	case t.Time != nil && last.Before(*t.Time):
		return fmt.Errorf("the target time %s is after the last archived transaction; %s",
			stamp(*t.Time), a.available())
	case t.GTID != "" && !Covers(have, t.GTID):
		return fmt.Errorf("the target GTID %q is not in the archive, which reaches %q; %s",
			t.GTID, have, a.available())
	}
	return nil
}

// available says what range of times the store can restore to.
func (a Archive) available() string {
	first, last := a.Backups[0].End, a.Backups[0].End
	for _, m := range a.Backups {
		first, last = minTime(first, m.End), maxTime(last, m.End)
	}
	held := ""
	for _, f := range a.Binlogs {
		held = Merge(held, f.EndState)
		if !f.LastTime.Before(first) {
			last = maxTime(last, f.LastTime)
		}
	}
	if a.Through != nil && Covers(held, a.Through.State) {
		last = maxTime(last, a.Through.Time)
	}
	return fmt.Sprintf("the store can restore to any time from %s to %s", stamp(first), stamp(last))
}

func names(ms []Manifest) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return strings.Join(out, ", ")
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
