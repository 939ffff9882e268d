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
	"crypto/sha256"
	"reflect"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

func TestWatchNamespacesFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"absent: every namespace", nil, nil},
		{"empty: every namespace", []string{"--watch-namespaces="}, nil},
		{"one", []string{"--watch-namespaces=team-a"}, []string{"team-a"}},
		{"list, spaces and duplicates dropped", []string{"--watch-namespaces=team-a, team-b,,team-a"}, []string{"team-a", "team-b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parse(tc.args)
			if err != nil {
				t.Fatalf("parse(%q): %v", tc.args, err)
			}
			if got := []string(f.watchNamespaces); !slices.Equal(got, tc.want) {
				t.Errorf("watchNamespaces = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWatchNamespacesFlagRefusesInvalidNames(t *testing.T) {
	for _, v := range []string{"Team-A", "team_a", "a/b"} {
		if _, err := parse([]string{"--watch-namespaces=ok," + v}); err == nil {
			t.Errorf("--watch-namespaces=ok,%s: no error, want the invalid name refused", v)
		}
	}
}

func TestCacheOptionsRestrictNamespaces(t *testing.T) {
	sel := labels.SelectorFromSet(labels.Set{"a": "b"})
	all := cacheOptions(nil, sel)
	if all.DefaultNamespaces != nil {
		t.Errorf("no namespaces: DefaultNamespaces = %v, want nil (every namespace)", all.DefaultNamespaces)
	}
	some := cacheOptions([]string{"team-a", "team-b"}, sel)
	var got []string
	for ns := range some.DefaultNamespaces {
		got = append(got, ns)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"team-a", "team-b"}) {
		t.Errorf("DefaultNamespaces = %q, want team-a and team-b", got)
	}
	for name, o := range map[string]cache.Options{"all": all, "some": some} {
		var pods *cache.ByObject
		for obj, by := range o.ByObject {
			if _, ok := obj.(*corev1.Pod); ok {
				pods = &by
			}
		}
		if pods == nil || pods.Label.String() != sel.String() {
			t.Errorf("%s: pods cached with %v, want only member pods (%v)", name, pods, sel)
		}
	}
}

// Cached objects drop their managedFields, except the kinds the operator applies (it compares its
// owned fields); every applied kind is cached only when it carries the cluster label.
func TestTheCacheKeepsManagedFieldsOnlyWhereTheApplierReadsThem(t *testing.T) {
	sel := labels.SelectorFromSet(labels.Set{"a": "b"})
	o := cacheOptions(nil, sel)
	now := metav1.Now()
	managed := func() []metav1.ManagedFieldsEntry {
		return []metav1.ManagedFieldsEntry{
			{Manager: "ordinal", Operation: metav1.ManagedFieldsOperationApply, Time: &now,
				FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{}}`)}},
			{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", Time: &now,
				FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:status":{}}`)}}}
	}
	transform := func(obj client.Object) (client.Object, error) {
		tr := o.DefaultTransform
		for key, by := range o.ByObject {
			if reflect.TypeOf(key) == reflect.TypeOf(obj) && by.Transform != nil {
				tr = by.Transform
			}
		}
		obj.SetManagedFields(managed())
		out, err := tr(obj)
		if err != nil {
			return nil, err
		}
		return out.(client.Object), nil
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "mysqld"}}},
		Status: corev1.PodStatus{PodIP: "127.0.0.9", ContainerStatuses: []corev1.ContainerStatus{{Name: "mysqld"}}}}
	got, err := transform(pod)
	if p := got.(*corev1.Pod); err != nil || len(p.Spec.Containers) != 0 || p.Spec.NodeName != "node-1" ||
		p.Status.PodIP == "" || len(p.Status.ContainerStatuses) != 1 {
		t.Errorf("a cached pod keeps its node and status and nothing else of its spec: %+v (%v)", p, err)
	}
	for _, obj := range []client.Object{&corev1.Pod{}, &corev1.PersistentVolumeClaim{}, &corev1.Secret{}} {
		got, err := transform(obj)
		if err != nil || len(got.GetManagedFields()) != 0 {
			t.Errorf("%T cached with managedFields %v (%v)", obj, got.GetManagedFields(), err)
		}
	}
	for _, obj := range []client.Object{&appsv1.StatefulSet{}, &corev1.Service{}, &corev1.ConfigMap{},
		&corev1.ServiceAccount{}, &policyv1.PodDisruptionBudget{}} {
		got, err := transform(obj)
		mf := got.GetManagedFields()
		want := `{"f:spec":{}}`
		if _, ok := obj.(*appsv1.StatefulSet); ok {
			sum := sha256.Sum256([]byte(want))
			want = "sha256:" + string(sum[:]) // its digest: the applier reads a StatefulSet whole to compare
		}
		if err != nil || len(mf) != 2 || mf[0].Manager != "ordinal" || string(mf[0].FieldsV1.Raw) != want {
			t.Errorf("%T cached with managedFields %v, want the operator's entry whole: the applier compares it (%v)", obj, mf, err)
		} else if mf[1].Manager != "kube-controller-manager" || mf[1].Time == nil || string(mf[1].FieldsV1.Raw) != "{}" {
			t.Errorf("%T cached another writer's entry as %+v, want who and when, without its fields", obj, mf[1])
		}
		var by *cache.ByObject
		for key, b := range o.ByObject {
			if reflect.TypeOf(key) == reflect.TypeOf(obj) {
				by = &b
			}
		}
		if by == nil || by.Label.String() != sel.String() {
			t.Errorf("%T cached beyond the operator's own objects: %v", obj, by)
		}
	}
}

