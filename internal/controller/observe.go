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
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// world is everything one reconcile observed, read once before anything is decided.
type world struct {
	statefulSet *appsv1.StatefulSet
	children    map[string]client.Object // live child by kind/name, nil when absent
	pods        []corev1.Pod             // member pods, by ordinal
	secret      *corev1.Secret           // credentials, nil when absent
	// blocker is why the operator cannot go on without the user (Stalled), nil when it can.
	blocker *condition

	// claims are the cluster's data PVCs by name, as cached.
	claims map[string]*corev1.PersistentVolumeClaim
	// volumeSeed is how the volume of the next member the StatefulSet creates is being prepared
	// (spec.storage.seedFromVolumeSnapshot).
	volumeSeed volumeSeed

	members  []*member         // every member, probed over SQL when credentials exist
	topology topology.Snapshot // what the topology engine decides on
	step     topology.Step     // the last step decided in this reconcile
	acted    bool              // a step other than Wait or Refuse ran
	stepErr  error             // why the last step failed, nil when none did
	applyErr error             // why applying a child object failed, nil when none did
	// templateCurrent: the live StatefulSet already had the pod template this pass builds;
	// templateChanging: this pass applies another one.
	templateCurrent, templateChanging bool
	// keptAside says, per member re-seeded in this pass, where its errant binary logs are kept.
	keptAside map[string]string
	// archive is how the primary's binary log archiving went, as its agent answered this pass; nil
	// when the cluster has no backups or the primary was not asked.
	archive *v1alpha1.ArchiveStatus
	// backingUp names the members a store backup of this cluster runs on (their applier may be
	// paused for it: see topology.Member.BackingUp).
	backingUp map[string]bool
	// configRejected says which settings a server refused at run time this pass, "" when none.
	configRejected string
	// appUserPending: spec.database or spec.user is not in place yet on the primary.
	appUserPending bool
	// tls is the cluster's certificates and how far they reached.
	tls tlsWorld
	// placement is where members may move; nil when none needs to, or when the operator does not
	// place them (topology.Snapshot.SchedulableNodes).
	placement *placement

	// written is the cluster as last written to (or read from) the API server: the base of status
	// patches.
	written *v1alpha1.MySQLCluster
}

// condition is a reason and a message for a status condition.
type condition struct {
	Reason  string
	Message string
}

func childKey(kind, name string) string { return kind + "/" + name }

// observe reads the cluster's children, member pods, credentials and members' SQL state.
func (r *ClusterReconciler) observe(ctx context.Context, c *v1alpha1.MySQLCluster) (*world, error) {
	w := &world{children: map[string]client.Object{}, written: c.DeepCopy(), keptAside: map[string]string{}}
	if err := r.observeChildren(ctx, c, w); err != nil {
		return nil, err
	}
	pods, err := r.memberPods(ctx, c)
	if err != nil {
		return nil, err
	}
	w.pods = pods
	if w.placement, err = r.observePlacement(ctx, c, pods); err != nil {
		return nil, err
	}
	if err := r.observeSecret(ctx, c, w); err != nil {
		return nil, err
	}
	if err := r.observeTLS(ctx, c, w); err != nil {
		return nil, err
	}
	r.checkRestore(ctx, c, w)
	if w.backingUp, err = r.backupsRunning(ctx, c); err != nil {
		return nil, err
	}
	if w.members, err = r.observeMembers(ctx, c, w); err != nil {
		return nil, err
	}
	r.checkPrimaryCommits(ctx, c, w.members)
	r.observeAccounts(ctx, c, w)
	w.topology = r.snapshot(c, w)
	return w, nil
}

// snapshot tracks whether the recorded primary answers and turns what was observed into the plain
// data the topology engine decides on.
func (r *ClusterReconciler) snapshot(c *v1alpha1.MySQLCluster, w *world) topology.Snapshot {
	reachable, failed := false, confirmProbes
	for _, m := range w.members {
		if m.name == c.Status.CurrentPrimary {
			reachable, failed = m.status != nil, m.failedProbes
		}
	}
	unreachableFor := r.primaries.observe(c, reachable, failed, r.now())
	isolated := func(name string) bool { return r.failures.isolated(c.UID, name, r.now()) }
	s := snapshot(c, w, unreachableFor, isolated)
	r.markFailedMoves(c, w, &s)
	return s
}

func (r *ClusterReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// observeChildren reads every child the operator applies; an absent one is recorded as nil.
func (r *ClusterReconciler) observeChildren(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	reads := []struct {
		kind, name string
		obj        client.Object
	}{
		{"StatefulSet", c.StatefulSetName(), &appsv1.StatefulSet{}},
		{"Service", c.HeadlessServiceName(), &corev1.Service{}},
		{"Service", c.PrimaryServiceName(), &corev1.Service{}},
		{"Service", c.ReplicasServiceName(), &corev1.Service{}},
		{"ConfigMap", c.ConfigMapName(), &corev1.ConfigMap{}},
		{"ConfigMap", c.CAConfigMapName(), &corev1.ConfigMap{}},
		{"ServiceAccount", c.ServiceAccountName(), &corev1.ServiceAccount{}},
		{"PodDisruptionBudget", c.PodDisruptionBudgetName(), &policyv1.PodDisruptionBudget{}},
	}
	for _, rd := range reads {
		err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: rd.name}, rd.obj)
		switch {
		case apierrors.IsNotFound(err):
			w.children[childKey(rd.kind, rd.name)] = nil
		case err != nil:
			return fmt.Errorf("get %s %s: %w", rd.kind, rd.name, err)
		default:
			w.children[childKey(rd.kind, rd.name)] = rd.obj
		}
	}
	if sts, ok := w.children[childKey("StatefulSet", c.StatefulSetName())].(*appsv1.StatefulSet); ok {
		w.statefulSet = sts
	}
	return nil
}

// memberPods lists the cluster's pods, ordered by ordinal.
func (r *ClusterReconciler) memberPods(ctx context.Context, c *v1alpha1.MySQLCluster) ([]corev1.Pod, error) {
	var list corev1.PodList
	err := r.List(ctx, &list, ofCluster(c)...)
	if err != nil {
		return nil, fmt.Errorf("list pods of %s: %w", c.Name, err)
	}
	pods := make([]corev1.Pod, 0, len(list.Items))
	for _, p := range list.Items {
		if _, ok := c.Ordinal(p.Name); ok {
			pods = append(pods, p)
		}
	}
	sort.Slice(pods, func(i, j int) bool {
		a, _ := c.Ordinal(pods[i].Name)
		b, _ := c.Ordinal(pods[j].Name)
		return a < b
	})
	return pods, nil
}

// observeSecret reads the credentials Secret without the cache and checks its keys.
func (r *ClusterReconciler) observeSecret(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	s := &corev1.Secret{}
	err := r.secretReader().Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.CredentialsSecretName()}, s)
	switch {
	case apierrors.IsNotFound(err):
		if c.Spec.CredentialsSecretName != "" {
			w.blocker = &condition{"CredentialsSecretMissing",
				fmt.Sprintf("Secret %s named by spec.credentialsSecretName does not exist", c.Spec.CredentialsSecretName)}
		}
		return nil
	case err != nil:
		return fmt.Errorf("get Secret %s: %w", c.CredentialsSecretName(), err)
	}
	w.secret = s
	if missing := missingCredentialKeys(s); len(missing) > 0 {
		w.blocker = &condition{"CredentialsSecretInvalid",
			fmt.Sprintf("Secret %s lacks the keys %v", s.Name, missing)}
	}
	return nil
}
