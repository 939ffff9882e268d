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
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// pulseWatch looks at settled clusters between passes. A settled cluster is not reconciled on a
// timer: each of its members is read with one cheap statement (mysql.Pulse) every pulseInterval
// over its kept pulse connection, and the cluster is woken (enqueued) only when something a pass
// decides on has changed: a member stopped or started answering, its fence, replication threads or
// semi-sync replicas changed, or new transactions need the status refreshed. A thousand idle
// clusters thus cost no API calls and no reconciles, and a failing primary wakes its cluster
// within one pulse, as the steady poll did.
//
// One loop serves every watched cluster: every pulseSlot it starts the looks that are due, together.
// Bunched reads wake the process a few times a second instead of once per read, and a resting
// cluster holds no goroutine or timer of its own.
type pulseWatch struct {
	// wake receives the clusters to reconcile now.
	wake chan event.GenericEvent
	// looked records a look at a primary, answered or not (feeds the failover clock between passes).
	looked func(uid types.UID, primary string, at time.Time, answered bool)
	// workers run the looks and their reads.
	workers *workers

	mu      sync.Mutex
	watched map[types.NamespacedName]*pulseEntry
	// written is when a look last saw each cluster's primary take new transactions.
	written map[types.NamespacedName]time.Time
}

// pulseInterval is how often a settled cluster's members are read; it matches the steady poll it
// replaces, so failure detection is as fast as before. firstPulse lets what the pass itself wrote
// (the heartbeat) reach the replicas before the first look. pulseSlot is the loop's tick: a look
// starts at most that late.
//
// Replicas are read every replicaPulseEvery pulse intervals only: the primary's pulse already
// shows a replica that stopped acknowledging (its semi-sync replicas) and new transactions, and
// what only a replica shows (its applier stopped) does not hold up writes. A cluster of three at
// rest thus makes 5 statements per 15 s instead of 9.
//
// A primary whose transactions moved since its last look has clients waiting on it: it is looked
// at every busyPulseInterval, so a primary that freezes under writes fails its look at most that
// late (failover starts failover.delay after its last answer; a 5 s look left it up to 3 s later).
// busyFor is how long a cluster counts as written to after its primary's transactions last moved,
// so that the watch a woken pass arms looks soon too instead of at a spread first look.
const (
	pulseInterval     = steadyPoll
	firstPulse        = time.Second
	pulseSlot         = 250 * time.Millisecond
	replicaPulseEvery = 3
	busyPulseInterval = 2 * time.Second
	busyFor           = 2 * pulseInterval
)

// watchedMember is one member as the pass left it.
type watchedMember struct {
	name     string
	primary  bool
	answered bool // the pass observed it answering
	// seen is the pulse the pass's observation implies (when it answered): a first pulse that
	// differs means the member changed between the observation and the watch.
	seen mysql.Pulse
	open func() (mysql.Pulser, error)
}

// pulseEntry is one watched cluster. ctx ends when the watch is replaced or dropped, so a look
// still running then reports nothing.
type pulseEntry struct {
	ctx     context.Context
	cancel  context.CancelFunc
	uid     types.UID
	members []watchedMember
	base    []pulseBase
	armed   time.Time
	due     time.Time
	// replicasDue is when the next look reads the replicas too (zero: the first look does).
	replicasDue time.Time
	looking     bool
}

func newPulseWatch(looked func(types.UID, string, time.Time, bool)) *pulseWatch {
	return &pulseWatch{wake: make(chan event.GenericEvent, 1024), looked: looked, workers: newWorkers(workerIdle),
		watched: map[types.NamespacedName]*pulseEntry{}, written: map[types.NamespacedName]time.Time{}}
}

// arm starts watching c's members, replacing any earlier watch of c. The first look is spread
// over the interval, so the clusters' looks do not all fall in one slot; a cluster written to
// looks after firstPulse.
func (p *pulseWatch) arm(c *v1alpha1.MySQLCluster, members []watchedMember) {
	key := client.ObjectKeyFromObject(c)
	now := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	e := &pulseEntry{ctx: ctx, cancel: cancel, uid: c.UID, members: members,
		base: make([]pulseBase, len(members)), armed: now}
	p.mu.Lock()
	defer p.mu.Unlock()
	e.due = now.Add(firstPulse + rand.N(pulseInterval))
	if at, ok := p.written[key]; ok && now.Sub(at) < busyFor {
		e.due = now.Add(firstPulse)
	} else {
		delete(p.written, key)
	}
	if old := p.watched[key]; old != nil {
		old.cancel()
	}
	p.watched[key] = e
}

// disarm stops watching the cluster named key (it is reconciled on a timer, or gone).
func (p *pulseWatch) disarm(key types.NamespacedName) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.watched[key]; e != nil {
		e.cancel()
		delete(p.watched, key)
	}
	delete(p.written, key)
}

