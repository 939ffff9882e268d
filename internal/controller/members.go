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
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// Probe bounds: an unreachable or frozen member must not hold up the others, nor a failover. Pods
// reach each other in well under a second; a server that does not greet within connectTimeout is
// not serving its clients either.
const (
	connectTimeout = time.Second
	probeTimeout   = 1500 * time.Millisecond
	// heartbeatTimeout bounds the primary's write probe: a healthy semi-sync commit takes
	// milliseconds, one with no acknowledging replica waits forever.
	heartbeatTimeout = 2 * time.Second
)

// member is one ordinal as observed: its pod, its SQL status and an open connection for act.
type member struct {
	ordinal int
	name    string
	pod     *corev1.Pod
	hasPVC  bool
	status  *mysql.Status // nil when the server did not answer
	err     error         // why it did not answer
	conn    mysql.Instance
	// commitErr is why the writable primary's heartbeat write did not commit; nil when it did or
	// was not tried.
	commitErr error
	// failedProbes is how many probes of this pass did not answer (the primary is tried twice).
	failedProbes int
}

// memberOrdinals lists the members to observe: every ordinal below spec.replicas that has a pod or
// a data volume, and every higher ordinal that still has a pod.
func memberOrdinals(c *v1alpha1.MySQLCluster, pods []corev1.Pod, claims map[string]*corev1.PersistentVolumeClaim) []int {
	seen := map[int]bool{}
	for i := 0; i < int(c.DesiredReplicas()); i++ {
		if claims[c.PVCName(i)] != nil {
			seen[i] = true
		}
	}
	for i := range pods {
		if n, ok := c.Ordinal(pods[i].Name); ok {
			seen[n] = true
		}
	}
	out := make([]int, 0, len(seen))
	for i := 0; i <= maxKey(seen); i++ {
		if seen[i] {
			out = append(out, i)
		}
	}
	return out
}

func maxKey(m map[int]bool) int {
	top := -1
	for k := range m {
		top = max(top, k)
	}
	return top
}

// dataVolumes returns the cluster's data PVCs by name, from the cache.
func (r *ClusterReconciler) dataVolumes(ctx context.Context, c *v1alpha1.MySQLCluster) (map[string]*corev1.PersistentVolumeClaim, error) {
	var list corev1.PersistentVolumeClaimList
	err := r.List(ctx, &list, ofCluster(c)...)
	if err != nil {
		return nil, fmt.Errorf("list PVCs of %s: %w", c.Name, err)
	}
	out := make(map[string]*corev1.PersistentVolumeClaim, len(list.Items))
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out, nil
}

// probeMembers connects to every member with a running pod and reads its status. Replicas are
// read before the primary, so a transaction committed meanwhile makes the primary look ahead,
// never a healthy replica look errant.
func (r *ClusterReconciler) probeMembers(ctx context.Context, c *v1alpha1.MySQLCluster, ms []*member, lg login) {
	var replicas, primary []*member
	for _, m := range ms {
		if m.name == c.Status.CurrentPrimary {
			primary = append(primary, m)
		} else {
			replicas = append(replicas, m)
		}
	}
	r.probeAll(ctx, c, replicas, lg, probeTimeout)
	r.probeAll(ctx, c, primary, lg, r.primaryProbeBound(c))
	for _, m := range primary {
		r.confirmPrimaryFailure(ctx, c, m, lg)
	}
}

// confirmRetry is the pause before a failed primary probe is tried again in the same pass.
const confirmRetry = 200 * time.Millisecond

// confirmPrimaryFailure probes a primary that did not answer once more, so one lost packet or
// slow handshake is not taken for a lost primary, without waiting a pass for the second look.
// failedProbes says how many probes failed; a missing pod counts as confirmed.
func (r *ClusterReconciler) confirmPrimaryFailure(ctx context.Context, c *v1alpha1.MySQLCluster, m *member, lg login) {
	switch {
	case m.status != nil:
		return
	case m.pod == nil || m.pod.Status.PodIP == "":
		m.failedProbes = confirmProbes
		return
	case r.primaries.failureSeen(c.UID, m.name):
		// A pulse already failed since the last answer: this probe is the second look.
		m.failedProbes = 1
		return
	}
	m.failedProbes = 1
	select {
	case <-ctx.Done():
		return
	case <-time.After(confirmRetry):
	}
	r.probe(ctx, c, m, lg, probeTimeout)
	if m.status == nil {
		m.failedProbes++
	} else {
		m.failedProbes, m.err = 0, nil
	}
}

