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
	"fmt"
	"sync"
	"time"
)

// probeResult is what one probe of the server found.
type probeResult int

const (
	answering    probeResult = iota // a SQL ping got an answer
	notListening                    // the socket refuses connections or does not exist
	unresponsive                    // the socket accepts connections, SQL gets no answer
)

// liveness decides /livez from successive probes. The server is live while it answers; while it
// does not listen (starting, in crash recovery, or exited: the kubelet restarts an exited
// container by itself) for up to the startup budget; and while it accepts connections without
// answering for up to the hung limit. Only the last two, sustained, make the kubelet restart the
// server: killing a server in crash recovery would only restart the recovery.
type liveness struct {
	mu                sync.Mutex
	notListeningSince time.Time // zero unless the last probe found no listener
	unresponsiveSince time.Time // zero unless the last probe found a listener that did not answer
}

// observe records a probe taken at now and says whether the server counts as live, and why.
func (l *liveness) observe(p probeResult, now time.Time, hungAfter, startupBudget time.Duration) (bool, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch p {
	case answering:
		l.notListeningSince, l.unresponsiveSince = time.Time{}, time.Time{}
		return true, "ok: the server answers"
	case notListening:
		l.unresponsiveSince = time.Time{}
		if l.notListeningSince.IsZero() {
			l.notListeningSince = now
		}
		d := now.Sub(l.notListeningSince)
		if d >= startupBudget {
			return false, fmt.Sprintf("the server has not accepted connections for %v", d.Round(time.Second))
		}
		return true, fmt.Sprintf("ok: the server is starting or recovering (not listening for %v)", d.Round(time.Second))
	default:
		l.notListeningSince = time.Time{}
		if l.unresponsiveSince.IsZero() {
			l.unresponsiveSince = now
		}
		d := now.Sub(l.unresponsiveSince)
		if d >= hungAfter {
			return false, fmt.Sprintf("the server accepts connections but has not answered for %v", d.Round(time.Second))
		}
		return true, fmt.Sprintf("ok: the server has not answered for %v", d.Round(time.Second))
	}
}
