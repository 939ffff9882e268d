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
	"time"
)

// Retention is how many backups to keep and for how long. Zero values do not limit.
type Retention struct {
	KeepLast int
	MaxAge   time.Duration
}

// Record is what retention knows of one backup.
type Record struct {
	Name string
	// End is the backup point of a succeeded backup, else when the backup was created.
	End       time.Time
	Succeeded bool
	// Verified says a verification restored it and found it whole.
	Verified bool
}

// Expired returns the backups retention deletes, oldest first: succeeded backups beyond the
// newest KeepLast or older than MaxAge, and failed ones under the same rules (counted among the
// failed). It never deletes the newest succeeded backup, nor the newest verified one, so a
// cluster always keeps a backup it can restore and, once one was verified, one known to work.
func Expired(records []Record, r Retention, now time.Time) []string {
	newestFirst := slices.SortedFunc(slices.Values(records), func(a, b Record) int { return b.End.Compare(a.End) })
	keep := map[string]bool{}
	if i := slices.IndexFunc(newestFirst, func(x Record) bool { return x.Succeeded }); i >= 0 {
		keep[newestFirst[i].Name] = true
	}
	if i := slices.IndexFunc(newestFirst, func(x Record) bool { return x.Succeeded && x.Verified }); i >= 0 {
		keep[newestFirst[i].Name] = true
	}
	var out []string
	seen := map[bool]int{}
	for _, x := range newestFirst {
		seen[x.Succeeded]++
		tooMany := r.KeepLast > 0 && seen[x.Succeeded] > r.KeepLast
		tooOld := r.MaxAge > 0 && now.Sub(x.End) > r.MaxAge
		if (tooMany || tooOld) && !keep[x.Name] {
			out = append(out, x.Name)
		}
	}
	slices.Reverse(out)
	return out
}

// PrunableBinlogs returns the archived files no kept backup needs: every transaction they hold
// is in the oldest kept backup, and they closed before its backup point.
func PrunableBinlogs(binlogs []BinlogFile, oldestKept Manifest) []BinlogFile {
	var out []BinlogFile
	for _, f := range binlogs {
		if Covers(oldestKept.GTIDPosition, f.EndState) && f.LastTime.Before(oldestKept.End) {
			out = append(out, f)
		}
	}
	return out
}
