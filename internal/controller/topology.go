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
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// Requeue intervals: SQL-level changes (a broken replica, a lost primary) raise no Kubernetes
// event, so a healthy cluster is still looked at regularly, and one with a failover, switchover or
// repair under way about every half second.
const (
	steadyPoll   = 5 * time.Second
	progressPoll = 500 * time.Millisecond
)

// maxStepsPerPass bounds the steps one reconcile chains. A failover (stop every receiver, promote,
// repoint) or a switchover (fence, promote) then completes in one pass instead of one per step.
const maxStepsPerPass = 4

// observeMembers builds the member list and, when credentials exist, probes each server.
func (r *ClusterReconciler) observeMembers(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) ([]*member, error) {
	claims, err := r.dataVolumes(ctx, c)
	if err != nil {
		return nil, err
	}
	w.claims = claims
	byName := map[string]*corev1.Pod{}
	for i := range w.pods {
		byName[w.pods[i].Name] = &w.pods[i]
	}
	var ms []*member
	for _, i := range memberOrdinals(c, w.pods, claims) {
		ms = append(ms, &member{ordinal: i, name: c.PodName(i), pod: byName[c.PodName(i)], hasPVC: claims[c.PVCName(i)] != nil})
	}
	if w.secret != nil && w.blocker == nil {
		r.probeMembers(ctx, c, ms, loginOf(w))
	}
	return ms, nil
}

// reconcileTopology decides and executes steps until one needs a fresh look at the cluster: a
// Wait, a Refuse, a failure, a step that restarts a pod, or maxStepsPerPass. Between two steps the
// members that answered are observed again. A step error is recorded in w, never returned: it
// must not put the cluster under controller-runtime's back-off.
func (r *ClusterReconciler) reconcileTopology(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	for range maxStepsPerPass {
		step := topology.Decide(w.topology)
		w.step = step
		switch step.Kind {
		case topology.Wait:
			return
		case topology.Refuse:
			if refusalIsNew(c, step) {
				r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "PromotionRefused", "Decide", step.Reason)
				recordRefusal(c, step)
			}
			return
		}
		if !r.runStep(ctx, c, w, step) || !chains(step.Kind) {
			return
		}
		r.reobserve(ctx, c, w)
	}
}

// runStep executes one step and records its outcome; it reports whether the step succeeded.
func (r *ClusterReconciler) runStep(ctx context.Context, c *v1alpha1.MySQLCluster, w *world, step topology.Step) bool {
	logf(ctx)("Topology step", "kind", step.Kind, "target", step.Target, "also", step.Also,
		"source", step.Source, "rule", step.Rule, "reason", step.Reason)
	a := actor{r: r, c: c, members: membersByName(w.members), secret: w.secret, kept: w.keptAside,
		agents: agentAuthOf(c, w)}
	start := time.Now()
	promoted, err := a.run(ctx, step)
	logf(ctx)("Topology step done", "kind", step.Kind, "target", step.Target, "took", time.Since(start), "err", err)
	recordStep(c, step, time.Since(start), err)
	if err != nil {
		w.stepErr = fmt.Errorf("%s %s: %w", step.Kind, step.Target, err)
		isolated := r.failures.failed(c.UID, step.Target, r.now())
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "StepFailed", string(step.Kind), "%s %s failed: %v%s",
			step.Kind, step.Target, err, isolationNote(isolated, step.Target))
		return false
	}
	r.failures.succeeded(c.UID, step.Target)
	r.rememberMove(c, w, step)
	w.acted = true
	r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, string(step.Kind), string(step.Kind), "%s", step.Reason)
	if !promoted {
		return true
	}
	if err := r.recordPrimary(ctx, c, w, step.Target); err != nil {
		w.stepErr = fmt.Errorf("record %s as the primary: %w", step.Target, err)
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "StepFailed", "RecordPrimary", "%v", w.stepErr)
		return false
	}
	return true
}

// rememberMove records which pod of a member spreadMembers restarted, to tell its new pod from it.
func (r *ClusterReconciler) rememberMove(c *v1alpha1.MySQLCluster, w *world, step topology.Step) {
	if step.Kind != topology.Restart || step.Rule != "spreadMembers" {
		return
	}
	for _, m := range w.members {
		if m.name == step.Target && m.pod != nil {
			r.moves.moved(c.UID, m.name, m.pod.UID, r.now())
		}
	}
}

func isolationNote(isolated bool, member string) string {
	if !isolated {
		return ""
	}
	return fmt.Sprintf("; %s failed %d steps in a row and is left alone for %s", member, isolateAfter, isolateFor)
}

// chains reports whether another step may follow kind in the same pass. Steps that restart or
// re-seed a pod need the pod to come back first.
func chains(kind topology.Kind) bool {
	switch kind {
	case topology.Seed, topology.Restart, topology.ForceRestart, topology.Bootstrap:
		return false
	}
	return true
}

// refusalIsNew reports whether a refusal says something the Stalled condition does not already
// say, so a refusal is an event once, not on every pass.
func refusalIsNew(c *v1alpha1.MySQLCluster, step topology.Step) bool {
	for _, cond := range c.Status.Conditions {
		if cond.Type == v1alpha1.ConditionStalled {
			return cond.Message != step.Reason
		}
	}
	return true
}

func membersByName(ms []*member) map[string]*member {
	out := make(map[string]*member, len(ms))
	for _, m := range ms {
		out[m.name] = m
	}
	return out
}

// requeueAfter says when to look at the cluster again. watched: a settled cluster is watched by
// its members' pulse between passes, so it needs no timer once settled (atRest).
func requeueAfter(c *v1alpha1.MySQLCluster, w *world, watched bool) time.Duration {
	switch {
	case w.blocker != nil:
		return stalledRetry
	case w.acted || w.stepErr != nil:
		return progressPoll
	case w.step.Kind == topology.Refuse:
		// A person must act; looking faster would change nothing.
		return steadyPoll
	case urgent(c, w), w.volumeSeed.pending != nil:
		// A seed snapshot's progress raises no event the operator watches.
		return progressPoll
	case w.step.After > 0:
		return min(w.step.After, steadyPoll)
	case watched && settledAndReady(c, w):
		return atRest
	}
	return steadyPoll
}

// urgent reports whether the cluster is in or near a failover or switchover: the primary is
// suspect, cannot commit, is being deleted, or a switchover is pending.
func urgent(c *v1alpha1.MySQLCluster, w *world) bool {
	if c.Status.PrimaryUnreachableSince != nil || w.topology.SwitchoverTo != "" {
		return true
	}
	for _, m := range w.topology.Members {
		if m.Name == c.Status.CurrentPrimary && (m.CannotCommit || m.Deleting || !m.Writable) {
			return true
		}
	}
	return false
}

// opener is the source of SQL connections (a fake in unit tests).
func (r *ClusterReconciler) opener() mysql.Opener {
	if r.Opener != nil {
		return r.Opener
	}
	return mysql.DefaultOpener
}
