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
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

func readyNode(name string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"pool": "db"}},
		Spec:   corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
}

func TestFitsMembers(t *testing.T) {
	dedicated := corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}
	cordoned := readyNode("n")
	cordoned.Spec.Unschedulable = true
	notReady := readyNode("n")
	notReady.Status.Conditions[0].Status = corev1.ConditionUnknown
	tolerating := v1alpha1.PodOverrides{Tolerations: []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db", Effect: corev1.TaintEffectNoSchedule}}}
	for _, tc := range []struct {
		name string
		node *corev1.Node
		pod  v1alpha1.PodOverrides
		want bool
	}{
		{"ready and untainted", readyNode("n"), v1alpha1.PodOverrides{}, true},
		{"cordoned", cordoned, v1alpha1.PodOverrides{}, false},
		{"not ready", notReady, v1alpha1.PodOverrides{}, false},
		{"a NoSchedule taint the pods do not tolerate", readyNode("n", dedicated), v1alpha1.PodOverrides{}, false},
		{"a NoSchedule taint the pods tolerate", readyNode("n", dedicated), tolerating, true},
		{"a NoExecute taint (unreachable)", readyNode("n", corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}), tolerating, false},
		{"PreferNoSchedule is a preference", readyNode("n", corev1.Taint{Key: "x", Effect: corev1.TaintEffectPreferNoSchedule}), v1alpha1.PodOverrides{}, true},
		{"node selector matched", readyNode("n"), v1alpha1.PodOverrides{NodeSelector: map[string]string{"pool": "db"}}, true},
		{"node selector not matched", readyNode("n"), v1alpha1.PodOverrides{NodeSelector: map[string]string{"pool": "web"}}, false},
	} {
		if got := fitsMembers(tc.node, tc.pod); got != tc.want {
			t.Errorf("%s: fitsMembers = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func podOnNode(ns, cluster, name, node string, created time.Time) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(created),
		Labels: map[string]string{v1alpha1.LabelCluster: cluster}}, Spec: corev1.PodSpec{NodeName: node}}
}

func TestMoveMemory(t *testing.T) {
	var m moveMemory
	at := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	withUID := func(p *corev1.Pod, uid string) *corev1.Pod { p.UID = types.UID(uid); return p }
	m.moved("uid", "mysql-2", "old", at)
	if failed, _ := m.failed("uid", withUID(podOnNode("ns", "mysql", "mysql-2", "n2", at), "old"), true, at.Add(time.Second)); failed {
		t.Fatal("the pod deleted by the move, still in the cache, counts as a failed move")
	}
	back := withUID(podOnNode("ns", "mysql", "mysql-2", "n2", at), "new")
	if failed, news := m.failed("uid", back, true, at.Add(10*time.Second)); !failed || !news {
		t.Fatalf("new pod beside a member again: failed %v news %v, want both", failed, news)
	}
	if failed, news := m.failed("uid", back, true, at.Add(20*time.Second)); !failed || news {
		t.Fatalf("second look: failed %v news %v, want failed and no news", failed, news)
	}
	if failed, _ := m.failed("other", back, true, at.Add(20*time.Second)); failed {
		t.Fatal("another cluster's member of the same name counts as moved")
	}
	if failed, _ := m.failed("uid", back, true, at.Add(moveRetryAfter+time.Minute)); failed {
		t.Fatal("a failed move is kept past moveRetryAfter")
	}
	m.moved("uid", "mysql-2", "old", at)
	if failed, _ := m.failed("uid", withUID(podOnNode("ns", "mysql", "mysql-2", "n3", at), "new"), false, at.Add(10*time.Second)); failed {
		t.Fatal("a member moved to a node of its own counts as failed")
	}
	if failed, _ := m.failed("uid", back, true, at.Add(20*time.Second)); failed {
		t.Fatal("a successful move is not forgotten")
	}
	m.moved("uid", "mysql-2", "old", at)
	if failed, _ := m.failed("uid", withUID(podOnNode("ns", "mysql", "mysql-2", "n1", at), "new"), true, at.Add(10*time.Second)); !failed {
		t.Fatal("a member moved beside another member on another node does not count as failed: it could be moved forever")
	}
	m.moved("uid", "mysql-1", "old", at)
	m.forget("uid")
	if len(m.moves) != 0 {
		t.Fatalf("forget left %v", m.moves)
	}
}

func TestSharesNode(t *testing.T) {
	now := time.Now()
	pods := []corev1.Pod{*podOnNode("a", "mysql", "mysql-0", "n1", now), *podOnNode("a", "mysql", "mysql-1", "n1", now),
		*podOnNode("a", "mysql", "mysql-2", "n2", now), *podOnNode("a", "mysql", "mysql-3", "", now), *podOnNode("a", "mysql", "mysql-4", "", now)}
	for i, want := range []bool{true, true, false, false, false} {
		if got := sharesNode(&pods[i], pods); got != want {
			t.Errorf("%s on %q: sharesNode = %v, want %v", pods[i].Name, pods[i].Spec.NodeName, got, want)
		}
	}
}

