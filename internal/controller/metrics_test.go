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
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/ordinal-dev/ordinal/internal/metrics"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// gathered is the value of the series name{labels} in controller-runtime's registry, and whether
// it exists.
func gathered(t *testing.T, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue series
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// twoMembers is a semi-sync cluster of two whose primary has clients semi-sync replicas.
func twoMembers(clients int) *world {
	return &world{
		topology: topology.Snapshot{Replicas: 2, CurrentPrimary: "mysql-0", Mode: topology.SemiSync, Members: []topology.Member{
			{Name: "mysql-0", Ordinal: 0, PodExists: true, PodReady: true, Reachable: true, Writable: true,
				SemiSyncSource: true, SemiSyncClients: clients},
			{Name: "mysql-1", Ordinal: 1, PodExists: true, PodReady: true, Reachable: true, Source: "mysql-0",
				IORunning: true, IOConnected: true, SQLRunning: true, Lag: 3 * time.Second, LagKnown: true},
		}},
		members: []*member{
			{name: "mysql-0", pod: &corev1.Pod{}, status: &mysql.Status{SemiSync: mysql.SemiSync{SourceEnabled: true, SourceClients: clients}}},
			{name: "mysql-1", ordinal: 1, pod: &corev1.Pod{}, status: &mysql.Status{SemiSync: mysql.SemiSync{ReplicaEnabled: true}}},
		},
	}
}

func TestRecordMetricsFromTheObservedWorld(t *testing.T) {
	c := testCluster(2)
	c.Status.CurrentPrimary = "mysql-0"
	t.Cleanup(func() { metrics.Forget(c.Namespace, c.Name) })
	cl := map[string]string{"namespace": "ns", "cluster": "mysql"}
	recordMetrics(c, twoMembers(1))
	for name, want := range map[string]float64{
		"ordinal_cluster_members_desired": 2, "ordinal_cluster_members_ready": 2, "ordinal_cluster_primary_ready": 1,
		"ordinal_cluster_writable": 1, "ordinal_cluster_semisync_replicas": 1,
	} {
		if got, ok := gathered(t, name, cl); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if got, ok := gathered(t, "ordinal_member_replication_lag_seconds", map[string]string{"pod": "mysql-1"}); !ok || got != 3 {
		t.Errorf("lag of mysql-1 = %v (present %v), want 3", got, ok)
	}
	if _, ok := gathered(t, "ordinal_member_replication_lag_seconds", map[string]string{"pod": "mysql-0"}); ok {
		t.Error("the primary has a lag series")
	}
	if got, ok := gathered(t, "ordinal_member_semisync_enabled", map[string]string{"pod": "mysql-1", "side": "replica"}); !ok || got != 1 {
		t.Errorf("semi-sync replica side of mysql-1 = %v (present %v), want 1", got, ok)
	}
	// No semi-sync replica connected: the primary answers and is writable, but cannot commit.
	recordMetrics(c, twoMembers(0))
	if got, _ := gathered(t, "ordinal_cluster_writable", cl); got != 0 {
		t.Errorf("writable without a semi-sync replica = %v, want 0", got)
	}
	if got, _ := gathered(t, "ordinal_cluster_primary_ready", cl); got != 1 {
		t.Errorf("primary_ready without a semi-sync replica = %v, want 1", got)
	}
}

func TestRecordStepCountsFailoversAndSwitchovers(t *testing.T) {
	c := testCluster(2)
	t.Cleanup(func() { metrics.Forget(c.Namespace, c.Name) })
	recordStep(c, topology.Step{Kind: topology.Promote, Rule: failoverRule}, time.Second, nil)
	recordStep(c, topology.Step{Kind: topology.Promote, Rule: switchoverRule}, time.Second, nil)
	recordStep(c, topology.Step{Kind: topology.Fence, Rule: switchoverRule}, time.Second, errors.New("fence failed"))
	counter := func(name string, labels map[string]string) float64 {
		v, _ := gathered(t, name, labels)
		return v
	}
	if got := counter("ordinal_failovers_total", map[string]string{"cluster": "mysql", "reason": "primaryLost"}); got != 1 {
		t.Errorf("failovers = %v, want 1", got)
	}
	if got := counter("ordinal_switchovers_total", map[string]string{"cluster": "mysql", "result": "succeeded"}); got != 1 {
		t.Errorf("switchovers succeeded = %v, want 1", got)
	}
	if got := counter("ordinal_topology_step_errors_total", map[string]string{"cluster": "mysql", "step": "Fence"}); got != 1 {
		t.Errorf("Fence errors = %v, want 1", got)
	}
}