// A cached pod keeps what the operator reads: its status, node and Secret volumes (whether it
// mounts the certificates, so serves TLS), not the rest of its spec.
func TestTheCacheKeepsOfAPodItsStatusNodeAndSecretVolumes(t *testing.T) {
	pod := &corev1.Pod{
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "mysql", Image: "mariadb"}},
			Volumes: []corev1.Volume{
				{Name: "run", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "db-tls", Items: []corev1.KeyToPath{{Key: "a", Path: "b"}}}}},
			}},
		Status: corev1.PodStatus{PodIP: "127.10.0.5"},
	}
	got, err := podStatusOnly(pod)
	if err != nil {
		t.Fatal(err)
	}
	p := got.(*corev1.Pod)
	want := []corev1.Volume{{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "db-tls"}}}}
	if p.Spec.NodeName != "node-1" || len(p.Spec.Containers) != 0 || p.Status.PodIP != "127.10.0.5" || !reflect.DeepEqual(p.Spec.Volumes, want) {
		t.Errorf("cached pod: node %q, %d containers, IP %q, volumes %+v", p.Spec.NodeName, len(p.Spec.Containers), p.Status.PodIP, p.Spec.Volumes)
	}
}

// A cached claim keeps what the storage growth reads (name, labels, requested size, phase) and
// only member claims are cached.
func TestTheCacheKeepsOfAClaimItsSizeVolumeAndPhase(t *testing.T) {
	sel := labels.SelectorFromSet(labels.Set{"a": "b"})
	o := cacheOptions(nil, sel)
	var by *cache.ByObject
	for key, b := range o.ByObject {
		if _, ok := key.(*corev1.PersistentVolumeClaim); ok {
			by = &b
		}
	}
	if by == nil || by.Label.String() != sel.String() || by.Transform == nil {
		t.Fatalf("claims cached with %+v, want only member claims, transformed", by)
	}
	class := "local"
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data-mysql-0", Labels: map[string]string{"a": "b"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager"}}},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &class, VolumeName: "pv-1",
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound,
			Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")}},
	}
	out, err := by.Transform(pvc)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.PersistentVolumeClaim)
	size := got.Spec.Resources.Requests[corev1.ResourceStorage]
	if got.Name != "data-mysql-0" || got.Labels["a"] != "b" || size.String() != "2Gi" || got.Status.Phase != corev1.ClaimBound ||
		got.Spec.VolumeName != "pv-1" {
		t.Errorf("kept %+v, want name, labels, requested size, volume and phase", got)
	}
	if got.ManagedFields != nil || got.Spec.StorageClassName != nil || got.Status.Capacity != nil {
		t.Errorf("kept more than the storage growth reads: %+v", got)
	}
}

