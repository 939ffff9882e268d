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

package manager

import (
	"crypto/rand"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/controller"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// Leader election timing, shorter than controller-runtime's defaults (15 s, 10 s, 2 s): a lost
// leader's failovers wait for the standby, which takes the lease leaseDuration after it last saw
// it renewed, polling every retryPeriod to 2.2 retryPeriods (client-go's jitter). With 8 s and
// 1 s a lost node that took the leader with it cost 14 s of writes; 6 s and 0.5 s bring the
// takeover to 6–8 s. A leader that cannot renew for renewDeadline (eight tries) stands down and
// stands by again at once (Run): a short lease costs a few requests a second, and a flap only a
// few seconds without a leader.
const (
	leaseDuration = 6 * time.Second
	renewDeadline = 4 * time.Second
	retryPeriod   = 500 * time.Millisecond
)

// Options configure a manager.
type Options struct {
	MetricsAddr, ProbeAddr string
	// MetricsSecure serves metrics over HTTPS behind the API server's authentication and
	// authorization (a TokenReview and a SubjectAccessReview per scrape); false serves plain HTTP.
	MetricsSecure bool
	// PprofAddr serves Go's profiles (net/http/pprof) on this address; empty disables them.
	PprofAddr   string
	LeaderElect bool
	// Image is the operator image, run by every database pod's init container.
	Image string
	// WatchNamespaces limits the operator to MySQLClusters (and their children) in these
	// namespaces; empty means every namespace.
	WatchNamespaces []string
	// NewClient builds the operator's client; nil means controller-runtime's default. Tests wrap it to
	// count the writes a reconcile makes.
	NewClient client.NewClientFunc
	// Opener opens SQL connections to members; nil means real connections. Tests use a fake.
	Opener mysql.Opener
	// LeaderElectionNamespace holds the lease; empty means the pod's own namespace.
	LeaderElectionNamespace string
	// Again: a manager of a process that already ran one (see Run). Its controllers take the
	// names the first one registered.
	Again bool
}

// New builds a manager with the MySQLCluster reconciler registered. Its cache holds only the
// operator's own pods and children (see cacheOptions) and the metadata of Secrets, so the
// operator's memory does not grow with the rest of the cluster.
func New(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	memberPods, err := labels.NewRequirement(v1alpha1.LabelCluster, selection.Exists, nil)
	if err != nil {
		return nil, fmt.Errorf("pod selector: %w", err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 Scheme(),
		Metrics:                metricsOptions(o.MetricsAddr, o.MetricsSecure),
		HealthProbeBindAddress: o.ProbeAddr,
		PprofBindAddress:       o.PprofAddr,
		NewClient:              o.NewClient,
		LeaderElection:         o.LeaderElect,
		LeaderElectionID:       "ordinal.mysql.ordinal.dev",
		// A failover waits for a leader: a crashed leader is replaced within a lease, and one that
		// stops (a rollout) hands over at once.
		LeaseDuration:                 ptr.To(leaseDuration),
		RenewDeadline:                 ptr.To(renewDeadline),
		RetryPeriod:                   ptr.To(retryPeriod),
		LeaderElectionReleaseOnCancel: true,
		LeaderElectionNamespace:       o.LeaderElectionNamespace,
		// Warm: a standby starts the controllers' watches and fills their caches while it waits, so a
		// new leader's first pass (a failover, when the old leader went down with a primary's node)
		// reads caches already in sync instead of listing every kind after it takes the lease.
		Controller:     config.Controller{SkipNameValidation: ptr.To(o.Again), EnableWarmup: ptr.To(true)},
		Cache:          cacheOptions(o.WatchNamespaces, labels.NewSelector().Add(*memberPods)),
		MapperProvider: newRESTMapper,
	})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	r := &controller.ClusterReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Scheme:    mgr.GetScheme(),
		Recorder:  mgr.GetEventRecorder("ordinal"),
		Options:   desired.Options{OperatorImage: o.Image},
		Rand:      rand.Reader,
		Opener:    o.Opener,
		// Nodes are cluster-scoped: a namespaced install may not read them.
		WatchNodes: len(o.WatchNamespaces) == 0 && mayPlaceMembers(mgr.GetClient()),
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("set up MySQLCluster controller: %w", err)
	}
	if err := setupBackups(mgr, desired.Options{OperatorImage: o.Image}); err != nil {
		return nil, err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("add readiness check: %w", err)
	}
	return mgr, nil
}

// setupBackups registers the reconcilers of MySQLBackups and of clusters' backup schedules.
func setupBackups(mgr ctrl.Manager, opts desired.Options) error {
	b := &controller.BackupReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorder("ordinal"), Options: opts}
	if err := b.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up MySQLBackup controller: %w", err)
	}
	s := &controller.ScheduleReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorder("ordinal")}
	if err := s.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up backup schedule controller: %w", err)
	}
	return nil
}
