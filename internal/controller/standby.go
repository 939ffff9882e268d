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
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// standbyWatch looks, while this process waits for the leadership, at every cluster's recorded
// primary every pulseInterval with one read-only statement (mysql.Pulse). When it takes over, its
// failover clock starts at each primary's last answer rather than at its own first look: a leader
// lost together with a primary's node then costs the lease, not the lease and a whole failover
// delay. It writes nothing, to the API server or to a member.
type standbyWatch struct {
	r       *ClusterReconciler
	elected <-chan struct{}
}

// standbyLooks bounds the primaries looked at together.
const standbyLooks = 32

// NeedLeaderElection: the standby runs precisely while this process is not the leader.
func (s *standbyWatch) NeedLeaderElection() bool { return false }

// Start looks every pulseInterval until this process is elected or stops.
func (s *standbyWatch) Start(ctx context.Context) error {
	tick := time.NewTicker(pulseInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.elected:
			return nil
		case <-tick.C:
		}
		s.lookOnce(ctx)
		// The connection sweeper runs on the leader only: connections to primaries no longer looked
		// at (a switchover, a deleted cluster) are closed here.
		s.r.pulseConns.sweep(time.Now(), idlePulseLife)
	}
}

// lookOnce looks at every recorded primary once, standbyLooks at a time.
func (s *standbyWatch) lookOnce(ctx context.Context) {
	var list v1alpha1.MySQLClusterList
	if err := s.r.List(ctx, &list); err != nil {
		return
	}
	sem := make(chan struct{}, standbyLooks)
	var wg sync.WaitGroup
	for i := range list.Items {
		c := &list.Items[i]
		if c.Status.CurrentPrimary == "" || !c.DeletionTimestamp.IsZero() {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s.lookAt(ctx, c)
		})
	}
	wg.Wait()
}

// lookAt reads c's primary's pulse and records the look. Without its pod's address or the
// credentials nothing is recorded: a gap, after which the last answer is not trusted.
func (s *standbyWatch) lookAt(ctx context.Context, c *v1alpha1.MySQLCluster) {
	primary := c.Status.CurrentPrimary
	pod := &corev1.Pod{}
	if err := s.r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: primary}, pod); err != nil || pod.Status.PodIP == "" {
		return
	}
	sec := &corev1.Secret{}
	if err := s.r.secretReader().Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.CredentialsSecretName()}, sec); err != nil {
		return
	}
	lg := login{password: string(sec.Data[v1alpha1.SecretKeyOperatorPassword])}
	if servesTLS(pod) {
		certs := &corev1.Secret{}
		if err := s.r.secretReader().Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.ServingTLSSecretName()}, certs); err != nil {
			return
		}
		lg.trust = certs.Data[desired.TLSKeyCA]
	}
	m := watchedMember{name: primary, primary: true, open: s.r.memberPulse(c, primary, pod, lg)}
	_, err := readPulse(ctx, m)
	if ctx.Err() == nil {
		s.r.primaries.sawPulse(c.UID, primary, time.Now(), err == nil)
	}
}
