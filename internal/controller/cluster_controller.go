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
	"io"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/metrics"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// stalledRetry is how often a cluster waiting on the user (a missing Secret) is looked at again,
// besides when the Secret's creation wakes it.
const stalledRetry = 10 * time.Second

// maxConcurrentReconciles is how many clusters are reconciled at once; a reconcile mostly waits on
// SQL and the API server.
const maxConcurrentReconciles = 16

// ClusterReconciler reconciles MySQLCluster objects.
type ClusterReconciler struct {
	client.Client
	// APIReader reads Secrets without caching every Secret of the cluster in the operator.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	Options   desired.Options
	// Rand is the source of generated passwords (crypto/rand in production).
	Rand io.Reader
	// Opener opens SQL connections to members; nil means real connections.
	Opener mysql.Opener
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WatchNodes: the operator may read nodes (a cluster-wide install), and moves members that
	// share a node apart (spread.go).
	WatchNodes bool

	primaries primaryWatch
	failures  stepFailures
	moves     moveMemory
	rollouts  rolloutGate
	appUsers  appUserMemory
	served    servedCerts
	roots     sharedRoots
	applied   appliedMemo
	conns     memberConns
	// pulseConns are the connections the pulses of resting clusters (and the standby) read on.
	pulseConns pulseConns
	// pulses watches settled clusters between passes; secrets serves Secret data by resourceVersion.
	// Both are set up by SetupWithManager (nil in unit tests: clusters are then polled and Secrets
	// read from APIReader).
	pulses  *pulseWatch
	secrets *secretReader
}

// +kubebuilder:rbac:groups=mysql.ordinal.dev,resources=mysqlclusters,verbs=get;list;watch
// +kubebuilder:rbac:groups=mysql.ordinal.dev,resources=mysqlclusters/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mysql.ordinal.dev,resources=mysqlclusters/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services;configmaps;serviceaccounts,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;patch;delete
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile moves one MySQLCluster towards its spec, routes clients to the recorded primary and
// rebuilds its status. Only errors reading or writing the cluster itself are returned: a failed
// step or child apply is reported in status and events, and the cluster is looked at again soon,
// never under controller-runtime's growing back-off.
func (r *ClusterReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	cluster := &v1alpha1.MySQLCluster{}
	// Uncached: the cache may not have seen the promotion the previous pass (or another leader, if
	// this process was frozen and deposed) recorded, and deciding on a stale currentPrimary would
	// fence the new primary. A settled cluster has no passes between its resyncs, so this read
	// costs nothing at rest.
	if err := r.APIReader.Get(ctx, req.NamespacedName, cluster); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName, "")
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !cluster.DeletionTimestamp.IsZero() {
		r.forget(req.NamespacedName, cluster.UID)
		// Children carry owner references: the garbage collector removes them; PVCs follow the
		// retention policy.
		return reconcile.Result{}, nil
	}
	defer r.conns.hold(cluster.UID)()
	w, err := r.observe(ctx, cluster)
	if err != nil {
		return reconcile.Result{}, err
	}
	r.seedNextVolume(ctx, cluster, w)
	if w.applyErr = r.applyChildren(ctx, cluster, w); w.applyErr != nil {
		r.Recorder.Eventf(cluster, nil, corev1.EventTypeWarning, "ApplyFailed", "Apply", "%v", w.applyErr)
	}
	r.reconcileTopology(ctx, cluster, w)
	routeErr := r.route(ctx, cluster, w)
	if routeErr != nil {
		r.Recorder.Eventf(cluster, nil, corev1.EventTypeWarning, "RoutingFailed", "Route", "%v", routeErr)
	}
	// Right after the topology and routing, before the slower extras: the gauges follow a failover
	// even when settings, users or archiving take long or fail.
	recordMetrics(cluster, w)
	r.applyLiveConfig(ctx, cluster, w)
	r.reloadCertificates(ctx, cluster, w)
	r.reconcileAppUser(ctx, cluster, w)
	r.archive(ctx, cluster, w)
	if err := r.writeStatus(ctx, cluster, w); err != nil {
		return reconcile.Result{}, err
	}
	r.releaseRollout(cluster, w)
	if routeErr != nil {
		r.watchBetweenPasses(cluster, w, false)
		return reconcile.Result{RequeueAfter: progressPoll}, nil
	}
	after := requeueAfter(cluster, w, r.pulses != nil)
	r.watchBetweenPasses(cluster, w, after == atRest)
	if after == atRest {
		// No timer but the next renewal's (months away at rest).
		return reconcile.Result{RequeueAfter: w.tls.renewIn(r.now())}, nil
	}
	return reconcile.Result{RequeueAfter: after}, nil
}

