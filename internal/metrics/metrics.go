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
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Label names.
const (
	lNamespace = "namespace"
	lCluster   = "cluster"
	lPod       = "pod"
)

var clusterLabels = []string{lNamespace, lCluster}
var memberLabels = []string{lNamespace, lCluster, lPod}

func gauge(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
}

func counter(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

var (
	membersDesired = gauge("ordinal_cluster_members_desired", "Members the cluster should have (spec.replicas).", clusterLabels...)
	membersReady   = gauge("ordinal_cluster_members_ready", "Members whose pod is ready.", clusterLabels...)
	membersServing = gauge("ordinal_cluster_members_serving", "Members serving clients, the primary included.", clusterLabels...)
	primaryInfo    = gauge("ordinal_cluster_primary_info", "1 for the recorded primary; no series while none is recorded.", memberLabels...)
	primaryReady   = gauge("ordinal_cluster_primary_ready", "1 when the recorded primary answers and is writable.", clusterLabels...)
	writable       = gauge("ordinal_cluster_writable",
		"1 when commits can complete: the primary is writable, its heartbeat commits and, in semiSync mode, a semi-sync replica is connected.", clusterLabels...)
	lag             = gauge("ordinal_member_replication_lag_seconds", "A replica's Seconds_Behind_Source (replicas that report it).", memberLabels...)
	semiSyncEnabled = gauge("ordinal_member_semisync_enabled",
		"1 when the member's semi-sync side (source: waits for acks; replica: acknowledges) is enabled.", lNamespace, lCluster, lPod, "side")
	semiSyncReplicas = gauge("ordinal_cluster_semisync_replicas", "Semi-sync replicas connected to the primary.", clusterLabels...)
	memberErrant     = gauge("ordinal_member_errant", "1 when the member holds transactions the primary does not have.", memberLabels...)
	errantMembers    = gauge("ordinal_cluster_errant_members", "Members with errant transactions.", clusterLabels...)

	failovers  = counter("ordinal_failovers_total", "Failovers completed: a replica promoted because the primary was lost.", lNamespace, lCluster, "reason")
	switchover = counter("ordinal_switchovers_total", "Switchovers, by result (succeeded, failed, refused).", lNamespace, lCluster, "result")
	refused    = counter("ordinal_promotions_refused_total", "Promotions the operator refused (it waits for a person), by rule.", lNamespace, lCluster, "reason")

	stepDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ordinal_topology_step_duration_seconds", Help: "How long topology steps took, by step kind.",
		Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"step"})
	stepErrors = counter("ordinal_topology_step_errors_total", "Topology steps that failed, by step kind.", lNamespace, lCluster, "step")

	backupLastSuccess  = gauge("ordinal_backup_last_success_timestamp_seconds", "When the cluster's last backup succeeded (Unix seconds).", clusterLabels...)
	backupsFailed      = counter("ordinal_backups_failed_total", "Backups that failed.", clusterLabels...)
	archiveLastSuccess = gauge("ordinal_archive_last_success_timestamp_seconds",
		"When the primary's agent last archived binary logs successfully (Unix seconds).", clusterLabels...)
	certificateExpiry = gauge("ordinal_tls_certificate_expiry_timestamp_seconds",
		"When the cluster's certificates expire (Unix seconds), by certificate: ca, server.", lNamespace, lCluster, "certificate")
)

// Names lists every metric this package records; a test keeps it equal to the registry.
var Names = []string{
	"ordinal_cluster_members_desired", "ordinal_cluster_members_ready", "ordinal_cluster_members_serving",
	"ordinal_cluster_primary_info", "ordinal_cluster_primary_ready", "ordinal_cluster_writable",
	"ordinal_member_replication_lag_seconds", "ordinal_member_semisync_enabled", "ordinal_cluster_semisync_replicas",
	"ordinal_member_errant", "ordinal_cluster_errant_members",
	"ordinal_failovers_total", "ordinal_switchovers_total", "ordinal_promotions_refused_total",
	"ordinal_topology_step_duration_seconds", "ordinal_topology_step_errors_total",
	"ordinal_backup_last_success_timestamp_seconds", "ordinal_backups_failed_total",
	"ordinal_archive_last_success_timestamp_seconds", "ordinal_tls_certificate_expiry_timestamp_seconds",
}

// perCluster are the vectors whose series carry namespace and cluster labels: Forget and ForgetAll
// remove them.
var perCluster = []interface {
	DeletePartialMatch(prometheus.Labels) int
	Reset()
}{
	membersDesired, membersReady, membersServing, primaryInfo, primaryReady, writable, lag, semiSyncEnabled,
	semiSyncReplicas, memberErrant, errantMembers, failovers, switchover, refused, stepErrors,
	backupLastSuccess, backupsFailed, archiveLastSuccess, certificateExpiry,
}

func collectors() []prometheus.Collector {
	return []prometheus.Collector{
		membersDesired, membersReady, membersServing, primaryInfo, primaryReady, writable, lag, semiSyncEnabled,
		semiSyncReplicas, memberErrant, errantMembers, failovers, switchover, refused, stepDuration, stepErrors,
		backupLastSuccess, backupsFailed, archiveLastSuccess, certificateExpiry,
	}
}

// controller-runtime's registry is what the manager serves; registering at init, like
// controller-runtime's own metrics, makes the series exist in every binary that records them.
func init() {
	crmetrics.Registry.MustRegister(collectors()...)
}
