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

package node

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "x", "B": "y"}
	for in, want := range map[string]string{
		"plain":       "plain",
		"$(A)":        "x",
		"$(A)-$(B)":   "x-y",
		"$$(A)":       "$(A)",
		"$(MISSING)":  "$(MISSING)",
		"$(A":         "$(A",
		"tail$":       "tail$",
		"--port=$(B)": "--port=y",
	} {
		if got := expand(in, vars); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFieldValue(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "n", UID: "u",
		Labels: map[string]string{"app": "db"}, Annotations: map[string]string{"a": "1"}},
		Spec: corev1.PodSpec{NodeName: "node-1", ServiceAccountName: "sa"}, Status: corev1.PodStatus{PodIP: "127.10.0.5", HostIP: "127.0.1.1"}}
	for path, want := range map[string]string{
		"metadata.name": "p", "metadata.namespace": "n", "metadata.uid": "u", "spec.nodeName": "node-1",
		"spec.serviceAccountName": "sa", "status.podIP": "127.10.0.5", "status.hostIP": "127.0.1.1",
		"metadata.labels['app']": "db", "metadata.annotations['a']": "1", "metadata.labels": "app=\"db\"",
	} {
		got, err := fieldValue(pod, path)
		if err != nil || got != want {
			t.Errorf("fieldValue(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := fieldValue(pod, "spec.bogus"); err == nil {
		t.Error("want an error for an unsupported field")
	}
}

func TestResourceValue(t *testing.T) {
	c := &corev1.Container{Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")}}}
	cases := []struct {
		sel  corev1.ResourceFieldSelector
		want string
	}{
		{corev1.ResourceFieldSelector{Resource: "limits.cpu"}, "1"},
		{corev1.ResourceFieldSelector{Resource: "limits.cpu", Divisor: resource.MustParse("1m")}, "500"},
		{corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}, "1024"},
		{corev1.ResourceFieldSelector{Resource: "requests.memory"}, "8589934592"},
	}
	for _, tc := range cases {
		if got := resourceValue(c, &tc.sel); got != tc.want {
			t.Errorf("resourceValue(%s/%s) = %s, want %s", tc.sel.Resource, tc.sel.Divisor.String(), got, tc.want)
		}
	}
}

func TestIPAM(t *testing.T) {
	a, err := NewIPAM("127.10.0.0/30")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := a.Allocate("a", "")
	again, _ := a.Allocate("a", "")
	second, _ := a.Allocate("b", "127.10.0.1") // taken: gets the next one
	if first != "127.10.0.1" || again != first || second != "127.10.0.2" {
		t.Fatalf("allocations %s %s %s", first, again, second)
	}
	if _, err := a.Allocate("c", ""); err != nil {
		t.Fatalf("third address: %v", err)
	}
	if _, err := a.Allocate("d", ""); err == nil {
		t.Fatal("want exhaustion")
	}
	a.Release("a")
	if ip, err := a.Allocate("d", ""); err != nil || ip != "127.10.0.1" {
		t.Fatalf("after release: %s %v", ip, err)
	}
}

func TestBackoff(t *testing.T) {
	b := (&Shared{BackoffBase: time.Second, BackoffMax: 4 * time.Second}).newBackoff()
	var got []time.Duration
	for i := 0; i < 5; i++ {
		got = append(got, b.next())
	}
	want := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("back-off sequence %v, want %v", got, want)
		}
	}
	b.reset()
	if d := b.next(); d != 0 {
		t.Fatalf("after reset: %s", d)
	}
}

func TestHostPathMapping(t *testing.T) {
	s := &Shared{PathMap: map[string]string{"/tmp/hostpath_pv": "/state/pv"}}
	for in, want := range map[string]string{
		"/tmp/hostpath_pv/abc": "/state/pv/abc", "/tmp/hostpath_pv": "/state/pv",
		"/tmp/hostpath_pvx": "/tmp/hostpath_pvx", "/data": "/data",
	} {
		if got := s.hostPath(in); got != want {
			t.Errorf("hostPath(%s) = %s, want %s", in, got, want)
		}
	}
}
