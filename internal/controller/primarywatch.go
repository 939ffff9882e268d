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

package controller

import (
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// primaryWatch remembers, per cluster, when the recorded primary last answered and since when it
// has answered without a gap. The failover clock itself lives in status.primaryUnreachableSince,
// so a new leader continues it; this memory only makes it more precise.
type primaryWatch struct {
	mu    sync.Mutex
	state map[types.UID]watchState
}

type watchState struct {
	primary        string
	lastSeen       time.Time // the last look that answered; zero when unknown
	lastLook       time.Time // the last look, answered or not
	answeringSince time.Time // zero while the last probe failed
	failedProbes   int       // looks that failed since the last answer or since the clock started
}

// Clock policy. A primary looked at without a gap longer than lastSeenWindow since its last answer
// has been unreachable since that answer: the gap between two looks (a pass, a settled cluster's
// pulse or a standby's look, pulseInterval apart), the pulse's own failed read, and one pass's
// probes (two bounded tries and the heartbeat). Failover needs confirmProbes failed looks while
// the clock runs: with the clock counted from the last answer, one failed probe after a gap would
// otherwise start a failover at once.
const (
	lastSeenWindow = pulseInterval + 3*probeTimeout + confirmRetry + heartbeatTimeout + time.Second
	confirmProbes  = 2
)

// look records one look at the primary between passes, or a pass's own; a failed look after a gap
// forgets the last answer, since nobody knows whether it answered during the gap.
func (st *watchState) look(at time.Time, answered bool) {
	if !answered && !st.lastLook.IsZero() && at.Sub(st.lastLook) > lastSeenWindow {
		st.lastSeen = time.Time{}
	}
	st.lastLook = at
	if answered {
		st.lastSeen = at
	}
}

// observe records one pass's probes of c's recorded primary (failed of them did not answer), keeps
// c.Status.PrimaryUnreachableSince up to date and returns for how long the primary has not been
// seen answering (0 while it answers).
//
// The clock starts at the last answer, not at the first failed probe. One answer does not stop it:
// only a failover delay of answers without a gap does, so a flapping primary is still failed over.
func (p *primaryWatch) observe(c *v1alpha1.MySQLCluster, reachable bool, failed int, now time.Time) time.Duration {
	primary := c.Status.CurrentPrimary
	if primary == "" {
		c.Status.PrimaryUnreachableSince = nil
		return 0
	}
	st := p.get(c.UID, primary)
	defer func() { p.put(c.UID, st) }()
	if reachable {
		st.look(now, true)
		if st.answeringSince.IsZero() {
			st.answeringSince = now
		}
		if c.Status.PrimaryUnreachableSince != nil && now.Sub(st.answeringSince) >= c.FailoverDelay() {
			c.Status.PrimaryUnreachableSince = nil
		}
		if c.Status.PrimaryUnreachableSince == nil {
			st.failedProbes = 0
		}
		return 0
	}
	st.look(now, false)
	st.answeringSince = time.Time{}
	st.failedProbes += max(failed, 1)
	if c.Status.PrimaryUnreachableSince == nil {
		since := now
		if !st.lastSeen.IsZero() {
			since = st.lastSeen
		}
		c.Status.PrimaryUnreachableSince = &metav1.Time{Time: since}
	}
	d := max(now.Sub(c.Status.PrimaryUnreachableSince.Time), time.Nanosecond)
	if st.failedProbes < confirmProbes {
		d = min(d, max(c.FailoverDelay()-time.Nanosecond, time.Nanosecond))
	}
	return d
}

// sawPulse records a look at c's recorded primary between passes (a settled cluster's pulse, or a
// standby's look): the failover clock then starts at the primary's last answer as it does after a
// pass, and a failed look counts towards confirming the failure.
func (p *primaryWatch) sawPulse(uid types.UID, primary string, at time.Time, answered bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.state[uid]
	if !ok || st.primary != primary {
		st = watchState{primary: primary}
	}
	if at.Before(st.lastLook) {
		return
	}
	st.look(at, answered)
	if answered {
		st.failedProbes = 0
	} else {
		st.failedProbes++
	}
	if p.state == nil {
		p.state = map[types.UID]watchState{}
	}
	p.state[uid] = st
}

// failureSeen reports whether a look since the primary's last answer already failed: a pass's
// failed probe is then the second one, and it need not be tried again.
func (p *primaryWatch) failureSeen(uid types.UID, primary string) bool {
	st := p.get(uid, primary)
	return st.failedProbes > 0
}

// silentFor is how long c's recorded primary has gone without answering when a look since its
// last answer failed: from the last answer this process saw, else (a gap forgot it) from
// status.primaryUnreachableSince; 0 when no look failed since the last answer, or when neither
// is known.
func (p *primaryWatch) silentFor(c *v1alpha1.MySQLCluster, now time.Time) time.Duration {
	st := p.get(c.UID, c.Status.CurrentPrimary)
	switch {
	case st.failedProbes == 0:
		return 0
	case !st.lastSeen.IsZero():
		return now.Sub(st.lastSeen)
	case c.Status.PrimaryUnreachableSince != nil:
		return now.Sub(c.Status.PrimaryUnreachableSince.Time)
	}
	return 0
}

// forget drops a deleted cluster's memory.
func (p *primaryWatch) forget(uid types.UID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.state, uid)
}

func (p *primaryWatch) get(uid types.UID, primary string) watchState {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.state[uid]; ok && st.primary == primary {
		return st
	}
	return watchState{primary: primary}
}

func (p *primaryWatch) put(uid types.UID, st watchState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == nil {
		p.state = map[types.UID]watchState{}
	}
	p.state[uid] = st
}

// stepFailures counts, per member, the steps that failed in a row. A member whose steps keep
// failing is isolated for a while: the engine leaves it alone, so it cannot hold up other members
// or other rules, and a fence that cannot be raised escalates to a pod restart.
type stepFailures struct {
	mu    sync.Mutex
	state map[string]failureState
}

type failureState struct {
	count         int
	isolatedUntil time.Time
}

// Isolation policy: after isolateAfter failed steps in a row, a member is left alone for isolateFor.
const (
	isolateAfter = 3
	isolateFor   = 30 * time.Second
)

func failureKey(uid types.UID, member string) string { return string(uid) + "/" + member }

// failed records a failed step on member and reports whether it is now isolated.
func (f *stepFailures) failed(uid types.UID, member string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state == nil {
		f.state = map[string]failureState{}
	}
	st := f.state[failureKey(uid, member)]
	st.count++
	if st.count >= isolateAfter {
		st = failureState{isolatedUntil: now.Add(isolateFor)}
	}
	f.state[failureKey(uid, member)] = st
	return !st.isolatedUntil.IsZero()
}

// succeeded forgets member's failures.
func (f *stepFailures) succeeded(uid types.UID, member string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.state, failureKey(uid, member))
}

// isolated reports whether member is isolated at now.
func (f *stepFailures) isolated(uid types.UID, member string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return now.Before(f.state[failureKey(uid, member)].isolatedUntil)
}
