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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// claimTemplatesChanged is true when the StatefulSet's claim templates differ from the desired
// ones in a way the apiserver does not allow to update in place (size, class, modes, metadata).
func claimTemplatesChanged(live, want *appsv1.StatefulSet) bool {
	if len(live.Spec.VolumeClaimTemplates) != len(want.Spec.VolumeClaimTemplates) {
		return true
	}
	for i := range want.Spec.VolumeClaimTemplates {
		l, w := live.Spec.VolumeClaimTemplates[i], want.Spec.VolumeClaimTemplates[i]
		if l.Name != w.Name || !equality.Semantic.DeepEqual(l.Labels, w.Labels) ||
			!equality.Semantic.DeepEqual(l.Annotations, w.Annotations) ||
			!equality.Semantic.DeepEqual(l.Spec.Resources.Requests, w.Spec.Resources.Requests) ||
			!equality.Semantic.DeepEqual(l.Spec.AccessModes, w.Spec.AccessModes) {
			return true
		}
	}
	return false
}

// replaceStatefulSet handles a change to the claim templates: bound claims are resized in place
// (the storage class must allow expansion), then the StatefulSet is deleted without its pods, and
// the next reconcile creates it again with the new templates and adopts the running pods. Nothing
// restarts, no volume is deleted.
func (r *ClusterReconciler) replaceStatefulSet(ctx context.Context, c *v1alpha1.MySQLCluster, live, want *appsv1.StatefulSet) error {
	if err := r.resizeClaims(ctx, c); err != nil {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "ResizeFailed", "Resize", "%v", err)
		return err
	}
	orphan := metav1.DeletePropagationOrphan
	err := r.Delete(ctx, live, client.Preconditions{UID: &live.UID}, client.PropagationPolicy(orphan))
	if client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("replace StatefulSet %s: %w", live.Name, err)
	}
	r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "StatefulSetReplaced", "Replace",
		"volume claim templates changed: StatefulSet %s is re-created; its pods keep running", live.Name)
	logf(ctx)("Deleted StatefulSet to change its claim templates", "name", live.Name)
	return nil
}

// resizeClaims grows every bound member claim to spec.storage.size.
func (r *ClusterReconciler) resizeClaims(ctx context.Context, c *v1alpha1.MySQLCluster) error {
	want := c.StorageSize()
	for i := 0; i < int(c.DesiredReplicas()); i++ {
		pvc := &corev1.PersistentVolumeClaim{}
		err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.PVCName(i)}, pvc)
		if client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("get PVC %s: %w", c.PVCName(i), err)
		}
		cur := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
		// Only a bound claim can be resized; an unbound one is provisioned from the new template.
		if err != nil || pvc.Status.Phase != corev1.ClaimBound || cur.Cmp(want) >= 0 {
			continue
		}
		patch := client.MergeFrom(pvc.DeepCopy())
		pvc.Spec.Resources.Requests[corev1.ResourceStorage] = want
		if err := r.Patch(ctx, pvc, patch); err != nil {
			return fmt.Errorf("resize PVC %s to %s: %w", pvc.Name, want.String(), err)
		}
		logf(ctx)("Resized PersistentVolumeClaim", "name", pvc.Name, "size", want.String())
	}
	return nil
}
