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
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// atRest is requeueAfter's answer for a settled cluster watched by its members' pulse: no timer.
// The pulse wakes it when a member differs from what the pass observed, the watches when one of its
// objects or Secrets changes, and the cache's periodic resync is the backstop. An idle cluster thus
// makes no API read at all.
const atRest time.Duration = -1

// settledAndReady reports whether the cluster is at rest: Ready, nothing decided, nothing pending
// (no member to restart, no application user to create), nothing failed in this pass. Anything
// else keeps the timer-driven polling.
func settledAndReady(c *v1alpha1.MySQLCluster, w *world) bool {
	if w.step.Kind != topology.Wait || w.step.Rule != "settled" || w.acted || w.stepErr != nil ||
		w.applyErr != nil || w.blocker != nil || w.configRejected != "" || len(w.backingUp) > 0 || w.appUserPending {
		return false
	}
	for _, m := range w.topology.Members {
		// A restart waiting for the rollout gate: another cluster's roll ending does not wake it.
		if m.Outdated {
			return false
		}
	}
	if cfg := c.Status.Config; cfg != nil && len(cfg.PendingRestart) > 0 {
		return false
	}
	if w.tls.waiting() {
		return false // the kubelet has yet to refresh a member's certificate files, or cert-manager to issue
	}
	if c.Spec.Backup != nil {
		// Archiving is reported by the primary's agent on each pass.
		return false
	}
	for _, m := range w.members {
		if m.status == nil {
			return false
		}
	}
	return meta.IsStatusConditionTrue(c.Status.Conditions, v1alpha1.ConditionReady) &&
		c.Status.ObservedGeneration == c.Generation
}

// watchBetweenPasses arms the pulse of a settled cluster's members, or stops it when the cluster is
// polled instead.
func (r *ClusterReconciler) watchBetweenPasses(c *v1alpha1.MySQLCluster, w *world, resting bool) {
	if r.pulses == nil {
		return
	}
	if !resting {
		r.pulses.disarm(client.ObjectKeyFromObject(c))
		return
	}
	members := make([]watchedMember, 0, len(w.members))
	for _, m := range w.members {
		if m.pod == nil || m.pod.Status.PodIP == "" {
			continue
		}
		wm := watchedMember{
			name: m.name, primary: m.name == c.Status.CurrentPrimary, answered: m.status != nil,
			open: r.memberPulse(c, m.name, m.pod, loginOf(w)),
		}
		if m.status != nil {
			wm.seen = m.status.Pulse()
		}
		members = append(members, wm)
	}
	r.pulses.arm(c, members)
}

// memberConn returns a function that gives the member's kept connection pool, opening it if needed.
func (r *ClusterReconciler) memberConn(c *v1alpha1.MySQLCluster, name string, pod *corev1.Pod, lg login) func() (mysql.Instance, error) {
	t := targetOf(c, name, pod, lg)
	return func() (mysql.Instance, error) {
		return r.conns.get(t.connKey(), r.now(), func() (mysql.Instance, error) {
			cfg, err := r.config(t, 10*time.Second)
			if err != nil {
				return nil, err
			}
			cfg.StatementTimeout, cfg.Kept = 10*time.Second, true
			return r.opener().Open(cfg)
		})
	}
}

// memberPulse returns a function that gives what the member's pulse is read on (pulseVia): the
// pass's pool while it is still open, else the member's kept pulse connection, opened if needed (a
// connection of its own whose reads are bounded by probeTimeout: the pool of a cluster at rest is
// closed after idlePoolLife). Borrowing the pool halves the connections a start opens: every
// cluster's pass opens its members' pools, and their pulses begin within seconds. An opener
// without pulse connections gives its instance. The function holds the member's target only: a
// watch keeps it between passes.
func (r *ClusterReconciler) memberPulse(c *v1alpha1.MySQLCluster, name string, pod *corev1.Pod, lg login) func() (mysql.Pulser, error) {
	t := targetOf(c, name, pod, lg)
	key := t.connKey() // hashes the password and the CAs: once per watch, not per look
	own := func() (mysql.Pulser, error) {
		return r.pulseConns.get(key, r.now(), func() (mysql.Pulser, error) {
			cfg, err := r.config(t, probeTimeout)
			if err != nil {
				return nil, err
			}
			if po, ok := r.opener().(mysql.PulseOpener); ok {
				return po.OpenPulse(cfg)
			}
			return r.opener().Open(cfg)
		})
	}
	via := pulseVia{pools: &r.conns, key: key, own: own}
	return func() (mysql.Pulser, error) { return via, nil }
}

// pulseVia reads a member's pulse on the pass's pool while it is open (borrowed: the sweep cannot
// close it under the read, nor does the read keep it open), else on the member's own connection.
type pulseVia struct {
	pools *memberConns
	key   connKey
	own   func() (mysql.Pulser, error)
}

func (p pulseVia) Pulse(ctx context.Context) (mysql.Pulse, error) {
	if pool, release, ok := p.pools.borrow(p.key); ok {
		defer release()
		return pool.Pulse(ctx)
	}
	own, err := p.own()
	if err != nil {
		return mysql.Pulse{}, err
	}
	return own.Pulse(ctx)
}

// Close does nothing: the pool and the pulse connection are closed by their sweeps.
func (pulseVia) Close() error { return nil }

// memberConfig is the operator's connection to a member (config).
func (r *ClusterReconciler) memberConfig(c *v1alpha1.MySQLCluster, name string, pod *corev1.Pod, lg login, ioTimeout time.Duration) (mysql.Config, error) {
	return r.config(targetOf(c, name, pod, lg), ioTimeout)
}

// sweepConns closes the pools and pulse connections of members no longer asked for, and all of
// them when the leadership ends (the process may stand by again: see manager.Run).
func (r *ClusterReconciler) sweepConns(ctx context.Context) error {
	t := time.NewTicker(idlePoolLife / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			r.conns.closeAll()
			r.pulseConns.closeAll()
			return nil
		case now := <-t.C:
			r.conns.sweep(now, idlePoolLife)
			r.pulseConns.sweep(now, idlePulseLife)
		}
	}
}