func TestNodeBecameSchedulable(t *testing.T) {
	cordoned, notReady, tainted := readyNode("n"), readyNode("n"), readyNode("n", corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule})
	cordoned.Spec.Unschedulable = true
	notReady.Status.Conditions[0].Status = corev1.ConditionFalse
	for _, tc := range []struct {
		name     string
		old, new *corev1.Node
		want     bool
	}{
		{"uncordoned", cordoned, readyNode("n"), true},
		{"Ready again", notReady, readyNode("n"), true},
		{"a taint removed", tainted, readyNode("n"), true},
		{"a taint replaced", tainted, readyNode("n", corev1.Taint{Key: "other", Effect: corev1.TaintEffectNoSchedule}), true},
		{"cordoned", readyNode("n"), cordoned, false},
		{"unchanged (a status update)", readyNode("n"), readyNode("n"), false},
	} {
		if got := nodeBecameSchedulable.Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	young, old := readyNode("n"), readyNode("n")
	young.CreationTimestamp = metav1.NewTime(time.Now().Add(-time.Minute))
	old.CreationTimestamp = metav1.NewTime(time.Now().Add(-time.Hour))
	if !nodeBecameSchedulable.Create(event.CreateEvent{Object: young}) {
		t.Error("a node that just joined is not passed")
	}
	if nodeBecameSchedulable.Create(event.CreateEvent{Object: old}) {
		t.Error("a node from the watch's first list is passed: every node of a start would list every pod")
	}
}

func TestClustersSharingNodes(t *testing.T) {
	now := time.Now()
	c := fake.NewClientBuilder().WithScheme(restScheme()).WithObjects(
		podOnNode("a", "mysql", "mysql-0", "n1", now), podOnNode("a", "mysql", "mysql-1", "n1", now),
		podOnNode("b", "mysql", "mysql-0", "n1", now), podOnNode("b", "mysql", "mysql-1", "n2", now),
		podOnNode("b", "mysql", "mysql-2", "", now), podOnNode("b", "mysql", "mysql-3", "", now),
	).Build()
	got := clustersSharingNodes(c)(context.Background(), readyNode("n3"))
	if len(got) != 1 || got[0].Namespace != "a" || got[0].Name != "mysql" {
		t.Fatalf("clusters woken = %v, want only a/mysql (b's unscheduled pods share no node)", got)
	}
}

func TestMatchesNodeSelector(t *testing.T) {
	n := readyNode("n2")
	n.Labels["topology.kubernetes.io/zone"] = "a"
	term := func(reqs ...corev1.NodeSelectorRequirement) *corev1.NodeSelector {
		return &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: reqs}}}
	}
	in := func(key string, v ...string) corev1.NodeSelectorRequirement {
		return corev1.NodeSelectorRequirement{Key: key, Operator: corev1.NodeSelectorOpIn, Values: v}
	}
	for _, tc := range []struct {
		name string
		sel  *corev1.NodeSelector
		want bool
	}{
		{"a local volume on n1", term(in("kubernetes.io/hostname", "n1")), false},
		{"a zonal volume in the node's zone", term(in("topology.kubernetes.io/zone", "a", "b")), true},
		{"a zonal volume in another zone", term(in("topology.kubernetes.io/zone", "c")), false},
		{"two terms, the second matches", &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
			{MatchExpressions: []corev1.NodeSelectorRequirement{in("kubernetes.io/hostname", "n1")}},
			{MatchFields: []corev1.NodeSelectorRequirement{in("metadata.name", "n2")}}}}, true},
		{"DoesNotExist", term(corev1.NodeSelectorRequirement{Key: "pool", Operator: corev1.NodeSelectorOpDoesNotExist}), false},
	} {
		if got := matchesNodeSelector(tc.sel, n); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A cluster whose members share a node gets the schedulable nodes, and each sharing member whether
// its volume could follow it to a free node; a spread cluster reads nothing.
func TestObservePlacement(t *testing.T) {
	now := time.Now()
	local := func(name, node string) *corev1.PersistentVolume {
		return &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PersistentVolumeSpec{
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}}}}}}
	}
	claim := func(name, volume string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: volume}}
	}
	hostname := func(n *corev1.Node) *corev1.Node { n.Labels["kubernetes.io/hostname"] = n.Name; return n }
	cordoned := hostname(readyNode("n4"))
	cordoned.Spec.Unschedulable = true
	api := fake.NewClientBuilder().WithScheme(restScheme()).WithObjects(
		hostname(readyNode("n1")), hostname(readyNode("n2")), hostname(readyNode("n3")), cordoned,
		claim("data-mysql-1", "pv-1"), claim("data-mysql-2", "pv-2"), local("pv-1", "n2"), &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-2"}},
	).Build()
	r := &ClusterReconciler{Client: api, APIReader: api, WatchNodes: true}
	c := testCluster(3)
	c.Namespace = "ns"
	pods := []corev1.Pod{*podOnNode("ns", "mysql", "mysql-0", "n1", now), *podOnNode("ns", "mysql", "mysql-1", "n2", now),
		*podOnNode("ns", "mysql", "mysql-2", "n2", now)}
	pl, err := r.observePlacement(context.Background(), c, pods)
	if err != nil {
		t.Fatal(err)
	}
	if pl == nil || !reflect.DeepEqual(pl.nodes, []string{"n1", "n2", "n3"}) {
		t.Fatalf("placement %+v, want the schedulable nodes n1, n2, n3", pl)
	}
	if !pl.pinned["mysql-1"] || pl.pinned["mysql-2"] || pl.pinned["mysql-0"] {
		t.Errorf("pinned %v, want mysql-1 only (its local volume is on n2)", pl.pinned)
	}
	pods[2].Spec.NodeName = "n3"
	if pl, _ := r.observePlacement(context.Background(), c, pods); pl != nil {
		t.Errorf("members on their own nodes: placement %+v, want none read", pl)
	}
	r.WatchNodes = false
	pods[2].Spec.NodeName = "n2"
	if pl, _ := r.observePlacement(context.Background(), c, pods); pl != nil {
		t.Errorf("nodes not watched (a namespaced install): placement %+v, want nil", pl)
	}
}
