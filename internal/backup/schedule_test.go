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

func TestLatestSlot(t *testing.T) {
	cases := []struct {
		schedule  string
		last, now time.Time
		slot      time.Time
		due       bool
	}{
		{"* * * * *", at(0), at(0).Add(30 * time.Second), time.Time{}, false},
		{"* * * * *", at(0), at(1), at(1), true},
		{"* * * * *", at(0), at(5).Add(10 * time.Second), at(5), true}, // missed slots: one backup
		{"0 * * * *", at(0), at(59), time.Time{}, false},
		{"0 * * * *", at(0), at(61), at(60), true},
		{"@every 10m", at(0), at(25), at(20), true},
		{"@daily", at(0), at(60 * 24), t0.Truncate(24 * time.Hour).Add(24 * time.Hour), true},
	}
	for _, c := range cases {
		s, err := ParseSchedule(c.schedule)
		if err != nil {
			t.Fatal(err)
		}
		slot, due := LatestSlot(s, c.last, c.now)
		if due != c.due || !slot.Equal(c.slot) {
			t.Errorf("%q from %v at %v: slot %v due %v, want %v %v", c.schedule, c.last, c.now, slot, due, c.slot, c.due)
		}
	}
}

func TestParseScheduleSaysWhatIsWrong(t *testing.T) {
	for _, bad := range []string{"every minute", "61 * * * *", "* * * *", "@sometimes"} {
		_, err := ParseSchedule(bad)
		if err == nil || !strings.Contains(err.Error(), "is not a cron expression (minute hour day-of-month month day-of-week") {
			t.Errorf("ParseSchedule(%q) = %v", bad, err)
		}
	}
}

func TestScheduledName(t *testing.T) {
	if got := ScheduledName("db", at(90)); got != "db-20261201113000" {
		t.Errorf("ScheduledName = %q", got)
	}
}