// forget drops what the operator keeps in memory about a deleted cluster.
func (r *ClusterReconciler) forget(key types.NamespacedName, uid types.UID) {
	r.rollouts.release(key.String())
	metrics.Forget(key.Namespace, key.Name)
	if r.pulses != nil {
		r.pulses.disarm(key)
	}
	if uid != "" {
		r.conns.forget(uid)
		r.pulseConns.forget(uid)
		r.primaries.forget(uid)
		r.served.forget(uid)
		r.applied.forget(uid)
		r.moves.forget(uid)
	}
}

// applier applies c's children, skipping those unchanged since applied.
func (r *ClusterReconciler) applier(c *v1alpha1.MySQLCluster) applier {
	return applier{client: r.Client, reader: r.APIReader, memo: &r.applied, cluster: c.UID}
}

// SetupWithManager registers the reconciler and what it watches.
func (r *ClusterReconciler) SetupWithManager(mgr ctrl.Manager) error {
	r.pulses = newPulseWatch(r.primaries.sawPulse)
	r.secrets = &secretReader{Meta: mgr.GetClient(), API: r.APIReader}
	if err := setUpIndexes(context.Background(), mgr.GetFieldIndexer()); err != nil {
		return err
	}
	if err := mgr.Add(manager.RunnableFunc(r.sweepConns)); err != nil {
		return fmt.Errorf("add connection sweeper: %w", err)
	}
	if err := mgr.Add(manager.RunnableFunc(r.pulses.run)); err != nil {
		return fmt.Errorf("add pulse watch: %w", err)
	}
	if err := mgr.Add(&standbyWatch{r: r, elected: mgr.Elected()}); err != nil {
		return fmt.Errorf("add standby watch: %w", err)
	}
	b := ctrl.NewControllerManagedBy(mgr)
	if r.WatchNodes {
		b = b.Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(clustersSharingNodes(mgr.GetClient())),
			builder.WithPredicates(nodeBecameSchedulable))
	}
	return b.
		For(&v1alpha1.MySQLCluster{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&appsv1.StatefulSet{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ConfigMap{}).
		Owns(&corev1.ServiceAccount{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(podToCluster)).
		// Only the metadata of Secrets is cached: a changed Secret a cluster reads wakes it.
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(secretToClusters(mgr.GetClient())),
			builder.OnlyMetadata).
		WatchesRawSource(source.Channel(r.pulses.wake, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{
			// A slow or broken cluster must never delay another cluster's failover.
			MaxConcurrentReconciles: maxConcurrentReconciles,
			// Only API errors reach the rate limiter; they are retried within seconds.
			RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](
				100*time.Millisecond, 5*time.Second),
		}).
		Named("mysqlcluster").
		Complete(r)
}

// podToCluster maps a member pod to its cluster through the cluster label the pod template carries.
func podToCluster(_ context.Context, o client.Object) []reconcile.Request {
	name, ok := o.GetLabels()[v1alpha1.LabelCluster]
	if !ok {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: name}}}
}

// logf is a shorthand for the reconcile's structured logger.
func logf(ctx context.Context) func(msg string, kv ...any) {
	l := log.FromContext(ctx)
	return func(msg string, kv ...any) { l.Info(msg, kv...) }
}
