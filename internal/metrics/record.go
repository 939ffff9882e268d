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
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Member is one member as the controller observed it in a pass.
type Member struct {
	Name    string
	Replica bool // the member replicates from the primary (lag is only recorded for replicas)
	// Lag is the replica's Seconds_Behind_Source, when LagKnown.
	Lag      time.Duration
	LagKnown bool
	// Answered: the server answered this pass, so the semi-sync flags below are known.
	Answered                        bool
	SemiSyncSource, SemiSyncReplica bool
	Errant                          bool
}

// Cluster is one cluster as the controller observed it in a pass.
type Cluster struct {
	Desired, Ready, Serving int
	Primary                 string // the recorded primary; "" when none
	PrimaryReady            bool   // the primary answers and is writable
	Writable                bool   // commits can complete now
	SemiSyncReplicas        int
	Members                 []Member
}

type key struct{ ns, name string }

// seen remembers, per cluster, the members and primary series last set, so that a member that
// is gone (scaled down) or a former primary loses its series.
var (
	mu   sync.Mutex
	seen = map[key]seenSet{}
)

type seenSet struct {
	members map[string]bool
	primary string
}

// ObserveCluster sets every gauge of the cluster ns/name to what the controller observed.
func ObserveCluster(ns, name string, c Cluster) {
	mu.Lock()
	defer mu.Unlock()
	l := prometheus.Labels{lNamespace: ns, lCluster: name}
	membersDesired.With(l).Set(float64(c.Desired))
	membersReady.With(l).Set(float64(c.Ready))
	membersServing.With(l).Set(float64(c.Serving))
	primaryReady.With(l).Set(b2f(c.PrimaryReady))
	writable.With(l).Set(b2f(c.Writable && c.Primary != ""))
	semiSyncReplicas.With(l).Set(float64(c.SemiSyncReplicas))
	// A counter that appears at 1 shows no increase: start it at 0 so the first failure alerts.
	backupsFailed.With(l).Add(0)
	prev := seen[key{ns, name}]
	if prev.primary != "" && prev.primary != c.Primary {
		primaryInfo.DeleteLabelValues(ns, name, prev.primary)
	}
	if c.Primary != "" {
		primaryInfo.WithLabelValues(ns, name, c.Primary).Set(1)
	}
	now := map[string]bool{}
	errant := 0
	for _, m := range c.Members {
		now[m.Name] = true
		errant += int(b2f(m.Errant))
		observeMember(ns, name, m)
	}
	errantMembers.With(l).Set(float64(errant))
	for pod := range prev.members {
		if !now[pod] {
			forgetMember(ns, name, pod)
		}
	}
	seen[key{ns, name}] = seenSet{members: now, primary: c.Primary}
}

func observeMember(ns, name string, m Member) {
	memberErrant.WithLabelValues(ns, name, m.Name).Set(b2f(m.Errant))
	if m.Replica && m.LagKnown {
		lag.WithLabelValues(ns, name, m.Name).Set(m.Lag.Seconds())
	} else {
		lag.DeleteLabelValues(ns, name, m.Name)
	}
	if m.Answered {
		semiSyncEnabled.WithLabelValues(ns, name, m.Name, "source").Set(b2f(m.SemiSyncSource))
		semiSyncEnabled.WithLabelValues(ns, name, m.Name, "replica").Set(b2f(m.SemiSyncReplica))
	} else {
		semiSyncEnabled.DeletePartialMatch(prometheus.Labels{lNamespace: ns, lCluster: name, lPod: m.Name})
	}
}

func forgetMember(ns, name, pod string) {
	l := prometheus.Labels{lNamespace: ns, lCluster: name, lPod: pod}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{memberErrant, lag, semiSyncEnabled, primaryInfo} {
		v.DeletePartialMatch(l)
	}
}

// Forget removes every series of the cluster ns/name: it was deleted.
func Forget(ns, name string) {
	mu.Lock()
	defer mu.Unlock()
	delete(seen, key{ns, name})
	l := prometheus.Labels{lNamespace: ns, lCluster: name}
	for _, v := range perCluster {
		v.DeletePartialMatch(l)
	}
}

// ForgetAll removes every cluster's series: this process no longer leads, and a standby's
// scrape must not report what it last saw as the leader next to the leader's own figures.
func ForgetAll() {
	mu.Lock()
	defer mu.Unlock()
	clear(seen)
	for _, v := range perCluster {
		v.Reset()
	}
}

// Failover counts a completed failover of ns/name.
func Failover(ns, name, reason string) { failovers.WithLabelValues(ns, name, reason).Inc() }

// Switchover counts a switchover of ns/name by result: succeeded, failed or refused.
func Switchover(ns, name, result string) { switchover.WithLabelValues(ns, name, result).Inc() }

// PromotionRefused counts a promotion the operator refused, by the rule that refused it.
func PromotionRefused(ns, name, reason string) { refused.WithLabelValues(ns, name, reason).Inc() }

// StepDone records how long a topology step took and, when err is not nil, that it failed.
func StepDone(ns, name, step string, d time.Duration, err error) {
	stepDuration.WithLabelValues(step).Observe(d.Seconds())
	if err != nil {
		stepErrors.WithLabelValues(ns, name, step).Inc()
	}
}

// BackupSucceeded records when a backup of the cluster ns/name completed.
func BackupSucceeded(ns, name string, at time.Time) {
	backupLastSuccess.WithLabelValues(ns, name).Set(float64(at.Unix()))
}

// BackupFailed counts a failed backup of the cluster ns/name.
func BackupFailed(ns, name string) { backupsFailed.WithLabelValues(ns, name).Inc() }

// ArchiveSucceeded records when the primary's agent last archived binary logs of ns/name.
func ArchiveSucceeded(ns, name string, at time.Time) {
	archiveLastSuccess.WithLabelValues(ns, name).Set(float64(at.Unix()))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// CertificateExpiry records when the cluster's CA or server certificate expires; a zero time
// removes the series (TLS turned off).
func CertificateExpiry(ns, name, certificate string, at time.Time) {
	if at.IsZero() {
		certificateExpiry.DeleteLabelValues(ns, name, certificate)
		return
	}
	certificateExpiry.WithLabelValues(ns, name, certificate).Set(float64(at.Unix()))
}
