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

package metrics

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

func threeMembers() Cluster {
	return Cluster{
		Desired: 3, Ready: 3, Serving: 3, Primary: "db-0", PrimaryReady: true, Writable: true, SemiSyncReplicas: 2,
		Members: []Member{
			{Name: "db-0", Answered: true, SemiSyncSource: true},
			{Name: "db-1", Replica: true, Lag: 7 * time.Second, LagKnown: true, Answered: true, SemiSyncReplica: true},
			{Name: "db-2", Replica: true, Answered: true, SemiSyncReplica: true, Errant: true},
		},
	}
}

func TestObserveClusterSetsGauges(t *testing.T) {
	t.Cleanup(func() { Forget("ns", "db") })
	ObserveCluster("ns", "db", threeMembers())
	for _, tc := range []struct {
		what string
		got  float64
		want float64
	}{
		{"desired", testutil.ToFloat64(membersDesired.WithLabelValues("ns", "db")), 3},
		{"ready", testutil.ToFloat64(membersReady.WithLabelValues("ns", "db")), 3},
		{"primary info", testutil.ToFloat64(primaryInfo.WithLabelValues("ns", "db", "db-0")), 1},
		{"writable", testutil.ToFloat64(writable.WithLabelValues("ns", "db")), 1},
		{"lag db-1", testutil.ToFloat64(lag.WithLabelValues("ns", "db", "db-1")), 7},
		{"semi-sync source db-0", testutil.ToFloat64(semiSyncEnabled.WithLabelValues("ns", "db", "db-0", "source")), 1},
		{"semi-sync replica db-0", testutil.ToFloat64(semiSyncEnabled.WithLabelValues("ns", "db", "db-0", "replica")), 0},
		{"errant db-2", testutil.ToFloat64(memberErrant.WithLabelValues("ns", "db", "db-2")), 1},
		{"errant members", testutil.ToFloat64(errantMembers.WithLabelValues("ns", "db")), 1},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.what, tc.got, tc.want)
		}
	}
	// The primary and db-2 report no lag: no series, rather than a misleading 0.
	if n := testutil.CollectAndCount(lag, "ordinal_member_replication_lag_seconds"); n != 1 {
		t.Errorf("lag series = %d, want 1 (db-1 only)", n)
	}
}

func TestObserveClusterRemovesGoneMembersAndFormerPrimary(t *testing.T) {
	t.Cleanup(func() { Forget("ns", "db") })
	ObserveCluster("ns", "db", threeMembers())
	c := threeMembers()
	c.Primary, c.Members = "db-1", c.Members[:2]
	c.Members[1].Replica, c.Members[1].LagKnown = false, false
	ObserveCluster("ns", "db", c)
	if n := testutil.CollectAndCount(primaryInfo); n != 1 {
		t.Errorf("primary_info series = %d, want 1 (db-1 only)", n)
	}
	if got := testutil.ToFloat64(primaryInfo.WithLabelValues("ns", "db", "db-1")); got != 1 {
		t.Errorf("primary_info{db-1} = %v, want 1", got)
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"errant", testutil.CollectAndCount(memberErrant)}, {"lag", testutil.CollectAndCount(lag)},
		{"semisync", testutil.CollectAndCount(semiSyncEnabled)}} {
		want := map[string]int{"errant": 2, "lag": 0, "semisync": 4}[v.name]
		if v.n != want {
			t.Errorf("%s series = %d, want %d after db-2 left and db-1 was promoted", v.name, v.n, want)
		}
	}
}

func TestNoPrimaryIsNotWritable(t *testing.T) {
	t.Cleanup(func() { Forget("ns", "db") })
	ObserveCluster("ns", "db", Cluster{Desired: 1, Writable: true})
	if got := testutil.ToFloat64(writable.WithLabelValues("ns", "db")); got != 0 {
		t.Errorf("writable without a primary = %v, want 0", got)
	}
	if n := testutil.CollectAndCount(primaryInfo); n != 0 {
		t.Errorf("primary_info series = %d, want none", n)
	}
}

