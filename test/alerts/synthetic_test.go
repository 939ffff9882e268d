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

package alerts

import (
	"slices"
	"testing"
	"time"

	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/ordinal-dev/ordinal/internal/metrics"
)

var operatorJob = map[string]string{"job": "ordinal-controller-manager-metrics-service"}

// operatorScrape records c as the operator does and returns its registry's exposition.
func operatorScrape(t *testing.T, c metrics.Cluster) target {
	t.Helper()
	metrics.ObserveCluster("team-a", "db", c)
	fams, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return target{labels: operatorJob, text: expose(t, fams)}
}

func healthy() metrics.Cluster {
	return metrics.Cluster{Desired: 3, Ready: 3, Serving: 3, Primary: "db-0", PrimaryReady: true, Writable: true, SemiSyncReplicas: 2,
		Members: []metrics.Member{
			{Name: "db-0", Answered: true, SemiSyncSource: true},
			{Name: "db-1", Replica: true, LagKnown: true, Answered: true, SemiSyncReplica: true},
			{Name: "db-2", Replica: true, LagKnown: true, Lag: time.Second, Answered: true, SemiSyncReplica: true},
		}}
}

func agent(pod, text string) target {
	return target{labels: map[string]string{"job": "team-a/ordinal-agents", "namespace": "team-a", "pod": pod}, text: text}
}

const replicaRunning = "mysql_up 1\nmysql_slave_status_slave_io_running 1\nmysql_slave_status_slave_sql_running 1\n"

// TestAlertsOnTheOperatorsOwnExposition: each alert fires, from the exposition the real
// internal/metrics serves, for the state it is about and for nothing else.
func TestAlertsOnTheOperatorsOwnExposition(t *testing.T) {
	t.Cleanup(func() { metrics.Forget("team-a", "db") })
	agents := []target{agent("db-0", "mysql_up 1\n"), agent("db-1", replicaRunning), agent("db-2", replicaRunning)}
	cases := []struct {
		name  string
		edit  func(*metrics.Cluster)
		agent func([]target) []target
		want  map[string][]string // alert -> the pods (or "" for cluster-wide) it fires for
	}{
		{name: "healthy", want: map[string][]string{}},
		{name: "replica lagging", edit: func(c *metrics.Cluster) { c.Members[2].Lag = 90 * time.Second },
			want: map[string][]string{"OrdinalReplicaLagging": {"db-2"}}},
		{name: "SQL thread stopped", edit: func(c *metrics.Cluster) { c.Members[1].LagKnown = false },
			agent: func(a []target) []target {
				a[1] = agent("db-1", "mysql_up 1\nmysql_slave_status_slave_io_running 1\nmysql_slave_status_slave_sql_running 0\n")
				return a
			},
			want: map[string][]string{"OrdinalReplicaLagging": {"db-1"}}},
		{name: "primary lost", edit: func(c *metrics.Cluster) { c.PrimaryReady, c.Writable, c.Ready, c.Serving = false, false, 2, 2 },
			want: map[string][]string{"OrdinalPrimaryLost": {""}}},
		{name: "cannot commit", edit: func(c *metrics.Cluster) { c.Writable, c.SemiSyncReplicas = false, 0 },
			want: map[string][]string{"OrdinalCannotCommit": {""}}},
		{name: "errant member", edit: func(c *metrics.Cluster) { c.Members[2].Errant = true },
			want: map[string][]string{"OrdinalErrantMember": {"db-2"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := healthy()
			if tc.edit != nil {
				tc.edit(&c)
			}
			a := slices.Clone(agents)
			if tc.agent != nil {
				a = tc.agent(a)
			}
			st := load(t, []snapshot{{at: 0, targets: append(a, operatorScrape(t, c))}})
			for _, alert := range []string{"OrdinalPrimaryLost", "OrdinalCannotCommit", "OrdinalReplicaLagging", "OrdinalErrantMember", "OrdinalBackupFailing"} {
				var got []string
				for _, ls := range firing(t, st, alert, 0) {
					got = append(got, ls.Get("pod"))
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.want[alert]) {
					t.Errorf("%s fires for %q, want %q", alert, got, tc.want[alert])
				}
			}
		})
	}
}

// TestBackupFailingFiresOnAFailureAndClears: a failed backup fires the alert for an hour.
func TestBackupFailingFiresOnAFailureAndClears(t *testing.T) {
	t.Cleanup(func() { metrics.Forget("team-a", "db") })
	metrics.BackupSucceeded("team-a", "db", start)
	before := operatorScrape(t, healthy())
	metrics.BackupFailed("team-a", "db")
	after := operatorScrape(t, healthy())
	var snaps []snapshot
	for i := range 5 {
		snaps = append(snaps, snapshot{at: time.Duration(i) * time.Minute, targets: []target{before}})
	}
	for i := 5; i < 90; i++ {
		snaps = append(snaps, snapshot{at: time.Duration(i) * time.Minute, targets: []target{after}})
	}
	st := load(t, snaps)
	if got := firing(t, st, "OrdinalBackupFailing", 3*time.Minute); len(got) != 0 {
		t.Errorf("before the failure: fires for %v", got)
	}
	if got := firing(t, st, "OrdinalBackupFailing", 10*time.Minute); len(got) != 1 {
		t.Errorf("after the failure: fires for %v, want the cluster", got)
	}
	if got := firing(t, st, "OrdinalBackupFailing", 89*time.Minute); len(got) != 0 {
		t.Errorf("over an hour after the failure: still fires for %v", got)
	}
}

// TestCertificateExpiringFiresTwoWeeksBeforeExpiry: a renewed certificate (months left) is quiet; one
// the operator failed to renew fires once fewer than 14 days are left, naming the certificate.
func TestCertificateExpiringFiresTwoWeeksBeforeExpiry(t *testing.T) {
	t.Cleanup(func() { metrics.Forget("team-a", "db") })
	day := 24 * time.Hour
	metrics.CertificateExpiry("team-a", "db", "ca", start.Add(200*day))
	metrics.CertificateExpiry("team-a", "db", "server", start.Add(15*day))
	scrape := operatorScrape(t, healthy())
	var snaps []snapshot
	for i := range 50 {
		snaps = append(snaps, snapshot{at: time.Duration(i) * time.Hour, targets: []target{scrape}})
	}
	st := load(t, snaps)
	if got := firing(t, st, "OrdinalCertificateExpiring", time.Hour); len(got) != 0 {
		t.Errorf("15 days before expiry: fires for %v", got)
	}
	got := firing(t, st, "OrdinalCertificateExpiring", 25*time.Hour)
	if len(got) != 1 || got[0].Get("certificate") != "server" {
		t.Errorf("under 14 days before the server certificate expires: fires for %v, want the server certificate", got)
	}
}
