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
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a parsed backup schedule.
type Schedule = cron.Schedule

// ParseSchedule reads a 5-field cron expression or a descriptor (@hourly, @daily, @every 6h),
// in UTC; the error says what is wrong in a user's words.
func ParseSchedule(s string) (Schedule, error) {
	sched, err := cron.ParseStandard("CRON_TZ=UTC " + s)
	if err != nil {
		return nil, fmt.Errorf("backup.schedule %q is not a cron expression (minute hour day-of-month month "+
			"day-of-week, e.g. \"0 3 * * *\", or @hourly, @daily, @every 6h): %w", s, err)
	}
	return sched, nil
}

// maxMissedSlots bounds the walk over slots missed while the operator was away.
const maxMissedSlots = 100000

// LatestSlot is the newest slot after last and at or before now; due is false when there is none.
// Slots missed in between are skipped: one backup catches up on all of them.
func LatestSlot(s Schedule, last, now time.Time) (slot time.Time, due bool) {
	next := s.Next(last)
	for i := 0; i < maxMissedSlots && !next.After(now); i++ {
		slot, due = next, true
		next = s.Next(next)
	}
	return slot, due
}

// ScheduledName is the name of the backup of a slot: "<cluster>-YYYYMMDDHHMMSS" (UTC).
func ScheduledName(cluster string, slot time.Time) string {
	return cluster + "-" + slot.UTC().Format("20060102150405")
}