// confirmTimeout bounds a probe of a primary that is already due for failover (primaryProbeBound):
// a healthy server answers a fresh connection's status read in milliseconds.
const confirmTimeout = 500 * time.Millisecond

// primaryProbeBound is how long this pass waits for the recorded primary's status. A primary that
// has not answered for the failover delay, with a failed look since (a pulse, a standby's look or
// a pass), is due: the probe only confirms it, and a frozen one would otherwise hold the failover
// for a whole probeTimeout (a new leader's first pass, when the old one went down with the node).
func (r *ClusterReconciler) primaryProbeBound(c *v1alpha1.MySQLCluster) time.Duration {
	if r.primaries.silentFor(c, r.now()) >= c.FailoverDelay() {
		return confirmTimeout
	}
	return probeTimeout
}

func (r *ClusterReconciler) probeAll(ctx context.Context, c *v1alpha1.MySQLCluster, ms []*member, lg login, bound time.Duration) {
	var wg sync.WaitGroup
	for _, m := range ms {
		// A terminating pod is still probed: a primary being drained serves until it is switched
		// over, and a replica being deleted may still hold transactions.
		if m.pod == nil || m.pod.Status.PodIP == "" {
			m.err = fmt.Errorf("no running pod")
			continue
		}
		wg.Go(func() { r.probe(ctx, c, m, lg, bound) })
	}
	wg.Wait()
}

func (r *ClusterReconciler) probe(ctx context.Context, c *v1alpha1.MySQLCluster, m *member, lg login, bound time.Duration) {
	conn, err := r.memberConn(c, m.name, m.pod, lg)()
	if err != nil {
		m.err = err
		return
	}
	pctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	st, err := conn.Status(pctx)
	if err != nil {
		m.err = err
		return
	}
	m.status, m.conn = &st, conn
}

// checkPrimaryCommits writes a heartbeat on the recorded primary when it answered writable: a
// primary that answers but cannot commit (no acknowledging replica, a full disk, stuck commits) is
// not healthy, and only a write shows it.
func (r *ClusterReconciler) checkPrimaryCommits(ctx context.Context, c *v1alpha1.MySQLCluster, ms []*member) {
	for _, m := range ms {
		// A primary that holds no transaction yet is not written to: the heartbeat would give it
		// data, and every member joining an empty cluster would then need a seed.
		if m.name != c.Status.CurrentPrimary || m.status == nil || m.status.Fenced || m.status.Executed.IsEmpty() {
			continue
		}
		hctx, cancel := context.WithTimeout(ctx, heartbeatTimeout)
		err := m.conn.Heartbeat(hctx)
		cancel()
		if err != nil && !errors.Is(err, mysql.ErrReadOnly) {
			m.commitErr = err
		}
	}
}

// reobserve reads again the members that answered, between two steps of one pass; members that
// did not answer keep their observation. Replicas are read before the primary, as in probeMembers.
func (r *ClusterReconciler) reobserve(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	var replicas, primary []*member
	for _, m := range w.members {
		switch {
		case m.conn == nil:
		case m.name == c.Status.CurrentPrimary:
			primary = append(primary, m)
		default:
			replicas = append(replicas, m)
		}
	}
	for _, group := range [][]*member{replicas, primary} {
		var wg sync.WaitGroup
		for _, m := range group {
			wg.Go(func() { reread(ctx, m) })
		}
		wg.Wait()
	}
	r.observeAccounts(ctx, c, w) // a step may have changed what they require
	w.topology = r.snapshot(c, w)
}

// reread refreshes one connected member's status; a member that stops answering is set aside.
func reread(ctx context.Context, m *member) {
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	st, err := m.conn.Status(pctx)
	if err != nil {
		m.status, m.conn, m.err = nil, nil, err
		return
	}
	m.status = &st
}
