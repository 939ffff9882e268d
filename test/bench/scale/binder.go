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

package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// benchStorageClass has no provisioner: the bench binds each claim to a
// PV it makes itself. kube-controller-manager's volume controller binds
// claims one at a time (a few API calls each), which makes 3,000 claims
// take most of an hour; hollow pods mount nothing anyway.
const benchStorageClass = "bench-static"

// startBinder creates the class and binds every claim of that class.
func (e *env) startBinder(ctx context.Context, workers int) error {
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: benchStorageClass},
		Provisioner: "kubernetes.io/no-provisioner", VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate),
		ReclaimPolicy: ptr.To(corev1.PersistentVolumeReclaimDelete)}
	if _, err := e.cs.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating StorageClass %s: %w", benchStorageClass, err)
	}
	queue := make(chan *corev1.PersistentVolumeClaim, 10000)
	factory := informers.NewSharedInformerFactory(e.cs, 10*time.Minute)
	inf := factory.Core().V1().PersistentVolumeClaims().Informer()
	enqueue := func(obj any) {
		if c, ok := obj.(*corev1.PersistentVolumeClaim); ok && ptr.Deref(c.Spec.StorageClassName, "") == benchStorageClass &&
			c.Spec.VolumeName == "" && c.DeletionTimestamp == nil {
			queue <- c
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: enqueue, UpdateFunc: func(_, o any) { enqueue(o) }}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	for w := 0; w < workers; w++ {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case c := <-queue:
					if err := e.bind(ctx, c); err != nil && ctx.Err() == nil {
						e.log.Warn("Binding a claim failed", "pvc", c.Namespace+"/"+c.Name, "err", err)
					}
				}
			}
		}()
	}
	return nil
}

// bind makes a PV for the claim and binds both sides the way the volume
// controller would (claimRef, volumeName, bind annotations, phases), so
// the controller finds nothing to do.
func (e *env) bind(ctx context.Context, c *corev1.PersistentVolumeClaim) error {
	size := c.Spec.Resources.Requests[corev1.ResourceStorage]
	if size.IsZero() {
		size = resource.MustParse("16Mi")
	}
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "bench-" + string(c.UID), Annotations: map[string]string{"pv.kubernetes.io/bound-by-controller": "yes"}},
		Spec: corev1.PersistentVolumeSpec{Capacity: corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes: c.Spec.AccessModes, StorageClassName: benchStorageClass,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/bench-" + string(c.UID)}},
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: c.Namespace, Name: c.Name,
				UID: c.UID}},
	}
	created, err := e.cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return err
	}
	created.Status.Phase = corev1.VolumeBound
	if _, err := e.cs.CoreV1().PersistentVolumes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return err
	}
	claim := c.DeepCopy()
	claim.Spec.VolumeName = pv.Name
	if claim.Annotations == nil {
		claim.Annotations = map[string]string{}
	}
	claim.Annotations["pv.kubernetes.io/bind-completed"] = "yes"
	claim.Annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
	updated, err := e.cs.CoreV1().PersistentVolumeClaims(c.Namespace).Update(ctx, claim, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	updated.Status.Phase = corev1.ClaimBound
	updated.Status.AccessModes = c.Spec.AccessModes
	updated.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: size}
	_, err = e.cs.CoreV1().PersistentVolumeClaims(c.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	return err
}
