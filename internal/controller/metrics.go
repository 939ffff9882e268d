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
	"time"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/metrics"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// failoverRule is the topology rule whose Promote is a failover; switchoverRule is a switchover's.
const (
	failoverRule   = "chooseCandidate"
	switchoverRule = "switchover"
)

// recordMetrics sets the cluster's gauges from this pass's observation. It runs on every pass,
// whatever the steps did, so the gauges follow the cluster even while steps fail.
func recordMetrics(c *v1alpha1.MySQLCluster, w *world) {
	tms := topology.Members(w.topology)
	out := metrics.Cluster{
		Desired: int(c.DesiredReplicas()), Serving: topology.ClusterHealth(w.topology).Serving,
		Primary: c.Status.CurrentPrimary,
	}
	for _, m := range tms {
		if m.Ready {
			out.Ready++
		}
		out.Members = append(out.Members, metricsMember(m, w))
	}
	observed := map[string]topology.Member{}
	for _, m := range w.topology.Members {
		observed[m.Name] = m
	}
	if p, ok := observed[c.Status.CurrentPrimary]; ok && c.Status.CurrentPrimary != "" {
		out.PrimaryReady = p.Reachable && p.Writable
		out.SemiSyncReplicas = p.SemiSyncClients
		out.Writable = out.PrimaryReady && !p.CannotCommit && (!semiSyncWaits(c) || p.SemiSyncClients > 0)
	}
	metrics.ObserveCluster(c.Namespace, c.Name, out)
	recordCertificates(c, w)
}

// recordCertificates gives the expiry of the cluster's CA and server certificate (none with TLS off).
func recordCertificates(c *v1alpha1.MySQLCluster, w *world) {
	var ca, server time.Time
	if st := tlsStatus(c, w); st != nil {
		if st.CANotAfter != nil {
			ca = st.CANotAfter.Time
		}
		if st.CertificateNotAfter != nil {
			server = st.CertificateNotAfter.Time
		}
	}
	metrics.CertificateExpiry(c.Namespace, c.Name, "ca", ca)
	metrics.CertificateExpiry(c.Namespace, c.Name, "server", server)
}

// semiSyncWaits: the primary waits for a replica's ack on commit (see actor.run's SemiSyncWait).
func semiSyncWaits(c *v1alpha1.MySQLCluster) bool {
	return c.ReplicationMode() == v1alpha1.ReplicationSemiSync && c.DesiredReplicas() > 1
}

// metricsMember is one member's series: its status summary and, when it answered, its semi-sync
// settings.
func metricsMember(s topology.MemberStatus, w *world) metrics.Member {
	out := metrics.Member{Name: s.Name, Replica: s.Role == topology.RoleReplica, Lag: s.Lag, LagKnown: s.LagKnown, Errant: s.Errant}
	for _, wm := range w.members {
		if wm.name == s.Name && wm.status != nil {
			out.Answered = true
			out.SemiSyncSource, out.SemiSyncReplica = wm.status.SemiSync.SourceEnabled, wm.status.SemiSync.ReplicaEnabled
		}
	}
	return out
}

// recordStep records a topology step's duration and outcome, and counts a failover or
// switchover when the step was the promotion of one.
func recordStep(c *v1alpha1.MySQLCluster, step topology.Step, took time.Duration, err error) {
	metrics.StepDone(c.Namespace, c.Name, string(step.Kind), took, err)
	if step.Kind != topology.Promote {
		return
	}
	switch {
	case step.Rule == failoverRule && err == nil:
		metrics.Failover(c.Namespace, c.Name, "primaryLost")
	case step.Rule == switchoverRule && err == nil:
		metrics.Switchover(c.Namespace, c.Name, "succeeded")
	case step.Rule == switchoverRule:
		metrics.Switchover(c.Namespace, c.Name, "failed")
	}
}

// recordRefusal counts a refused promotion (once per new refusal, like its event); a refused
// switchover also counts as a switchover with result refused.
func recordRefusal(c *v1alpha1.MySQLCluster, step topology.Step) {
	metrics.PromotionRefused(c.Namespace, c.Name, step.Rule)
	if pendingSwitchover(c) != "" {
		metrics.Switchover(c.Namespace, c.Name, "refused")
	}
}
