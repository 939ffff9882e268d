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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// chainOf builds consecutive files from their states: file i spans states[i] to states[i+1].
func chainOf(states ...string) []localBinlog {
	var out []localBinlog
	for i := 0; i+1 < len(states); i++ {
		out = append(out, localBinlog{Name: "binlog.00000" + string(rune('1'+i)), Start: states[i], End: states[i+1]})
	}
	return out
}

func TestPlanUploads(t *testing.T) {
	for _, tc := range []struct {
		name     string
		files    []localBinlog
		archived string
		want     []int
		gap      string // substring; "" for none
	}{
		{name: "empty archive: every file with transactions", files: chainOf("", "0-1-5", "0-1-5", "0-1-9"),
			want: []int{0, 2}},
		{name: "archived up to the second file", files: chainOf("", "0-1-5", "0-1-9", "0-1-12"), archived: "0-1-9",
			want: []int{2}},
		{name: "everything archived", files: chainOf("", "0-1-5", "0-1-9"), archived: "0-1-9"},
		{name: "archive ahead (a restart re-reads it)", files: chainOf("0-1-5", "0-1-9"), archived: "0-1-20"},
		{name: "partly archived file is uploaded whole", files: chainOf("0-1-5", "0-1-9"), archived: "0-1-7",
			want: []int{0}},
		// A replica (server 2) promoted after server 1 archived up to 0-1-95: its files written as a
		// replica hold 0-1-91..100, so the one ending past 95 goes up, then its own.
		{name: "failover: the new primary uploads what the old one had not",
			files: chainOf("0-1-80", "0-1-90", "0-1-100", "0-1-100,0-2-110"), archived: "0-1-95", want: []int{1, 2}},
		{name: "failover: the old primary archived everything", files: chainOf("0-1-80", "0-1-100", "0-1-100,0-2-110"),
			archived: "0-1-100", want: []int{1}},
		{name: "gap: the oldest local file starts after the archive",
			files: chainOf("0-1-50", "0-1-60"), archived: "0-1-40", want: []int{0},
			gap: "binary logs between 0-1-40 and 0-1-50 are not in the store: take a new backup"},
		{name: "no gap from an empty archive", files: chainOf("0-1-50", "0-1-60"), want: []int{0}},
		{name: "two domains", files: chainOf("0-1-5,1-1-2", "0-1-5,1-1-4"), archived: "0-1-5,1-1-2", want: []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := planUploads(tc.files, gtid.MustParse(gtid.MariaDB, tc.archived))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Upload, tc.want) {
				t.Errorf("upload %v, want %v", p.Upload, tc.want)
			}
			if (tc.gap == "") != (p.Gap == "") || !strings.Contains(p.Gap, tc.gap) {
				t.Errorf("gap %q, want %q", p.Gap, tc.gap)
			}
		})
	}
	if _, err := planUploads(chainOf("0-1-x", "0-1-5"), gtid.Set{}); err == nil {
		t.Error("a malformed state must fail")
	}
}

func TestNeedsFlush(t *testing.T) {
	for _, tc := range []struct {
		state, activeStart, archived string
		want                         bool
	}{
		{"0-1-5", "0-1-5", "0-1-5", false}, // idle: never flushed
		{"0-1-5", "0-1-5", "", false},      // idle and nothing archived yet: the file holds nothing
		{"0-1-7", "0-1-5", "0-1-5", true},
		{"0-1-7", "0-1-5", "0-1-7", false}, // another member archived these already
		{"0-1-7,0-2-9", "0-1-7", "0-1-7", true},
	} {
		got, err := needsFlush(tc.state, tc.activeStart, gtid.MustParse(gtid.MariaDB, tc.archived))
		if err != nil || got != tc.want {
			t.Errorf("needsFlush(%q, %q, %q) = %v, %v; want %v", tc.state, tc.activeStart, tc.archived, got, err, tc.want)
		}
	}
}

func TestBinlogManifest(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 7, 45, 25, 0, time.UTC)
	f := localBinlog{Name: "binlog.000004", Size: 655, Start: "0-1-6", End: "0-1-6,0-2-9", FirstTime: t0,
		LastTime: t0.Add(time.Minute)}
	key := backup.BinlogKey(t0, "db-0", f.Name)
	m := binlogManifest(f, key, "db-0", 100, 655, "abc")
	want := backup.BinlogFile{Key: key, Member: "db-0", ServerID: 100, File: "binlog.000004", Size: 655, SHA256: "abc",
		StartState: "0-1-6", EndState: "0-1-6,0-2-9", FirstTime: t0, LastTime: t0.Add(time.Minute)}
	if m != want {
		t.Errorf("manifest %+v, want %+v", m, want)
	}
}

func TestBinlogOpened(t *testing.T) {
	dir := t.TempDir()
	// The start of a real 10.11 binary log: magic, then the Format_description event's header.
	head := []byte{0xfe, 'b', 'i', 'n', 0x15, 0xf6, 0x0e, 0x6b, 15, 1, 0, 0, 0}
	path := filepath.Join(dir, "binlog.000004")
	if err := os.WriteFile(path, head, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := binlogOpened(path)
	if want := time.Unix(1796142613, 0).UTC(); err != nil || !got.Equal(want) {
		t.Errorf("binlogOpened = %v, %v; want %v", got, err, want)
	}
	head[8] = 2 // a Query event first: not a binary log this reader knows
	if err := os.WriteFile(path, head, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := binlogOpened(path); err == nil {
		t.Error("a file without a format description event must fail")
	}
	if _, err := binlogOpened(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file must fail")
	}
}
