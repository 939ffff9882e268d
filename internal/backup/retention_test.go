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
	"slices"
	"testing"
	"time"
)

func rec(name string, ageHours int, ok, verified bool) Record {
	return Record{Name: name, End: t0.Add(-time.Duration(ageHours) * time.Hour), Succeeded: ok, Verified: verified}
}

func TestExpired(t *testing.T) {
	cases := []struct {
		name    string
		records []Record
		policy  Retention
		want    []string
	}{
		{name: "no policy keeps everything", records: []Record{rec("a", 3, true, false), rec("b", 2, true, false)}},
		{name: "keepLast deletes the oldest beyond it",
			records: []Record{rec("a", 4, true, false), rec("b", 3, true, false), rec("c", 2, true, false), rec("d", 1, true, false)},
			policy:  Retention{KeepLast: 2}, want: []string{"a", "b"}},
		{name: "maxAge deletes the old ones",
			records: []Record{rec("a", 50, true, false), rec("b", 30, true, false), rec("c", 2, true, false)},
			policy:  Retention{MaxAge: 24 * time.Hour}, want: []string{"a", "b"}},
		{name: "the newest succeeded backup is kept however old",
			records: []Record{rec("a", 50, true, false), rec("b", 40, true, false), rec("c", 1, false, false)},
			policy:  Retention{MaxAge: 24 * time.Hour}, want: []string{"a"}},
		{name: "the newest verified backup is kept beyond keepLast",
			records: []Record{rec("a", 4, true, true), rec("b", 3, true, false), rec("c", 2, true, false)},
			policy:  Retention{KeepLast: 1}, want: []string{"b"}},
		{name: "failed backups are counted apart",
			records: []Record{rec("a", 4, false, false), rec("b", 3, false, false), rec("c", 2, true, false), rec("d", 1, true, false)},
			policy:  Retention{KeepLast: 1}, want: []string{"a", "c"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Expired(c.records, c.policy, t0); !slices.Equal(got, c.want) {
				t.Errorf("Expired = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPrunableBinlogs(t *testing.T) {
	oldest := base("b2", 20, "0-1-180")
	got := PrunableBinlogs(archive, oldest)
	if keys(got) != "mysql-0/bin.000001" {
		t.Errorf("prunable = %s, want only the file wholly before b2", keys(got))
	}
}
