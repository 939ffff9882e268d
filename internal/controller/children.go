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
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// applyChildren creates the credentials Secret if needed and applies every other child. A child
// that fails does not stop the others (a refused StatefulSet change must not stop routing
// Services); the errors are returned together.
func (r *ClusterReconciler) applyChildren(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	if err := r.ensureSecret(ctx, c, w); err != nil {
		return err
	}
	// Before the StatefulSet: a new member's pod mounts a certificate that names it.
	renewErr := r.renewCertificates(ctx, c, w)
	objs, err := r.desiredChildren(ctx, c, w)
	if err != nil {
		return err
	}
	errs := []error{renewErr}
	for _, obj := range objs {
		if err := r.applyChild(ctx, c, w, obj); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, r.removePDBIfDisabled(ctx, c, w))...)
}

// applyChild applies one child, re-creating the StatefulSet when its claim templates changed.
func (r *ClusterReconciler) applyChild(ctx context.Context, c *v1alpha1.MySQLCluster, w *world, obj client.Object) error {
	if err := controllerutil.SetControllerReference(c, obj, r.Scheme); err != nil {
		return fmt.Errorf("own %s: %w", obj.GetName(), err)
	}
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	live := w.children[childKey(kind, obj.GetName())]
	if sts, ok := obj.(*appsv1.StatefulSet); ok && w.statefulSet != nil && claimTemplatesChanged(w.statefulSet, sts) {
		return r.replaceStatefulSet(ctx, c, w.statefulSet, sts)
	}
	wrote, err := r.applier(c).apply(ctx, obj, live)
	if err != nil {
		return err
	}
	if wrote {
		verb := "Updated"
		if live == nil {
			verb = "Created"
		}
		logf(ctx)(verb+" "+kind, "name", obj.GetName())
	}
	return nil
}

// desiredChildren builds every child the cluster should have. The StatefulSet waits for valid
// credentials: without them its pods could only fail.
func (r *ClusterReconciler) desiredChildren(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) ([]client.Object, error) {
	cm, err := desired.ConfigMap(c)
	if err != nil {
		return nil, fmt.Errorf("render config of %s: %w", c.Name, err)
	}
	objs := []client.Object{
		desired.ServiceAccount(c), cm,
		// The primary Service is applied by route, after the steps: it follows the recorded primary.
		desired.HeadlessService(c), desired.ReplicasService(c),
	}
	if pdb := desired.PodDisruptionBudget(c); pdb != nil {
		objs = append(objs, pdb)
	}
	if trust := w.tls.material.Trust; c.TLSEnabled() && len(trust) > 0 {
		objs = append(objs, desired.CAConfigMap(c, trust))
	}
	if w.blocker == nil {
		restart, err := desired.RestartConfig(c)
		if err != nil {
			return nil, err
		}
		sts := desired.StatefulSet(c, r.Options, restart)
		desired.KeepRunningAgent(sts, w.statefulSet)
		if !r.gateStatefulSet(ctx, c, sts, w) {
			return objs[:0:0], nil // neither the template nor the config it hashes
		}
		// Scale-down never removes the primary: the StatefulSet keeps it until a switchover moved it.
		n := issuedReplicas(c, w, int32(topology.StatefulSetReplicas(w.topology)))
		if w.volumeSeed.capped {
			// A new member is created only once its volume restored from a snapshot exists.
			n = min(n, w.volumeSeed.limit)
		}
		sts.Spec.Replicas = &n
		objs = append(objs, sts)
	}
	return objs, nil
}

// ensureSecret creates the generated credentials Secret once. An existing Secret is never
// overwritten: the servers' passwords were set from it.
func (r *ClusterReconciler) ensureSecret(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	if w.secret != nil || c.Spec.CredentialsSecretName != "" {
		return nil
	}
	s, err := desired.CredentialsSecret(c, r.Rand)
	if err != nil {
		return fmt.Errorf("generate credentials for %s: %w", c.Name, err)
	}
	// The Secret outlives the cluster when its volumes do: a re-created cluster must still be able
	// to log in to the retained datadirs.
	if c.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted == "Delete" {
		if err := controllerutil.SetControllerReference(c, s, r.Scheme); err != nil {
			return fmt.Errorf("own Secret %s: %w", s.Name, err)
		}
	}
	err = r.createSecret(ctx, s)
	if apierrors.IsAlreadyExists(err) {
		// Created since this pass read (by an earlier pass whose write the caches had not seen):
		// the passwords are the existing Secret's, never the ones just generated.
		existing := &corev1.Secret{}
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(s), existing); err != nil {
			return fmt.Errorf("read Secret %s: %w", s.Name, err)
		}
		r.keepSecret(existing)
		w.secret = existing
		return nil
	}
	if err != nil {
		return err
	}
	w.secret = s
	logf(ctx)("Created Secret", "name", s.Name)
	return nil
}

// createSecret creates s and keeps it as written, so the next pass finds it before the metadata
// cache has seen it.
func (r *ClusterReconciler) createSecret(ctx context.Context, s *corev1.Secret) error {
	if err := r.Create(ctx, s); err != nil {
		return fmt.Errorf("create Secret %s: %w", s.Name, err)
	}
	r.keepSecret(s)
	return nil
}

// keepSecret hands a Secret the operator wrote or read to the Secret reader.
func (r *ClusterReconciler) keepSecret(s *corev1.Secret) {
	if r.secrets != nil {
		r.secrets.keep(client.ObjectKeyFromObject(s), s)
	}
}

// removePDBIfDisabled deletes the operator's PodDisruptionBudget once the user disabled it.
func (r *ClusterReconciler) removePDBIfDisabled(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	live := w.children[childKey("PodDisruptionBudget", c.PodDisruptionBudgetName())]
	if live == nil || desired.PodDisruptionBudget(c) != nil || !metav1.IsControlledBy(live, c) {
		return nil
	}
	if err := r.Delete(ctx, live); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete PodDisruptionBudget %s: %w", live.GetName(), err)
	}
	logf(ctx)("Deleted PodDisruptionBudget", "name", live.GetName())
	return nil
}

// missingCredentialKeys lists the keys a credentials Secret lacks or leaves empty.
func missingCredentialKeys(s *corev1.Secret) []string {
	var missing []string
	for _, k := range v1alpha1.CredentialKeys {
		if len(s.Data[k]) == 0 {
			missing = append(missing, k)
		}
	}
	return missing
}