// stopAll stops every watch: the manager is stopping (or this process lost its leadership).
func (p *pulseWatch) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, e := range p.watched {
		e.cancel()
		delete(p.watched, key)
	}
	clear(p.written)
}

// run starts, every pulseSlot, the looks that are due, until ctx ends; then it stops every watch.
// It runs on the leader only, as the passes that arm the watches do.
func (p *pulseWatch) run(ctx context.Context) error {
	t := time.NewTicker(pulseSlot)
	defer t.Stop()
	defer p.stopAll()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			for key, e := range p.due(now) {
				p.workers.do(func() { p.lookOnce(ctx, key, e, now) })
			}
		}
	}
}

// due marks the watches whose look is due at now as looking, and returns them.
func (p *pulseWatch) due(now time.Time) map[types.NamespacedName]*pulseEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out map[types.NamespacedName]*pulseEntry
	for key, e := range p.watched {
		if e.looking || now.Before(e.due) {
			continue
		}
		if out == nil {
			out = map[types.NamespacedName]*pulseEntry{}
		}
		e.looking = true
		out[key] = e
	}
	return out
}

// lookOnce looks at e's members once; when one changed it wakes the cluster and ends the watch,
// otherwise it schedules the next look: sooner when the primary took new transactions.
func (p *pulseWatch) lookOnce(ctx context.Context, key types.NamespacedName, e *pulseEntry, now time.Time) {
	replicas := !now.Before(e.replicasDue)
	before := e.primaryExecuted()
	changed := p.look(e.ctx, e.uid, e.members, e.base, now.Sub(e.armed) >= steadyPoll, replicas)
	written := before != nil && *before != *e.primaryExecuted()
	p.mu.Lock()
	current := p.watched[key] == e
	if current && changed {
		e.cancel()
		delete(p.watched, key)
	}
	if current && written {
		p.written[key] = now
	}
	e.due = e.due.Add(pulseInterval)
	if written {
		e.due = now.Add(busyPulseInterval)
	}
	if replicas {
		e.replicasDue = now.Add(replicaPulseEvery * pulseInterval)
	}
	e.looking = false
	p.mu.Unlock()
	if current && changed {
		p.send(ctx, key)
	}
}

// primaryExecuted is the primary's transactions at its last answered look (nil before one).
func (e *pulseEntry) primaryExecuted() *string {
	for i, m := range e.members {
		if m.primary && e.base[i].last != nil {
			executed := *e.base[i].last
			return &executed
		}
	}
	return nil
}

// pulseBase is what the first pulse of a watch saw, to compare the next ones with (the pass's own
// writes, such as the heartbeat, may land after its observation: only health is compared with it).
type pulseBase struct {
	seen  bool
	pulse mysql.Pulse
	// last is the transactions of the member's last answered look.
	last *string
}

// look reads the primary, and the replicas too when replicas is set, in parallel, and reports
// whether one changed. New transactions count only when refresh is set, so a pass's own heartbeat
// does not wake the cluster at once.
func (p *pulseWatch) look(ctx context.Context, uid types.UID, members []watchedMember, base []pulseBase, refresh, replicas bool) bool {
	if !replicas {
		// The primary alone: no goroutine to start.
		for i, m := range members {
			if m.primary && p.lookAt(ctx, uid, m, &base[i], refresh) {
				return true
			}
		}
		return false
	}
	changed := make([]bool, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Add(1)
		p.workers.do(func() {
			defer wg.Done()
			changed[i] = p.lookAt(ctx, uid, m, &base[i], refresh)
		})
	}
	wg.Wait()
	return slices.Contains(changed, true)
}

func (p *pulseWatch) lookAt(ctx context.Context, uid types.UID, m watchedMember, base *pulseBase, refresh bool) bool {
	pulse, err := readPulse(ctx, m)
	if m.primary && ctx.Err() == nil {
		p.looked(uid, m.name, time.Now(), err == nil)
	}
	if (err == nil) != m.answered {
		return true
	}
	if err != nil {
		return false
	}
	if !base.seen {
		*base = pulseBase{seen: true, pulse: pulse, last: &pulse.Executed}
		return pulse.Health() != m.seen.Health()
	}
	base.last = &pulse.Executed
	return pulse.Health() != base.pulse.Health() || (refresh && pulse.Executed != base.pulse.Executed)
}

func readPulse(ctx context.Context, m watchedMember) (mysql.Pulse, error) {
	inst, err := m.open()
	if err != nil {
		return mysql.Pulse{}, err
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	return inst.Pulse(pctx)
}

// send wakes the cluster named key. The channel holds a thousand wakes; should the controller fall
// that far behind, the send waits (until the loop stops) rather than lose the wake.
func (p *pulseWatch) send(ctx context.Context, key types.NamespacedName) {
	c := &v1alpha1.MySQLCluster{}
	c.Name, c.Namespace = key.Name, key.Namespace
	select {
	case p.wake <- event.GenericEvent{Object: c}:
	case <-ctx.Done():
	}
}
