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
	"errors"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

func testCluster(replicas int32) *v1alpha1.MySQLCluster {
	return &v1alpha1.MySQLCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "mysql", UID: "u1"},
		Spec:       v1alpha1.MySQLClusterSpec{Replicas: ptr.To(replicas), Engine: v1alpha1.Engine{Flavor: v1alpha1.FlavorMariaDB}},
	}
}

func podNamed(name string) corev1.Pod { return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}} }

func TestMemberOrdinals(t *testing.T) {
	c := testCluster(3)
	for _, tc := range []struct {
		name string
		pods []corev1.Pod
		pvcs map[string]*corev1.PersistentVolumeClaim
		want []int
	}{
		{"nothing yet", nil, nil, []int{}},
		{"a volume without a pod is a member", nil, map[string]*corev1.PersistentVolumeClaim{"data-mysql-1": {}}, []int{1}},
		{"pods and volumes", []corev1.Pod{podNamed("mysql-0")}, map[string]*corev1.PersistentVolumeClaim{"data-mysql-2": {}}, []int{0, 2}},
		{"a volume above spec.replicas is not", nil, map[string]*corev1.PersistentVolumeClaim{"data-mysql-4": {}}, []int{}},
		{"a pod above spec.replicas still is", []corev1.Pod{podNamed("mysql-4")}, nil, []int{4}},
		{"foreign pods are ignored", []corev1.Pod{podNamed("other-0"), podNamed("mysql-x")}, nil, []int{}},
	} {
		got := memberOrdinals(c, tc.pods, tc.pvcs)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSourceMember(t *testing.T) {
	c := testCluster(3)
	p := podNamed("mysql-1")
	p.Status.PodIP = "127.10.0.7"
	ms := []*member{{ordinal: 0, name: "mysql-0"}, {ordinal: 1, name: "mysql-1", pod: &p}}
	for host, want := range map[string]string{
		"mysql-0.mysql.ns.svc":               "mysql-0",
		"mysql-0.mysql.ns.svc.cluster.local": "mysql-0",
		"127.10.0.7":                         "mysql-1",
		"":                                   "",
		"elsewhere.example":                  "unknown:elsewhere.example",
	} {
		if got := sourceMember(c, ms, host); got != want {
			t.Errorf("sourceMember(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestPendingSwitchover(t *testing.T) {
	c := testCluster(3)
	c.Status.CurrentPrimary = "mysql-0"
	if got := pendingSwitchover(c); got != "" {
		t.Errorf("no annotation: %q", got)
	}
	c.Annotations = map[string]string{v1alpha1.AnnotationSwitchoverTo: "mysql-2"}
	if got := pendingSwitchover(c); got != "mysql-2" {
		t.Errorf("requested: %q", got)
	}
	// Once carried out, the annotation left in git must not switch back after a later failover.
	c.Status.CompletedSwitchover, c.Status.CurrentPrimary = "mysql-2", "mysql-1"
	if got := pendingSwitchover(c); got != "" {
		t.Errorf("completed request still pending: %q", got)
	}
}

func TestPrimaryWatch(t *testing.T) {
	var p primaryWatch
	c := testCluster(3)
	c.Status.CurrentPrimary = "mysql-0"
	t0 := time.Unix(1000, 0)
	if d := p.observe(c, true, 1, t0); d != 0 || c.Status.PrimaryUnreachableSince != nil {
		t.Fatalf("answering primary: %v since %v", d, c.Status.PrimaryUnreachableSince)
	}
	// The clock starts at the last answer, not at the first failed probe, but one failed probe
	// alone never reaches the failover delay (5 s).
	if d := p.observe(c, false, 1, t0.Add(7*time.Second)); d >= c.FailoverDelay() {
		t.Errorf("one failed probe 7s after the last answer: unreachable for %v, want less than the delay", d)
	}
	if d := p.observe(c, false, 1, t0.Add(7500*time.Millisecond)); d != 7500*time.Millisecond {
		t.Errorf("second failed probe: unreachable for %v; want 7.5s since the last answer", d)
	}
	// One answer does not stop the clock: a flapping primary is still failed over.
	if d := p.observe(c, true, 1, t0.Add(8*time.Second)); d != 0 || c.Status.PrimaryUnreachableSince == nil {
		t.Errorf("one answer: %v, since %v; want 0 and the clock kept", d, c.Status.PrimaryUnreachableSince)
	}
	if d := p.observe(c, false, 1, t0.Add(11*time.Second)); d != 11*time.Second {
		t.Errorf("flapping primary unreachable for %v; want 11s (since the first gap)", d)
	}
	// Answers without a gap for a failover delay stop it.
	p.observe(c, true, 1, t0.Add(12*time.Second))
	p.observe(c, true, 1, t0.Add(17*time.Second))
	if c.Status.PrimaryUnreachableSince != nil {
		t.Errorf("answering for 10s without a gap must clear the clock, got %v", c.Status.PrimaryUnreachableSince)
	}
	// A new leader (empty memory) continues a persisted clock instead of restarting it.
	c.Status.PrimaryUnreachableSince = &metav1.Time{Time: t0}
	var fresh primaryWatch
	fresh.observe(c, false, 1, t0.Add(8*time.Second))
	if d := fresh.observe(c, false, 1, t0.Add(9*time.Second)); d != 9*time.Second {
		t.Errorf("new leader: unreachable for %v; want 9s from status", d)
	}
	// A primary seen long ago starts the clock now, not at that old answer.
	c.Status.PrimaryUnreachableSince = nil
	p.observe(c, true, 1, t0.Add(30*time.Second))
	p.observe(c, false, 1, t0.Add(60*time.Second))
	if d := p.observe(c, false, 1, t0.Add(60*time.Second)); d != time.Nanosecond {
		t.Errorf("stale last answer: unreachable for %v; want a fresh clock", d)
	}
	// Two failed probes in one pass confirm at once.
	c.Status.PrimaryUnreachableSince = nil
	p.observe(c, true, 0, t0.Add(70*time.Second))
	if d := p.observe(c, false, 2, t0.Add(76*time.Second)); d != 6*time.Second {
		t.Errorf("stale last answer: unreachable for %v; want a fresh clock", d)
	}
}

func TestStepFailuresIsolateAfterRepeatedFailures(t *testing.T) {
	var f stepFailures
	t0 := time.Unix(1000, 0)
	for i := 1; i < isolateAfter; i++ {
		if f.failed("u", "mysql-1", t0) {
			t.Fatalf("isolated after %d failures; want %d", i, isolateAfter)
		}
	}
	if !f.failed("u", "mysql-1", t0) || !f.isolated("u", "mysql-1", t0.Add(time.Second)) {
		t.Fatalf("not isolated after %d failures", isolateAfter)
	}
	if f.isolated("u", "mysql-2", t0) || f.isolated("v", "mysql-1", t0) {
		t.Error("isolation leaked to another member or cluster")
	}
	if f.isolated("u", "mysql-1", t0.Add(isolateFor)) {
		t.Error("isolation must end after isolateFor")
	}
	f.failed("u", "mysql-2", t0)
	f.succeeded("u", "mysql-2")
	f.failed("u", "mysql-2", t0)
	f.failed("u", "mysql-2", t0)
	if f.isolated("u", "mysql-2", t0) {
		t.Error("a success must reset the count")
	}
}

func TestClaimTemplatesChanged(t *testing.T) {
	c := testCluster(3)
	c.Spec.Storage.Size = ptr.To(resource.MustParse("1Gi"))
	live := desired.StatefulSet(c, desired.Options{OperatorImage: "op"}, "h")
	if claimTemplatesChanged(live, desired.StatefulSet(c, desired.Options{OperatorImage: "op"}, "other")) {
		t.Error("a config hash change does not touch claim templates")
	}
	c.Spec.Storage.Size = ptr.To(resource.MustParse("2Gi"))
	if !claimTemplatesChanged(live, desired.StatefulSet(c, desired.Options{OperatorImage: "op"}, "h")) {
		t.Error("a size change must re-create the StatefulSet")
	}
}

func TestOwnedFieldsCompareIgnoresEmptyAndServerFilledValues(t *testing.T) {
	a := map[string]any{"spec": map[string]any{"x": 1.0, "empty": map[string]any{}, "nil": nil, "list": []any{}},
		"status": map[string]any{"phase": "Pending"}}
	b := map[string]any{"spec": map[string]any{"x": 1.0}}
	ca, _ := comparable(a)
	cb, _ := comparable(b)
	if !reflect.DeepEqual(ca, cb) {
		t.Errorf("%v != %v", ca, cb)
	}
	sts := map[string]any{"spec": map[string]any{"volumeClaimTemplates": []any{
		map[string]any{"metadata": map[string]any{"name": "data"}, "status": map[string]any{"phase": "Pending"}}}}}
	dropClaimTemplateStatus(sts)
	if _, ok := sts["spec"].(map[string]any)["volumeClaimTemplates"].([]any)[0].(map[string]any)["status"]; ok {
		t.Error("claim template status must be dropped")
	}
}

func TestRequeueAfter(t *testing.T) {
	calm := testCluster(3)
	calm.Status.CurrentPrimary = "mysql-0"
	suspect := calm.DeepCopy()
	suspect.Status.PrimaryUnreachableSince = &metav1.Time{}
	healthy := topology.Snapshot{Members: []topology.Member{{Name: "mysql-0", Reachable: true, Writable: true}}}
	stuck := topology.Snapshot{Members: []topology.Member{{Name: "mysql-0", Reachable: true, Writable: true, CannotCommit: true}}}
	for _, tc := range []struct {
		name string
		c    *v1alpha1.MySQLCluster
		w    world
		want time.Duration
	}{
		{"waiting for the user", calm, world{blocker: &condition{}}, stalledRetry},
		{"a step ran", calm, world{acted: true, topology: healthy}, progressPoll},
		{"a step failed", calm, world{stepErr: errors.New("boom"), topology: healthy}, progressPoll},
		{"primary suspect", suspect, world{topology: healthy}, progressPoll},
		{"refused: a person must act", suspect, world{topology: healthy, step: topology.Step{Kind: topology.Refuse}}, steadyPoll},
		{"primary cannot commit", calm, world{topology: stuck}, progressPoll},
		{"switchover pending", calm, world{topology: topology.Snapshot{SwitchoverTo: "mysql-1", Members: healthy.Members}}, progressPoll},
		{"time will tell", calm, world{topology: healthy, step: topology.Step{Kind: topology.Wait, After: time.Second}}, time.Second},
		{"bounded by the steady poll", calm, world{topology: healthy, step: topology.Step{Kind: topology.Wait, After: time.Hour}}, steadyPoll},
		{"settled", calm, world{topology: healthy}, steadyPoll},
	} {
		if got := requeueAfter(tc.c, &tc.w, false); got != tc.want {
			t.Errorf("%s: requeueAfter = %v, want %v", tc.name, got, tc.want)
		}
	}
}
