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
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

func mariaSet(s string) gtid.Set { return gtid.MustParse(gtid.MariaDB, s) }

func TestPlanReplay(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		held, start, end, stop string
		want                   replayStep
		err                    string
	}{
		{name: "from the base", held: "0-1-5", start: "0-1-5", end: "0-1-9", want: replayStep{Start: "0-1-5"}},
		{name: "mid-file", held: "0-1-7", start: "0-1-5", end: "0-1-9", want: replayStep{Start: "0-1-7"}},
		{name: "held entirely", held: "0-1-9", start: "0-1-5", end: "0-1-9", want: replayStep{Skip: true}},
		{name: "gap", held: "0-1-4", start: "0-1-5", end: "0-1-9", err: "the transactions in between are missing"},
		{name: "empty server, first file", held: "", start: "", end: "0-1-3", want: replayStep{}},
		// The new primary's file repeats what the old one's file held (0-1-80..100): the server
		// holds 0-1-100, so only 0-2-101.. apply.
		{name: "failover overlap", held: "0-1-100", start: "0-1-79", end: "0-1-100,0-2-120",
			want: replayStep{Start: "0-1-100"}},
		// The old primary archived 0-1-101 that no replica received; the new primary's history
		// reuses sequence number 101.
		{name: "two histories", held: "0-1-101", start: "0-1-79", end: "0-1-100,0-2-120", err: "two histories"},
		{name: "two histories, the errant server unknown to the file", held: "0-1-100,0-3-101", start: "0-1-100",
			end: "0-1-100,0-2-120", err: "0-3-101"},
		{name: "a later file of the same history", held: "0-1-100,0-2-105", start: "0-1-100,0-2-101",
			end: "0-1-100,0-2-120", want: replayStep{Start: "0-2-105"}},
		{name: "stop inside", held: "0-1-5", start: "0-1-5", end: "0-1-9", stop: "0-1-7",
			want: replayStep{Start: "0-1-5", Stop: "0-1-7"}},
		{name: "stop reached", held: "0-1-7", start: "0-1-5", end: "0-1-9", stop: "0-1-7", want: replayStep{Done: true}},
		{name: "stop after the file", held: "0-1-5", start: "0-1-5", end: "0-1-9", stop: "0-2-12",
			want: replayStep{Start: "0-1-5", Stop: "0-2-12"}},
		{name: "a domain held entirely is ignored", held: "0-1-5,1-1-4", start: "0-1-5,1-1-2", end: "0-1-9,1-1-4",
			want: replayStep{Start: "0-1-5", Ignore: []string{"1"}}},
		{name: "a domain the stop does not name is not replayed", held: "0-1-5,1-1-2", start: "0-1-5,1-1-2",
			end: "0-1-9,1-1-4", stop: "0-1-8", want: replayStep{Start: "0-1-5", Stop: "0-1-8", Ignore: []string{"1"}}},
		{name: "a domain starting in the file", held: "0-1-5", start: "0-1-5", end: "0-1-9,1-1-4",
			want: replayStep{Start: "0-1-5"}},
		{name: "domains in numeric order", held: "2-1-1,10-1-1", start: "2-1-1,10-1-1", end: "2-1-3,10-1-1",
			want: replayStep{Start: "2-1-1", Ignore: []string{"10"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planReplay(mariaSet(tc.held), mariaSet(tc.start), mariaSet(tc.end), mariaSet(tc.stop))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("planReplay = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestReachedEnd(t *testing.T) {
	end := mariaSet("0-1-9,1-1-4")
	for _, tc := range []struct {
		held    string
		ignored []string
		want    bool
	}{
		{"0-1-9,1-1-4", nil, true},
		{"0-1-8,1-1-4", nil, false},
		{"0-1-9", []string{"1"}, true},
		{"0-2-10,1-1-4", nil, true}, // sequence numbers only
	} {
		if got := reachedEnd(mariaSet(tc.held), end, tc.ignored); got != tc.want {
			t.Errorf("reachedEnd(%s, %v) = %v", tc.held, tc.ignored, got)
		}
	}
}

func TestStopDatetime(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 12, 1, 7, 45, 55, 0, time.UTC), "2026-12-01 07:45:56"},
		{time.Date(2026, 12, 1, 7, 45, 55, 999e6, time.UTC), "2026-12-01 07:45:56"},
		{time.Date(2026, 12, 1, 16, 45, 55, 500e6, tokyo), "2026-12-01 07:45:56"},
	} {
		if got := stopDatetime(tc.t); got != tc.want {
			t.Errorf("stopDatetime(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestBinlogArgs(t *testing.T) {
	got := binlogArgs(replayStep{Start: "0-1-5", Stop: "0-1-7", Ignore: []string{"1", "2"}},
		time.Date(2026, 12, 1, 7, 45, 55, 0, time.UTC), "/tmp/x/binlog.000003")
	want := []string{"--no-defaults", "--start-position=0-1-5", "--ignore-domain-ids=1,2", "--stop-position=0-1-7",
		"--stop-datetime=2026-12-01 07:45:56", "/tmp/x/binlog.000003"}
	if !slices.Equal(got, want) {
		t.Errorf("binlogArgs = %q\nwant %q", got, want)
	}
	if got := binlogArgs(replayStep{}, time.Time{}, "f"); !slices.Equal(got, []string{"--no-defaults", "f"}) {
		t.Errorf("binlogArgs without positions = %q", got)
	}
}

func TestWriteClientConfig(t *testing.T) {
	dir := t.TempDir()
	path, err := writeClientConfig(dir, "/tmp/s/mysqld.sock", `p"w\d`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "[client]\nuser=root\npassword=\"p\\\"w\\\\d\"\nsocket=\"/tmp/s/mysqld.sock\"\n"
	if string(b) != want {
		t.Errorf("config %q, want %q", b, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, "client.cnf")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", fi.Mode(), err)
	}
}
