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
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/replication"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// snapshot turns what was observed into the plain data the topology engine decides on.
func snapshot(c *v1alpha1.MySQLCluster, w *world, unreachableFor time.Duration, isolated func(string) bool) topology.Snapshot {
	s := topology.Snapshot{
		Flavor:                gtidFlavor(c),
		Replicas:              int(c.DesiredReplicas()),
		CurrentPrimary:        c.Status.CurrentPrimary,
		FailoverEnabled:       c.FailoverEnabled(),
		FailoverDelay:         c.FailoverDelay(),
		PrimaryUnreachableFor: unreachableFor,
		Mode:                  topology.Mode(c.ReplicationMode()),
		SwitchoverTo:          pendingSwitchover(c),
		MaxLag:                time.Duration(maxLagSeconds(c)) * time.Second,
		TLS:                   c.TLSEnabled(),
		AccountsRequireTLS:    w.tls.accountsRequire,
	}
	if w.placement != nil {
		s.SchedulableNodes = w.placement.nodes
	}
	for _, m := range w.members {
		tm := topologyMember(c, w, w.members, m)
		tm.Isolated = isolated(m.name)
		s.Members = append(s.Members, tm)
	}
	return s
}

func topologyMember(c *v1alpha1.MySQLCluster, w *world, ms []*member, m *member) topology.Member {
	tm := topology.Member{Name: m.name, Ordinal: m.ordinal}
	if m.pod != nil {
		tm.PodExists = true
		tm.PodReady = podReady(m.pod)
		tm.ServesTLS = servesTLS(m.pod)
		tm.Deleting = !m.pod.DeletionTimestamp.IsZero()
		tm.Node = m.pod.Spec.NodeName
		tm.Pinned = w.placement != nil && w.placement.pinned[m.name]
		tm.Outdated = w.statefulSet != nil && w.statefulSet.Status.UpdateRevision != "" &&
			m.pod.Labels["controller-revision-hash"] != w.statefulSet.Status.UpdateRevision
	}
	prev := previousStatus(c, m.name)
	tm.Errant, tm.PrevServing = prev.Errant, prev.Serving
	tm.BackingUp = w.backingUp[m.name]
	tm.RecordedErrant, _ = gtid.Parse(gtidFlavor(c), prev.ErrantTransactions)
	if m.commitErr != nil {
		tm.CannotCommit, tm.CommitError = true, m.commitErr.Error()
	}
	if m.status == nil {
		// A member that does not answer keeps its last recorded transactions, applied or only
		// received, in the comparison, so a replica lacking them is never promoted over it.
		executed, _ := gtid.Parse(gtidFlavor(c), prev.GTIDExecuted)
		received, _ := gtid.Parse(gtidFlavor(c), prev.GTIDReceived)
		tm.Executed = executed.Union(received)
		return tm
	}
	replication.Observe(&tm, *m.status, func(host string) string { return sourceMember(c, ms, host) })
	return tm
}

// sourceMember resolves a replica's Source_Host (a stable DNS name or a pod IP) to a member name.
func sourceMember(c *v1alpha1.MySQLCluster, ms []*member, host string) string {
	for _, m := range ms {
		if host == c.PodHost(m.ordinal) || (m.pod != nil && host == m.pod.Status.PodIP) ||
			strings.HasPrefix(host, m.name+"."+c.HeadlessServiceName()+".") {
			return m.name
		}
	}
	if host == "" {
		return ""
	}
	return "unknown:" + host
}

func previousStatus(c *v1alpha1.MySQLCluster, name string) v1alpha1.MemberStatus {
	for _, m := range c.Status.Members {
		if m.Name == name {
			return m
		}
	}
	return v1alpha1.MemberStatus{}
}

// pendingSwitchover is the switchover-to annotation while it has not been carried out.
func pendingSwitchover(c *v1alpha1.MySQLCluster) string {
	to := c.Annotations[v1alpha1.AnnotationSwitchoverTo]
	if to == "" || to == c.Status.CompletedSwitchover || to == c.Status.CurrentPrimary {
		return ""
	}
	return to
}

func maxLagSeconds(c *v1alpha1.MySQLCluster) int32 {
	if c.Spec.Replication.MaxLagSeconds == 0 {
		return 30
	}
	return c.Spec.Replication.MaxLagSeconds
}

func gtidFlavor(c *v1alpha1.MySQLCluster) gtid.Flavor {
	if c.Flavor() == v1alpha1.FlavorMariaDB {
		return gtid.MariaDB
	}
	return gtid.MySQL
}
