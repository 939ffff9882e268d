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
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func ptr[T any](v T) *T { return &v }

func base(name string, end int, pos string) Manifest {
	return Manifest{Name: name, End: at(end), GTIDPosition: pos}
}

func file(name, member string, from, to int, start, end string) BinlogFile {
	return BinlogFile{Key: member + "/" + name, File: name, Member: member, FirstTime: at(from), LastTime: at(to),
		StartState: start, EndState: end}
}

// The archive of a cluster whose primary mysql-0 failed over to mysql-1 at minute 30: mysql-1's
// first upload repeats what mysql-0 had archived (0-1-200..0-1-250 overlap) and adds what it had not.
var (
	backups = []Manifest{base("b1", 0, "0-1-100"), base("b2", 20, "0-1-180")}
	archive = []BinlogFile{
		file("bin.000001", "mysql-0", -5, 10, "0-1-90", "0-1-150"),
		file("bin.000002", "mysql-0", 10, 25, "0-1-150", "0-1-200"),
		file("bin.000003", "mysql-0", 25, 29, "0-1-200", "0-1-250"),
		file("bin.000001", "mysql-1", 0, 31, "0-1-120", "0-1-250,0-2-260"),
		file("bin.000002", "mysql-1", 31, 40, "0-1-250,0-2-260", "0-1-250,0-2-300"),
	}
)

func keys(fs []BinlogFile) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Member+"/"+f.File)
	}
	return strings.Join(out, " ")
}

func TestPlanRestore(t *testing.T) {
	cases := []struct {
		name     string
		target   Target
		base     string
		binlogs  string
		stopTime time.Time
		err      string
	}{
		{name: "a named backup alone", target: Target{Backup: "b1"}, base: "b1"},
		{name: "a time picks the newest backup before it", target: Target{Time: ptr(at(22))}, base: "b2",
			binlogs: "mysql-0/bin.000002", stopTime: at(22)},
		{name: "a time before the second backup starts from the first", target: Target{Time: ptr(at(15))}, base: "b1",
			binlogs: "mysql-0/bin.000001 mysql-0/bin.000002", stopTime: at(15)},
		{name: "a time after the failover crosses to the new primary's files", target: Target{Time: ptr(at(35))},
			base: "b2", binlogs: "mysql-0/bin.000002 mysql-0/bin.000003 mysql-1/bin.000001 mysql-1/bin.000002", stopTime: at(35)},
		{name: "latest applies everything", target: Target{Latest: true}, base: "b2",
			binlogs: "mysql-0/bin.000002 mysql-0/bin.000003 mysql-1/bin.000001 mysql-1/bin.000002"},
		{name: "a GTID stops at the file that holds it", target: Target{GTID: "0-2-255"}, base: "b2",
			binlogs: "mysql-0/bin.000002 mysql-0/bin.000003 mysql-1/bin.000001"},
		{name: "a named base with a time", target: Target{Backup: "b1", Time: ptr(at(22))}, base: "b1",
			binlogs: "mysql-0/bin.000001 mysql-0/bin.000002", stopTime: at(22)},
		{name: "a time after the archive is refused with the range",
			target: Target{Time: ptr(at(50))},
			err:    "the target time 2026-12-01T10:50:00Z is after the last archived transaction; the store can restore to any time from 2026-12-01T10:00:00Z to 2026-12-01T10:40:00Z"},
		{name: "a time before every backup is refused", target: Target{Time: ptr(at(-1))},
			err: "the target is before the oldest backup (b1, which ends at 2026-12-01T10:00:00Z)"},
		{name: "an unknown backup is refused with the ones there are", target: Target{Backup: "nope"},
			err: `backup "nope" is not in the store; it holds b1, b2`},
		{name: "a GTID beyond the archive is refused", target: Target{GTID: "0-2-400"},
			err: `the target GTID "0-2-400" is not in the archive, which reaches "0-2-300"`},
		{name: "a named backup after the time is refused", target: Target{Backup: "b2", Time: ptr(at(10))},
			err: `backup "b2" ends at 2026-12-01T10:20:00Z, after the target time`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := PlanRestore(backups, archive, c.target)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want it to contain %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Base.Name != c.base || keys(p.Binlogs) != c.binlogs || !p.StopTime.Equal(c.stopTime) {
				t.Errorf("plan = %s [%s] stop %v, want %s [%s] stop %v", p.Base.Name, keys(p.Binlogs), p.StopTime,
					c.base, c.binlogs, c.stopTime)
			}
		})
	}
}

