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

package services

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

func testRegistry(t *testing.T, objs ...any) *Registry {
	t.Helper()
	svcs := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	pods := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, o := range objs {
		idx := pods
		if _, ok := o.(*corev1.Service); ok {
			idx = svcs
		}
		if err := idx.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	return &Registry{services: listerscorev1.NewServiceLister(svcs), pods: listerscorev1.NewPodLister(pods)}
}

func member(name, ip string, ready bool) *corev1.Pod {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "db"}},
		Spec:   corev1.PodSpec{Hostname: name, Subdomain: "db", Containers: []corev1.Container{{Ports: []corev1.ContainerPort{{Name: "sql", ContainerPort: 3306}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}}}
}

func TestHosts(t *testing.T) {
	headless := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns"},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"app": "db"}}}
	primary := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "db-primary", Namespace: "ns"},
		Spec: corev1.ServiceSpec{ClusterIP: "127.96.0.9", Selector: map[string]string{"app": "db"}}}
	r := testRegistry(t, headless, primary, member("db-0", "127.10.0.1", true), member("db-1", "127.10.0.2", false))
	same, other := r.Hosts("ns"), r.Hosts("other")
	for _, want := range []string{
		"127.10.0.1\tdb-0.db.ns.svc.cluster.local db-0.db.ns.svc db-0.db.ns db-0.db\n",
		"127.10.0.1\tdb.ns.svc.cluster.local db.ns.svc db.ns db\n",
		"127.96.0.9\tdb-primary.ns.svc.cluster.local db-primary.ns.svc db-primary.ns db-primary\n",
	} {
		if !strings.Contains(same, want) {
			t.Errorf("hosts lack %q:\n%s", want, same)
		}
	}
	if strings.Contains(same, "127.10.0.2") {
		t.Errorf("a not-ready pod is published:\n%s", same)
	}
	if strings.Contains(other, " db-primary\n") || !strings.Contains(other, "db-primary.ns\n") {
		t.Errorf("another namespace must see qualified names only:\n%s", other)
	}
	headless.Spec.PublishNotReadyAddresses = true
	if !strings.Contains(r.Hosts("ns"), "127.10.0.2\tdb-1.db.ns.svc.cluster.local") {
		t.Error("publishNotReadyAddresses must publish db-1")
	}
}

func TestPickReadyOnly(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "db-primary", Namespace: "ns"},
		Spec: corev1.ServiceSpec{ClusterIP: "127.96.0.9", Selector: map[string]string{"app": "db"},
			Ports: []corev1.ServicePort{{Name: "mysql", Port: 3306, TargetPort: intstr.FromString("sql")}}}}
	deleting := member("db-2", "127.10.0.3", true)
	deleting.DeletionTimestamp = &metav1.Time{}
	r := testRegistry(t, svc, member("db-0", "127.10.0.1", false), member("db-1", "127.10.0.2", true), deleting)
	p := &Proxy{r: r}
	for i := 0; i < 20; i++ {
		got, err := p.pick(&listener{ns: "ns", name: "db-primary", portName: "mysql"})
		if err != nil || got != "127.10.0.2:3306" {
			t.Fatalf("pick = %s, %v; want the only ready endpoint", got, err)
		}
	}
	if _, err := p.pick(&listener{ns: "ns", name: "db-primary", portName: "nope"}); err == nil {
		t.Fatal("want an error for an unknown port")
	}
}
