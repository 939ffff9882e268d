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

package plugin

import (
	"regexp"
	"sort"
	"strings"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Kinds of history entries.
const (
	EntrySwitchover = "switchover"
	EntryFailover   = "failover"
	EntryAdoption   = "adoption"
	EntryRefused    = "refused"
)

// History is what `history -o json|yaml` prints (kind History).
type History struct {
	metav1.TypeMeta `json:",inline"`
	Name            string `json:"name"`
	Namespace       string `json:"namespace"`
	// EventsSince is the time of the oldest event of the cluster still stored: nothing older can
	// be listed, because the API server deletes events after its --event-ttl (1 h by default).
	EventsSince *metav1.Time `json:"eventsSince,omitempty"`
	// CurrentPrimary and CompletedSwitchover are from status, which outlives events.
	CurrentPrimary      string         `json:"currentPrimary,omitempty"`
	CompletedSwitchover string         `json:"completedSwitchover,omitempty"`
	Entries             []HistoryEntry `json:"entries"`
}

// HistoryEntry is one promotion, or one refused promotion.
type HistoryEntry struct {
	Time metav1.Time `json:"time"`
	// Kind is switchover, failover, adoption or refused.
	Kind string `json:"kind"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Reason is why the operator acted (or refused to), from the event.
	Reason string `json:"reason"`
	// Pause is how long writes were paused, when the events show it: for a switchover the time
	// from fencing the old primary to promoting the new one; for a failover at least how long the
	// primary had not answered when the new one was promoted (PauseAtLeast).
	Pause        string `json:"pause,omitempty"`
	PauseAtLeast bool   `json:"pauseAtLeast,omitempty"`
	// Count is how many identical events the API server folded into this one.
	Count int `json:"count,omitempty"`
}

// DeepCopyObject makes History a runtime.Object for cli-runtime's printers.
func (h *History) DeepCopyObject() runtime.Object { return deepCopyJSON(h) }

// The operator's event notes (internal/topology: switchover.go, failover.go, bootstrap.go).
var (
	reSwitchover = regexp.MustCompile(`^(.*): (\S+) has every transaction of (\S+); promoting it$`)
	reFence      = regexp.MustCompile(`^(.*): fencing (\S+) and killing its client connections$`)
	reFailover   = regexp.MustCompile(`^failover: primary (\S+) has not answered for (\S+); (\S+) holds every transaction`)
	reAdoption   = regexp.MustCompile(`^no primary is recorded: adopting (\S+),`)
	reRefusedTo  = regexp.MustCompile(`^switchover to (\S+) refused: `)
)

// BuildHistory extracts the promotions of cluster name from events (any order, any object),
// oldest first.
func BuildHistory(name, ns string, events []eventsv1.Event) *History {
	h := &History{
		TypeMeta: metav1.TypeMeta{APIVersion: OutputAPIVersion, Kind: "History"},
		Name:     name, Namespace: ns, Entries: []HistoryEntry{},
	}
	mine := clusterEvents(name, events)
	if len(mine) > 0 {
		h.EventsSince = &metav1.Time{Time: firstTime(mine[0])}
	}
	var fences []eventsv1.Event
	for _, e := range mine {
		if e.Reason == "Fence" {
			fences = append(fences, e)
		}
		if entry, ok := historyEntry(e, fences); ok {
			h.Entries = append(h.Entries, entry)
		}
	}
	return h
}

// clusterEvents are the events about MySQLCluster name, oldest first.
func clusterEvents(name string, events []eventsv1.Event) []eventsv1.Event {
	var out []eventsv1.Event
	for _, e := range events {
		if e.Regarding.Kind == "MySQLCluster" && e.Regarding.Name == name {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return eventTime(out[i]).Before(eventTime(out[j])) })
	return out
}

// historyEntry turns a Promote or PromotionRefused event into an entry; fences are the Fence
// events up to e, to measure a switchover's pause.
func historyEntry(e eventsv1.Event, fences []eventsv1.Event) (HistoryEntry, bool) {
	entry := HistoryEntry{Time: metav1.Time{Time: eventTime(e)}, Reason: e.Note, Count: seriesCount(e)}
	switch {
	case e.Reason == "PromotionRefused":
		entry.Kind = EntryRefused
		if m := reRefusedTo.FindStringSubmatch(e.Note); m != nil {
			entry.To = m[1]
		}
	case e.Reason != "Promote":
		return HistoryEntry{}, false
	case reSwitchover.MatchString(e.Note):
		m := reSwitchover.FindStringSubmatch(e.Note)
		entry.Kind, entry.To, entry.From = EntrySwitchover, m[2], m[3]
		if pause, ok := fencePause(m[1], m[3], entry.Time.Time, fences); ok {
			entry.Pause = pause.Round(time.Millisecond).String()
		}
	case reFailover.MatchString(e.Note):
		m := reFailover.FindStringSubmatch(e.Note)
		entry.Kind, entry.From, entry.To = EntryFailover, m[1], m[3]
		entry.Pause, entry.PauseAtLeast = m[2], true
	case reAdoption.MatchString(e.Note):
		entry.Kind, entry.To = EntryAdoption, reAdoption.FindStringSubmatch(e.Note)[1]
	default:
		entry.Kind = "promotion"
	}
	return entry, true
}

// fencePause is the time from the last fence of old for the same switchover (same why) to the
// promotion at promoted: writes pause from the fence to the promotion.
func fencePause(why, old string, promoted time.Time, fences []eventsv1.Event) (time.Duration, bool) {
	for i := len(fences) - 1; i >= 0; i-- {
		m := reFence.FindStringSubmatch(fences[i].Note)
		at := eventTime(fences[i])
		if m == nil || m[1] != why || m[2] != old || at.After(promoted) {
			continue
		}
		return promoted.Sub(at), true
	}
	return 0, false
}

// eventTime is when an event (or the last of its series) happened.
func eventTime(e eventsv1.Event) time.Time {
	switch {
	case e.Series != nil:
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.DeprecatedLastTimestamp.IsZero():
		return e.DeprecatedLastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// firstTime is when an event (or the first of its series) happened.
func firstTime(e eventsv1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.DeprecatedFirstTimestamp.IsZero():
		return e.DeprecatedFirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

func seriesCount(e eventsv1.Event) int {
	switch {
	case e.Series != nil:
		return int(e.Series.Count)
	case e.DeprecatedCount > 1:
		return int(e.DeprecatedCount)
	}
	return 1
}

// isSwitchoverTo reports whether a history entry is the switchover to (or a refusal of) target.
func isSwitchoverTo(e HistoryEntry, target string) bool {
	return e.To == target && (e.Kind == EntrySwitchover || e.Kind == EntryRefused && strings.HasPrefix(e.Reason, "switchover"))
}