func TestForgetRemovesEverySeriesOfTheCluster(t *testing.T) {
	ObserveCluster("ns", "db", threeMembers())
	ObserveCluster("ns", "other", threeMembers())
	t.Cleanup(func() { Forget("ns", "other") })
	Failover("ns", "db", "primaryLost")
	Switchover("ns", "db", "succeeded")
	PromotionRefused("ns", "db", "chooseCandidate")
	StepDone("ns", "db", "Promote", time.Second, errors.New("boom"))
	BackupSucceeded("ns", "db", time.Unix(1000, 0))
	BackupFailed("ns", "db")
	ArchiveSucceeded("ns", "db", time.Unix(2000, 0))
	Forget("ns", "db")
	mfs, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == lCluster && l.GetValue() == "db" {
					t.Errorf("%s still has a series of the forgotten cluster: %v", mf.GetName(), m.GetLabel())
				}
			}
		}
	}
	if got := testutil.ToFloat64(membersReady.WithLabelValues("ns", "other")); got != 3 {
		t.Errorf("the other cluster's ready members = %v, want 3 (untouched)", got)
	}
}

// A process that lost its leadership reports no cluster: a standby's scrape must not show what it
// last saw next to the leader's figures.
func TestForgetAllRemovesEveryClustersSeries(t *testing.T) {
	ObserveCluster("ns", "db", threeMembers())
	ObserveCluster("ns2", "other", threeMembers())
	Failover("ns", "db", "primaryLost")
	CertificateExpiry("ns2", "other", "ca", time.Unix(3000, 0))
	ForgetAll()
	mfs, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == lCluster {
					t.Errorf("%s still has a cluster's series: %v", mf.GetName(), m.GetLabel())
				}
			}
		}
	}
	ObserveCluster("ns", "db", threeMembers()) // observed again once leading again
	if got := testutil.ToFloat64(membersReady.WithLabelValues("ns", "db")); got != 3 {
		t.Errorf("ready members after leading again = %v, want 3", got)
	}
	Forget("ns", "db")
}

func TestCountersAndStepErrors(t *testing.T) {
	t.Cleanup(func() { Forget("ns", "db") })
	StepDone("ns", "db", "Fence", 10*time.Millisecond, nil)
	StepDone("ns", "db", "Fence", 10*time.Millisecond, errors.New("x"))
	Failover("ns", "db", "primaryLost")
	Failover("ns", "db", "primaryLost")
	if got := testutil.ToFloat64(stepErrors.WithLabelValues("ns", "db", "Fence")); got != 1 {
		t.Errorf("step errors = %v, want 1 (one of two steps failed)", got)
	}
	if got := testutil.ToFloat64(failovers.WithLabelValues("ns", "db", "primaryLost")); got != 2 {
		t.Errorf("failovers = %v, want 2", got)
	}
}

// TestNamesAreTheRegisteredMetrics keeps Names (which the alert and dashboard tests check
// expressions against) equal to what the registry serves, with the ordinal_ prefix.
func TestNamesAreTheRegisteredMetrics(t *testing.T) {
	t.Cleanup(func() { Forget("ns", "db") })
	ObserveCluster("ns", "db", threeMembers())
	Failover("ns", "db", "r")
	Switchover("ns", "db", "succeeded")
	PromotionRefused("ns", "db", "r")
	StepDone("ns", "db", "Promote", time.Second, errors.New("x"))
	BackupSucceeded("ns", "db", time.Now())
	BackupFailed("ns", "db")
	ArchiveSucceeded("ns", "db", time.Now())
	CertificateExpiry("ns", "db", "server", time.Now())
	mfs, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "ordinal_") {
			got = append(got, mf.GetName())
		}
	}
	want := slices.Clone(Names)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("registered ordinal_ metrics:\n  %v\nNames:\n  %v", got, want)
	}
}

// A certificate's expiry is a series per certificate; TLS turned off removes it.
func TestCertificateExpiry(t *testing.T) {
	t.Cleanup(func() { Forget("ns", "db") })
	at := time.Unix(1_900_000_000, 0)
	CertificateExpiry("ns", "db", "ca", at)
	CertificateExpiry("ns", "db", "server", at.Add(-time.Hour))
	if got := testutil.ToFloat64(certificateExpiry.WithLabelValues("ns", "db", "ca")); got != 1_900_000_000 {
		t.Errorf("ca expiry %v", got)
	}
	CertificateExpiry("ns", "db", "server", time.Time{})
	if n := testutil.CollectAndCount(certificateExpiry); n != 1 {
		t.Errorf("%d series after the server certificate's was removed, want the CA's only", n)
	}
}