func TestPlanRestoreRefusesAGap(t *testing.T) {
	gap := []BinlogFile{
		file("bin.000001", "mysql-0", 0, 10, "0-1-100", "0-1-150"),
		file("bin.000003", "mysql-0", 20, 30, "0-1-170", "0-1-200"), // 151..170 were never archived
	}
	_, err := PlanRestore(backups[:1], gap, Target{Latest: true})
	if err == nil || !strings.Contains(err.Error(), "the archive has a gap: bin.000003 (from mysql-0) starts at \"0-1-170\"") {
		t.Fatalf("err = %v", err)
	}
}

func TestPlanRestoreWithoutBackups(t *testing.T) {
	if _, err := PlanRestore(nil, archive, Target{Latest: true}); err == nil {
		t.Fatal("want an error")
	}
}

func TestCoversAndMerge(t *testing.T) {
	cases := []struct {
		have, want string
		covers     bool
	}{
		{"0-1-10", "0-1-10", true},
		{"0-2-11", "0-1-10", true}, // a later GTID of another server holds the earlier ones
		{"0-1-10", "0-1-11", false},
		{"0-1-10,1-1-5", "1-1-6", false},
		{"0-1-10,1-1-5", "", true},
		{"", "0-1-1", false},
		{"garbage", "", false},
	}
	for _, c := range cases {
		if got := Covers(c.have, c.want); got != c.covers {
			t.Errorf("Covers(%q, %q) = %v", c.have, c.want, got)
		}
	}
	if got := Merge("0-1-10,2-3-4", "0-2-12,1-1-1"); got != "0-2-12,1-1-1,2-3-4" {
		t.Errorf("Merge = %q", got)
	}
}

func TestPlanRestoreAfterTheLastWriteNeedsTheCompletenessMark(t *testing.T) {
	target := Target{Time: ptr(at(45))} // the primary wrote nothing after minute 40
	if _, err := PlanRestore(backups, archive, target); err == nil {
		t.Fatal("without the mark the archive is known complete only to minute 40")
	}
	a := Archive{Backups: backups, Binlogs: archive, Through: &Through{Member: "mysql-1", State: "0-1-250,0-2-300", Time: at(50)}}
	p, err := a.Plan(target)
	if err != nil {
		t.Fatal(err)
	}
	if keys(p.Binlogs) != "mysql-0/bin.000002 mysql-0/bin.000003 mysql-1/bin.000001 mysql-1/bin.000002" {
		t.Errorf("binlogs = %s", keys(p.Binlogs))
	}
	// A mark holding transactions the chain lacks proves nothing about them.
	a.Through.State = "0-1-250,0-2-301"
	if _, err := a.Plan(target); err == nil || !strings.Contains(err.Error(), "to 2026-12-01T10:40:00Z") {
		t.Fatalf("err = %v, want the refusal naming the range up to the last file", err)
	}
}

// A deposed primary that comes back writable for a moment archives a write it had logged but no
// replica received (0-1-251): the new primary's history went on from 0-1-250 with 0-2-251. The
// restore follows the newest history and leaves the stray file out.
func TestPlanRestoreLeavesOutADeposedPrimarysStrayWrites(t *testing.T) {
	stray := append(append([]BinlogFile(nil), archive[:3]...),
		file("bin.000004", "mysql-0", 29, 33, "0-1-250", "0-1-251"),
		archive[3], archive[4])
	p, err := Archive{Backups: backups, Binlogs: stray}.Plan(Target{Latest: true})
	if err != nil {
		t.Fatal(err)
	}
	if keys(p.Binlogs) != "mysql-0/bin.000002 mysql-0/bin.000003 mysql-1/bin.000001 mysql-1/bin.000002" {
		t.Errorf("binlogs = %s", keys(p.Binlogs))
	}
	if d := Divergent(stray); len(d) != 1 {
		t.Errorf("divergent = %v, want only the stray file", d)
	}
}
