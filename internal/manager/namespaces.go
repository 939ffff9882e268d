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
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/internal/controller"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// namespaceList is the --watch-namespaces flag: a comma-separated list of namespaces.
type namespaceList []string

func (l *namespaceList) String() string { return strings.Join(*l, ",") }

// Set parses a comma-separated list. Each name is checked here so that a typo stops the operator
// at start instead of leaving it watching a namespace that cannot exist.
func (l *namespaceList) Set(v string) error {
	var out []string
	seen := map[string]bool{}
	for _, ns := range strings.Split(v, ",") {
		ns = strings.TrimSpace(ns)
		if ns == "" || seen[ns] {
			continue
		}
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return fmt.Errorf("namespace %q: %s", ns, strings.Join(errs, "; "))
		}
		seen[ns] = true
		out = append(out, ns)
	}
	*l = out
	return nil
}

// cacheOptions restricts the cache to the operator's own objects (those carrying the cluster label:
// member pods and every child it applies) and, when namespaces are given, to those namespaces:
// with a Role per namespace (the Helm chart's watchNamespaces) the operator may not list or watch
// anything cluster-wide, so an unrestricted cache would fail to sync. Empty means every namespace.
//
// Cached objects lose their managedFields, which are often larger than the rest of a pod, except
// on the kinds it applies the operator's own entries and who else wrote when: it compares the
// fields it owns with what it would apply, so that a pass that changes nothing writes nothing.
// StatefulSets also lose their pod spec (statefulSetWithoutPodSpec).
func cacheOptions(namespaces []string, ours labels.Selector) cache.Options {
	keep := ownManagedFieldsOnly
	o := cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}:                   {Label: ours, Transform: podStatusOnly},
			&corev1.PersistentVolumeClaim{}: {Label: ours, Transform: claimSizeOnly},
			&appsv1.StatefulSet{}:           {Label: ours, Transform: statefulSetWithoutPodSpec},
		},
	}
	for _, applied := range []client.Object{&corev1.Service{}, &corev1.ConfigMap{},
		&corev1.ServiceAccount{}, &policyv1.PodDisruptionBudget{}} {
		o.ByObject[applied] = cache.ByObject{Label: ours, Transform: keep}
	}
	if len(namespaces) == 0 {
		// Read only by the MySQLCluster controller to move members sharing a node apart.
		o.ByObject[&corev1.Node{}] = cache.ByObject{Transform: nodeSchedulingOnly}
	}
	if len(namespaces) > 0 {
		o.DefaultNamespaces = make(map[string]cache.Config, len(namespaces))
		for _, ns := range namespaces {
			o.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return o
}

// podStatusOnly keeps of a cached pod its metadata (without managedFields), its node, its Secret
// volumes and its status: all the operator reads of a pod (labels, annotations, address,
// readiness, container states, and whether it mounts the cluster's certificates, i.e. serves
// TLS). The rest of the spec is most of a pod's size, and the operator writes pods only by
// patches of their labels and annotations, never by updates of whole objects.
func podStatusOnly(o any) (any, error) {
	pod, ok := o.(*corev1.Pod)
	if !ok {
		return o, nil
	}
	pod.ManagedFields = nil
	var secrets []corev1.Volume
	for _, v := range pod.Spec.Volumes {
		if v.Secret != nil {
			secrets = append(secrets, corev1.Volume{Name: v.Name, VolumeSource: corev1.VolumeSource{
				Secret: &corev1.SecretVolumeSource{SecretName: v.Secret.SecretName}}})
		}
	}
	pod.Spec = corev1.PodSpec{NodeName: pod.Spec.NodeName, Volumes: secrets}
	return pod, nil
}

// nodeSchedulingOnly keeps of a cached node what tells whether a member may be scheduled there:
// its labels, whether it is cordoned, its taints and its Ready condition. A node's status (images,
// volumes, addresses, all conditions) is most of its size and changes every few seconds.
func nodeSchedulingOnly(o any) (any, error) {
	n, ok := o.(*corev1.Node)
	if !ok {
		return o, nil
	}
	n.ManagedFields, n.Annotations = nil, nil
	n.Spec = corev1.NodeSpec{Unschedulable: n.Spec.Unschedulable, Taints: n.Spec.Taints}
	var ready []corev1.NodeCondition
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			ready = []corev1.NodeCondition{{Type: c.Type, Status: c.Status}}
		}
	}
	n.Status = corev1.NodeStatus{Conditions: ready}
	return n, nil
}

// claimSizeOnly keeps of a cached claim its metadata (without managedFields), its requested size,
// its volume's name and its phase: the operator lists its members' claims by name, grows bound
// ones by a merge patch of the size alone, and reads the volume of a member it would move to
// another node (its node affinity). The rest (selectors, capacity, conditions) is most of what
// three thousand claims would cost.
func claimSizeOnly(o any) (any, error) {
	pvc, ok := o.(*corev1.PersistentVolumeClaim)
	if !ok {
		return o, nil
	}
	pvc.ManagedFields = nil
	pvc.Spec = corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{Requests: pvc.Spec.Resources.Requests},
		VolumeName: pvc.Spec.VolumeName}
	pvc.Status = corev1.PersistentVolumeClaimStatus{Phase: pvc.Status.Phase}
	return pvc, nil
}

// statefulSetWithoutPodSpec keeps of a cached StatefulSet all but its pod template's spec, and of
// the operator's own field set only its digest: what a pass reads of it (replicas, claim
// templates, the template's annotations, the running agent's image, status) and what tells that
// it still holds what was applied. The pod spec and the operator's field set, a fifth of the
// operator's heap at 1,000 clusters, are read only to compare field by field, and the applier
// then reads the object whole.
func statefulSetWithoutPodSpec(o any) (any, error) {
	sts, ok := o.(*appsv1.StatefulSet)
	if !ok {
		return o, nil
	}
	if _, err := ownManagedFieldsOnly(sts); err != nil {
		return nil, err
	}
	controller.DigestOwnedFields(sts)
	var spec corev1.PodSpec
	if tools := desired.ToolsContainerOf(&sts.Spec.Template.Spec); tools != nil {
		// The agent's image: an operator upgrade keeps it (desired.KeepRunningAgent).
		spec.InitContainers = []corev1.Container{{Name: tools.Name, Image: tools.Image, ImagePullPolicy: tools.ImagePullPolicy}}
	}
	sts.Spec.Template.Spec = spec
	return sts, nil
}

// noFields is an empty field set, shared (read only) by every emptied entry.
var noFields = []byte("{}")

// ownManagedFieldsOnly keeps of an applied object's managedFields the operator's entries, and of
// every other writer's only who and when (its field set emptied): the applier compares the fields
// the operator owns, and an object another writer changed after the operator's last apply is
// compared field by field (see the controller's applied annotation).
func ownManagedFieldsOnly(o any) (any, error) {
	obj, ok := o.(client.Object)
	if !ok {
		return o, nil
	}
	entries := obj.GetManagedFields()
	for i := range entries {
		if entries[i].Manager != controller.FieldOwner {
			entries[i].FieldsType, entries[i].FieldsV1 = "FieldsV1", &metav1.FieldsV1{Raw: noFields}
		}
	}
	obj.SetManagedFields(entries)
	return obj, nil
}
