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

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// recordConflictRetries bounds how often a promotion is re-recorded after a conflicting write.
const recordConflictRetries = 3

// recordPrimary writes a promotion to status with an optimistic lock, then moves routing to the new
// primary in the same pass. A conflict is retried only while nobody recorded another primary since
// this pass looked: the promotion is then still the right one.
func (r *ClusterReconciler) recordPrimary(ctx context.Context, c *v1alpha1.MySQLCluster, w *world, name string) error {
	expected := w.written.Status.CurrentPrimary
	var err error
	for range recordConflictRetries {
		c.Status.CurrentPrimary = name
		c.Status.PrimaryUnreachableSince = nil
		if to := c.Annotations[v1alpha1.AnnotationSwitchoverTo]; to == name {
			c.Status.CompletedSwitchover = to
		}
		patch := client.MergeFromWithOptions(w.written, client.MergeFromWithOptimisticLock{})
		if err = r.Status().Patch(ctx, c, patch); err == nil {
			w.written = c.DeepCopy()
			logf(ctx)("Recorded the primary", "primary", name, "previous", expected)
			return r.route(ctx, c, w)
		}
		if !apierrors.IsConflict(err) {
			revertRecord(c, w.written)
			return err
		}
		fresh := &v1alpha1.MySQLCluster{}
		if gerr := r.APIReader.Get(ctx, client.ObjectKeyFromObject(c), fresh); gerr != nil {
			revertRecord(c, w.written)
			return errors.Join(err, gerr)
		}
		if fresh.Status.CurrentPrimary != expected {
			revertRecord(c, w.written)
			return fmt.Errorf("%s was recorded as the primary meanwhile: %w", fresh.Status.CurrentPrimary, err)
		}
		w.written = fresh.DeepCopy()
		fresh.Status = c.Status
		*c = *fresh
	}
	revertRecord(c, w.written)
	return err
}

// revertRecord undoes an unrecorded promotion in memory, so the status written at the end of the
// pass does not record it either.
func revertRecord(c, written *v1alpha1.MySQLCluster) {
	c.Status.CurrentPrimary = written.Status.CurrentPrimary
	c.Status.PrimaryUnreachableSince = written.Status.PrimaryUnreachableSince
	c.Status.CompletedSwitchover = written.Status.CompletedSwitchover
}

// route points the client Services at the recorded primary and the serving replicas. It runs on
// every pass, whatever step was decided and whether it succeeded: the primary Service selects the
// pod named in status.currentPrimary (one write moves it), and the role and serving labels the
// replicas Service selects on are applied to every pod, terminating ones included.
func (r *ClusterReconciler) route(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	svc := desired.PrimaryService(c)
	if err := controllerutil.SetControllerReference(c, svc, r.Scheme); err != nil {
		return fmt.Errorf("own %s: %w", svc.Name, err)
	}
	live := w.children[childKey("Service", svc.Name)]
	wrote, err := r.applier(c).apply(ctx, svc, live)
	if err != nil {
		return err
	}
	if wrote {
		w.children[childKey("Service", svc.Name)] = svc
		logf(ctx)("Routed the primary Service", "name", svc.Name, "primary", c.Status.CurrentPrimary)
	}
	return r.applyRoles(ctx, c, w)
}

// applyRoles labels each pod with its role and whether it serves reads. Every pod is tried even
// when one patch fails; pods whose labels already match are not written.
func (r *ClusterReconciler) applyRoles(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	byName := membersByName(w.members)
	var errs []error
	for _, as := range topology.Roles(w.topology) {
		m := byName[as.Name]
		if m == nil || m.pod == nil {
			continue
		}
		serving := "false"
		if as.Serving {
			serving = "true"
		}
		if m.pod.Labels[v1alpha1.LabelRole] == string(as.Role) && m.pod.Labels[v1alpha1.LabelServing] == serving {
			continue
		}
		patch := client.MergeFrom(m.pod.DeepCopy())
		if m.pod.Labels == nil {
			m.pod.Labels = map[string]string{}
		}
		m.pod.Labels[v1alpha1.LabelRole], m.pod.Labels[v1alpha1.LabelServing] = string(as.Role), serving
		if err := r.Patch(ctx, m.pod, patch); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("label pod %s: %w", m.name, err))
			continue
		}
		logf(ctx)("Labelled Pod", "name", m.name, "role", as.Role, "serving", serving)
	}
	return errors.Join(errs...)
}
