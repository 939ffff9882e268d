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
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// standbyWatch looks, while this process waits for the leadership, at every cluster's recorded
// primary with one read-only statement (mysql.Pulse): at once when it starts standing by (a
// standby with no answer on record would start a primary's clock only when it takes over), then
// every pulseInterval, or every busyPulseInterval while the primary's transactions move, as the
// leader's pulse does. When it takes over, its failover clock starts at each primary's last answer
// rather than at its own first look: a leader lost together with a primary's node then costs the
// lease, not the lease and a whole failover delay. It writes nothing, to the API server or to a
// member.
type standbyWatch struct {
	r       *ClusterReconciler
	elected <-chan struct{}

	// looks is what the last look at each cluster's primary found, to pace the next one.
	looks map[types.UID]standbyLook
}

// standbyLook is the last look at one cluster's primary.
type standbyLook struct {
	answered bool // a look answered: executed is the primary's
	executed string
	next     time.Time
}

// standbyLooks bounds the primaries looked at together.
const standbyLooks = 32

// NeedLeaderElection: the standby runs precisely while this process is not the leader.
func (s *standbyWatch) NeedLeaderElection() bool { return false }

// standbyTick is how often the standby looks for primaries that are due.
const standbyTick = 500 * time.Millisecond

// Start looks at once, then every standbyTick at the primaries that are due, until this process
// is elected or stops.
func (s *standbyWatch) Start(ctx context.Context) error {
	tick := time.NewTicker(standbyTick)
	defer tick.Stop()
	// A look under way when this process is elected stops: the leader's passes take over, and a
	// process elected at once (no other candidate, or no leader election) must not look at every
	// primary while it starts.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.elected:
			cancel()
		case <-ctx.Done():
		}
	}()
	lastSweep := time.Now()
	for {
		if s.isElected() {
			return nil
		}
		s.lookOnce(ctx)
		// The connection sweeper runs on the leader only: connections to primaries no longer looked
		// at (a switchover, a deleted cluster) are closed here.
		if now := time.Now(); now.Sub(lastSweep) >= pulseInterval {
			s.r.pulseConns.sweep(now, idlePulseLife)
			lastSweep = now
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.elected:
			return nil
		case <-tick.C:
		}
	}
}

func (s *standbyWatch) isElected() bool {
	select {
	case <-s.elected:
		return true
	default:
		return false
	}
}

// lookOnce looks at every recorded primary that is due, standbyLooks at a time.
func (s *standbyWatch) lookOnce(ctx context.Context) {
	// Read only, and listed every standbyTick: no copy of a thousand clusters each time.
	var list v1alpha1.MySQLClusterList
	if err := s.r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	now := time.Now()
	sem := make(chan struct{}, standbyLooks)
	var mu sync.Mutex
	var wg sync.WaitGroup
	seen := make(map[types.UID]standbyLook, len(list.Items))
	for i := range list.Items {
		c := &list.Items[i]
		if c.Status.CurrentPrimary == "" || !c.DeletionTimestamp.IsZero() {
			continue
		}
		last, ok := s.looks[c.UID]
		if ok && now.Before(last.next) {
			seen[c.UID] = last
			continue
		}
		sem <- struct{}{}
		if ctx.Err() != nil {
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			look := s.lookAt(ctx, c, last, now)
			mu.Lock()
			seen[c.UID] = look
			mu.Unlock()
		})
	}
	wg.Wait()
	s.looks = seen
}

// lookAt reads c's primary's pulse and records the look; it returns when to look next. Without its
// pod's address or the credentials nothing is recorded: a gap, after which the last answer is not
// trusted.
func (s *standbyWatch) lookAt(ctx context.Context, c *v1alpha1.MySQLCluster, last standbyLook, now time.Time) standbyLook {
	next := last
	next.next = now.Add(pulseInterval)
	primary := c.Status.CurrentPrimary
	open, ok := s.opener(ctx, c, primary)
	if !ok {
		return next
	}
	pulse, err := readPulse(ctx, watchedMember{name: primary, primary: true, open: open})
	if ctx.Err() == nil {
		s.r.primaries.sawPulse(c.UID, primary, time.Now(), err == nil)
	}
	if err == nil {
		if last.answered && pulse.Executed != last.executed {
			next.next = now.Add(busyPulseInterval)
		}
		next.answered, next.executed = true, pulse.Executed
	}
	return next
}

// opener returns how to reach c's primary, from the cached pod and Secrets.
func (s *standbyWatch) opener(ctx context.Context, c *v1alpha1.MySQLCluster, primary string) (func() (mysql.Pulser, error), bool) {
	pod := &corev1.Pod{}
	if err := s.r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: primary}, pod); err != nil || pod.Status.PodIP == "" {
		return nil, false
	}
	sec := &corev1.Secret{}
	if err := s.r.secretReader().Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.CredentialsSecretName()}, sec); err != nil {
		return nil, false
	}
	lg := login{password: string(sec.Data[v1alpha1.SecretKeyOperatorPassword])}
	if servesTLS(pod) {
		certs := &corev1.Secret{}
		if err := s.r.secretReader().Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.ServingTLSSecretName()}, certs); err != nil {
			return nil, false
		}
		lg.trust = certs.Data[desired.TLSKeyCA]
	}
	return s.r.memberPulse(c, primary, pod, lg), true
}