// A cached StatefulSet keeps what a pass reads of it (replicas, claim templates, the template's
// annotations, the running agent's image, status), not its pod spec: a fifth of the heap at 1,000 clusters.
func TestTheCacheKeepsOfAStatefulSetAllButItsPodSpec(t *testing.T) {
	sts := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](3),
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"mysql.ordinal.dev/template-hash": "h"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "mysql", Image: "mariadb"}},
				InitContainers: []corev1.Container{{Name: desired.ContainerTools, Image: "ordinal:v1", ImagePullPolicy: corev1.PullNever,
					Command: []string{"ordinal", "init"}}}}},
		VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}},
		Status: appsv1.StatefulSetStatus{ReadyReplicas: 2, UpdateRevision: "r2"}}
	out, err := statefulSetWithoutPodSpec(sts)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*appsv1.StatefulSet)
	agent := []corev1.Container{{Name: desired.ContainerTools, Image: "ordinal:v1", ImagePullPolicy: corev1.PullNever}}
	if len(got.Spec.Template.Spec.Containers) != 0 || !reflect.DeepEqual(got.Spec.Template.Spec.InitContainers, agent) {
		t.Errorf("cached StatefulSet kept %+v of its pod spec, want the running agent's image only (an upgrade keeps it)",
			got.Spec.Template.Spec)
	}
	if *got.Spec.Replicas != 3 || len(got.Spec.VolumeClaimTemplates) != 1 || got.Status.ReadyReplicas != 2 ||
		got.Status.UpdateRevision != "r2" || got.Spec.Template.Annotations["mysql.ordinal.dev/template-hash"] != "h" {
		t.Errorf("cached StatefulSet lost what a pass reads: %+v", got)
	}
}

// An operator upgrade keeps the running agent's image (desired.KeepRunningAgent) from the cached
// StatefulSet, which has no pod spec but that image.
func TestAnUpgradeKeepsTheAgentImageOfACachedStatefulSet(t *testing.T) {
	c := &v1alpha1.MySQLCluster{ObjectMeta: metav1.ObjectMeta{Name: "mysql", Namespace: "db"}}
	running := desired.StatefulSet(c, desired.Options{OperatorImage: "ordinal:v1"}, "")
	cached, err := statefulSetWithoutPodSpec(running.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	upgraded := desired.StatefulSet(c, desired.Options{OperatorImage: "ordinal:v2"}, "")
	desired.KeepRunningAgent(upgraded, cached.(*appsv1.StatefulSet))
	if got := desired.ToolsContainerOf(&upgraded.Spec.Template.Spec).Image; got != "ordinal:v1" {
		t.Errorf("the upgrade's agent image is %q, want the running ordinal:v1 (no database pod restarts)", got)
	}
}

// Nodes are cached only by a cluster-wide operator (a namespaced install may not read them), and
// only what says whether a member may be scheduled there.
func TestTheCacheKeepsOfANodeWhatSchedulingNeeds(t *testing.T) {
	sel := labels.SelectorFromSet(labels.Set{"a": "b"})
	nodeTransform := func(o cache.Options) toolscache.TransformFunc {
		for obj, by := range o.ByObject {
			if _, ok := obj.(*corev1.Node); ok {
				return by.Transform
			}
		}
		return nil
	}
	if nodeTransform(cacheOptions([]string{"team-a"}, sel)) != nil {
		t.Fatal("a namespaced operator caches nodes")
	}
	tr := nodeTransform(cacheOptions(nil, sel))
	if tr == nil {
		t.Fatal("a cluster-wide operator does not cache nodes with a transform")
	}
	taints := []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"pool": "db"}, Annotations: map[string]string{"big": "x"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}},
		Spec: corev1.NodeSpec{Unschedulable: true, Taints: taints, PodCIDR: "10.0.0.0/24"},
		Status: corev1.NodeStatus{Images: []corev1.ContainerImage{{Names: []string{"x"}}}, Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Message: "kubelet is posting ready status"}}},
	}
	out, err := tr(n)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.Node)
	want := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"pool": "db"}},
		Spec:   corev1.NodeSpec{Unschedulable: true, Taints: taints},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("cached node = %+v, want %+v", got, want)
	}
}
