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
	"net"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/instance"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/replication"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// actTimeout bounds one step; WaitApplied inside Promote is the slowest part.
const actTimeout = 60 * time.Second

// actor executes one topology step: SQL steps through replication.Executor, and the two steps that
// need Kubernetes (Seed, Restart) here.
type actor struct {
	r       *ClusterReconciler
	c       *v1alpha1.MySQLCluster
	members map[string]*member
	secret  *corev1.Secret
	kept    map[string]string // where re-seeded members' binary logs were kept, by member
	agents  agentAuth         // how the members' agents are called
}

// run executes step and returns whether it made the target the primary.
func (a actor) run(ctx context.Context, step topology.Step) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, actTimeout)
	defer cancel()
	conns := map[string]mysql.Instance{}
	for name, m := range a.members {
		if m.conn != nil {
			conns[name] = m.conn
		}
	}
	e := replication.Executor{
		Conns: conns,
		SourceAddr: func(name string) (string, int) {
			ord, _ := a.c.Ordinal(name)
			return a.c.PodHost(ord), desired.PortMySQL
		},
		SourceTLS:           a.sourceTLS,
		ReplicationPassword: string(a.secret.Data[v1alpha1.SecretKeyReplicationPassword]),
		OperatorPassword:    string(a.secret.Data[v1alpha1.SecretKeyOperatorPassword]),
		SemiSync:            a.c.ReplicationMode() == v1alpha1.ReplicationSemiSync,
		SemiSyncWait:        a.c.ReplicationMode() == v1alpha1.ReplicationSemiSync && a.c.DesiredReplicas() > 1,
		Seed:                a.seed,
		Restart:             a.restartPod,
		Logf:                logf(ctx),
	}
	return e.Run(ctx, step)
}

// sourceTLS is how replica verifies source: with the CAs mounted in its own pod, when both serve
// TLS and spec.tls is on (the same rule the topology engine repairs by).
func (a actor) sourceTLS(replica, source string) *mysql.SourceTLS {
	r, s := a.members[replica], a.members[source]
	if r == nil || s == nil {
		return nil
	}
	snap := topology.Snapshot{TLS: a.c.TLSEnabled()}
	if !topology.ReplicatesOverTLS(snap, topology.Member{ServesTLS: servesTLS(r.pod)}, topology.Member{ServesTLS: servesTLS(s.pod)}) {
		return nil
	}
	return &mysql.SourceTLS{CAFile: mycnf.TLSCAFile}
}

// seed asks the target's agent to re-create its datadir from the donor on its next start, then
// deletes the pod so the StatefulSet starts it again.
func (a actor) seed(ctx context.Context, step topology.Step) error {
	target, donor := a.members[step.Target], a.members[step.Source]
	if target == nil || target.pod == nil || target.pod.Status.PodIP == "" || donor == nil {
		return fmt.Errorf("seed %s from %s: target or donor has no pod", step.Target, step.Source)
	}
	req := agentapi.SeedRequest{
		Donor:     net.JoinHostPort(a.c.PodHost(donor.ordinal), strconv.Itoa(desired.PortAgent)),
		KeepAside: keepAsideReason(a.c, step),
		DonorTLS:  donorTLS(a.c, target.pod, donor.pod),
	}
	agent, err := agentClient(a.c, target.pod, a.agents, 10*time.Second)
	if err != nil {
		return fmt.Errorf("ask agent of %s to seed: %w", step.Target, err)
	}
	if err := agent.RequestSeed(ctx, agentAddr(target.pod), req); err != nil {
		return fmt.Errorf("ask agent of %s to seed: %w", step.Target, err)
	}
	if req.KeepAside != "" {
		a.keptAside(step, req.KeepAside)
	}
	return a.restartPod(ctx, step.Target, false)
}

// donorTLS tells the target whether the donor's agent serves TLS, so its init fetches the backup
// over mutual TLS or in plain HTTP (while TLS is turned on or off, the two may differ). Only an
// agent that serves TLS itself is told: an agent of an earlier build refuses a field it does not
// know, and init decides by itself when the request does not say.
func donorTLS(c *v1alpha1.MySQLCluster, target, donor *corev1.Pod) *bool {
	if !agentServesTLS(c, target) {
		return nil
	}
	tls := agentServesTLS(c, donor)
	return &tls
}

// keepAsideReason is why a re-seeded member's binary logs must be kept before its datadir is
// wiped: its errant transactions may be acknowledged writes nobody else has.
func keepAsideReason(c *v1alpha1.MySQLCluster, step topology.Step) string {
	if step.Rule != "reseedErrant" {
		return ""
	}
	errant := previousStatus(c, step.Target).ErrantTransactions
	if errant == "" {
		errant = "unknown"
	}
	return "errant: " + errant
}

// keptAside says in an event, and in the member's status, where the binary logs were kept.
func (a actor) keptAside(step topology.Step, reason string) {
	where := fmt.Sprintf("%s/%s/seed-* on PVC %s (%s)", mycnf.DataDir, instance.QuarantineDirName, a.c.PVCName(a.members[step.Target].ordinal), reason)
	a.r.Recorder.Eventf(a.c, nil, corev1.EventTypeWarning, "ErrantKeptAside", "Seed",
		"%s's binary logs are kept aside in %s before it is re-seeded from %s; inspect, recover or discard them as docs/pod.md says",
		step.Target, where, step.Source)
	a.kept[step.Target] = where
}

// forceRestartGrace is the grace period of a pod whose fence could not be raised: its preStop hook
// would wait for a fence that cannot come.
const forceRestartGrace int64 = 1

// restartPod deletes the member's pod so the StatefulSet re-creates it; force shortens the grace
// period (the server restarts read-only, like every server).
func (a actor) restartPod(ctx context.Context, name string, force bool) error {
	m := a.members[name]
	if m == nil || m.pod == nil {
		return nil
	}
	opts := []client.DeleteOption{client.Preconditions{UID: &m.pod.UID}}
	if force {
		opts = append(opts, client.GracePeriodSeconds(forceRestartGrace))
	}
	if err := a.r.Delete(ctx, m.pod, opts...); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete pod %s: %w", name, err)
	}
	return nil
}
