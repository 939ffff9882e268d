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
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// Analysis is everything the pure checks found in a history.
type Analysis struct {
	Pause       Pause
	SplitBrains []SplitBrain
	Windows     Windows
	Lin         Linearizability
	AckHosts    string
	Acked       int
	Attempts    Attempts
	Probes      int
	// AsyncAcks were acknowledged while their member ran without semi-sync (see AsyncAcks).
	AsyncAcks []Ack
	// SemiSyncWanted: the cluster runs in semiSync mode (AsyncAcks are then a violation).
	SemiSyncWanted bool
}

// Analyze runs the pure checks on h; the fault instant is the mark named fault.
func Analyze(h *History, fault string, linTimeout time.Duration, vizPath string) Analysis {
	return Analysis{
		Pause:       WritePause(h.Acks, h.Start, h.Marks[fault], h.Stop),
		SplitBrains: SplitBrains(h.Probes),
		Windows:     ProbeWindows(h.Probes),
		Lin:         CheckLinearizable(h.Ops, linTimeout, vizPath),
		AckHosts:    AckHosts(h.Acks),
		Acked:       len(h.Acks),
		Attempts:    h.Attempts,
		Probes:      len(h.Probes),
		AsyncAcks:   AsyncAcks(h.Acks, h.Probes),
	}
}

// Violations lists the safety properties the analysis found broken (empty: none). Lost rows are
// checked separately (VerifyRows needs the servers).
func (a Analysis) Violations() []string {
	var v []string
	for _, sb := range a.SplitBrains {
		v = append(v, fmt.Sprintf("two writable members routed by the primary Service: %v for %d ticks from %s to %s",
			sb.Members, sb.Ticks, sb.From.Format("15:04:05.000"), sb.To.Format("15:04:05.000")))
	}
	if a.SemiSyncWanted && len(a.AsyncAcks) > 0 {
		first, last := a.AsyncAcks[0], a.AsyncAcks[len(a.AsyncAcks)-1]
		v = append(v, fmt.Sprintf("%d writes acknowledged by a primary without an active semi-sync wait (ids %d..%d on %s, %s to %s)",
			len(a.AsyncAcks), first.ID, last.ID, first.Host, first.At.Format("15:04:05.000"), last.At.Format("15:04:05.000")))
	}
	if a.Lin.Result == porcupine.Illegal {
		v = append(v, "key history is not linearizable: "+a.Lin.Detail)
	}
	return v
}

// Line is the one-line summary, FAULT-RESULT key=value ….
func (a Analysis) Line(scenario string, target time.Duration, extra ...string) string {
	pause := a.Pause.Max.Round(10 * time.Millisecond).String()
	if !a.Pause.Resumed {
		pause += "(not-resumed)"
	}
	fields := []string{
		"FAULT-RESULT",
		"scenario=" + scenario,
		"pause=" + pause,
		"target=" + target.String(),
		"fault_to_first_write=" + a.Pause.FaultToFirst.Round(10*time.Millisecond).String(),
		fmt.Sprintf("acked=%d", a.Acked),
		fmt.Sprintf("write_errors=%d/%d/%d", a.Attempts.ConnectFailed, a.Attempts.Failed, a.Attempts.Unknown),
		fmt.Sprintf("split_brain_runs=%d", len(a.SplitBrains)),
		"multi_writable=" + a.Windows.MultiWritable.Round(10*time.Millisecond).String(),
		"no_writable_routed=" + a.Windows.NoWritableRouted.Round(10*time.Millisecond).String(),
		"async_writable=" + a.Windows.AsyncWritable.Round(10*time.Millisecond).String(),
		fmt.Sprintf("async_acks=%d", len(a.AsyncAcks)),
		fmt.Sprintf("linearizable=%s(%d ops, %d unknown)", a.Lin.Result, a.Lin.Ops, a.Lin.Unknown),
		"writers=" + strings.Join(a.Windows.Writers, ","),
	}
	return strings.Join(append(fields, extra...), " ")
}
