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
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// A pass lists its own cluster's pods through the cluster index: not those of a cluster whose name
// shares a prefix, of the same name in another namespace, or a pod that merely carries the label.
func TestAPassListsItsOwnPodsThroughTheClusterIndex(t *testing.T) {
	c := testCluster(2)
	pod := func(ns, name, cluster string, selector bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		other := c.DeepCopy()
		other.Name = cluster
		if selector {
			p.Labels = desired.SelectorLabels(other)
		} else {
			p.Labels = map[string]string{v1alpha1.LabelCluster: cluster}
		}
		return p
	}
	b := fake.NewClientBuilder().WithScheme(restScheme()).WithObjects(
		pod("ns", "mysql-1", "mysql", true), pod("ns", "mysql-0", "mysql", true),
		pod("ns", "mysql2-0", "mysql2", true), pod("other", "mysql-0", "mysql", true),
		pod("ns", "mysql-9", "mysql", false))
	r := &ClusterReconciler{Client: withIndexes(b).Build()}
	pods, err := r.memberPods(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pods {
		got = append(got, p.Namespace+"/"+p.Name)
	}
	if len(got) != 2 || got[0] != "ns/mysql-0" || got[1] != "ns/mysql-1" {
		t.Errorf("listed %v, want ns/mysql-0 and ns/mysql-1", got)
	}
}

// withIndexes registers the operator's cache indexes on a fake client.
func withIndexes(b *fake.ClientBuilder) *fake.ClientBuilder {
	for _, obj := range indexedByCluster() {
		b = b.WithIndex(obj, byCluster, clusterOf)
	}
	return b.WithIndex(&v1alpha1.MySQLCluster{}, bySecret, secretsOf)
}

// A changed Secret wakes the clusters of its namespace that read it, and no other.
func TestAChangedSecretWakesTheClustersThatReadIt(t *testing.T) {
	a, b, other := testCluster(1), testCluster(1), testCluster(1)
	a.Name, b.Name, other.Name, other.Namespace = "a", "b", "a", "elsewhere"
	b.Spec.Backup = &v1alpha1.Backup{Store: v1alpha1.ObjectStore{CredentialsSecretName: "s3"}}
	a.Spec.Restore = &v1alpha1.Restore{Store: v1alpha1.ObjectStore{CredentialsSecretName: "s3"}}
	cl := withIndexes(fake.NewClientBuilder().WithScheme(restScheme()).WithObjects(a, b, other)).Build()
	wake := secretToClusters(cl)
	names := func(o client.Object) []string {
		var out []string
		for _, r := range wake(context.Background(), o) {
			out = append(out, r.String())
		}
		slices.Sort(out)
		return out
	}
	secret := func(name string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
	}
	for name, want := range map[string][]string{
		"s3":                      {"ns/a", "ns/b"},
		a.CredentialsSecretName(): {"ns/a"},
		"unrelated":               nil,
	} {
		if got := names(secret(name)); !slices.Equal(got, want) {
			t.Errorf("Secret %s woke %v, want %v", name, got, want)
		}
	}
}
