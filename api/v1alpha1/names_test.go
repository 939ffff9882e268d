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

package v1alpha1

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func cluster(ns, name string) *MySQLCluster {
	return &MySQLCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

func TestNames(t *testing.T) {
	c := cluster("ns", "mysql")
	for _, tc := range []struct{ got, want string }{
		{c.HeadlessServiceName(), "mysql"},
		{c.StatefulSetName(), "mysql"},
		{c.PrimaryServiceName(), "mysql-primary"},
		{c.ReplicasServiceName(), "mysql-replicas"},
		{c.ConfigMapName(), "mysql-config"},
		{c.PodDisruptionBudgetName(), "mysql"},
		{c.CredentialsSecretName(), "mysql-credentials"},
		{c.PodName(2), "mysql-2"},
		{c.PodHost(1), "mysql-1.mysql.ns.svc"},
		{c.PVCName(0), "data-mysql-0"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	c.Spec.CredentialsSecretName = "mine"
	if got := c.CredentialsSecretName(); got != "mine" {
		t.Errorf("a user Secret is used as is: got %q", got)
	}
}

func TestOrdinal(t *testing.T) {
	c := cluster("ns", "mysql")
	for name, want := range map[string]int{"mysql-0": 0, "mysql-12": 12} {
		if got, ok := c.Ordinal(name); !ok || got != want {
			t.Errorf("Ordinal(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
	for _, name := range []string{"mysql", "mysql-", "mysql-a", "mysql-01", "mysql-primary-0", "other-1", "mysql--1"} {
		if got, ok := c.Ordinal(name); ok {
			t.Errorf("Ordinal(%q) = %d; want no ordinal", name, got)
		}
	}
}

func TestDefaults(t *testing.T) {
	c := cluster("ns", "mysql")
	size := c.StorageSize()
	if c.DesiredReplicas() != 3 || c.Flavor() != FlavorMySQL || c.Image() != "mysql:8.4" ||
		!c.FailoverEnabled() || c.FailoverDelay().String() != "5s" || c.ReplicationMode() != ReplicationSemiSync ||
		size.String() != "10Gi" {
		t.Errorf("defaults differ from the schema's: %+v", c.Spec)
	}
	c.Spec.Engine.Flavor = FlavorMariaDB
	if got := c.Image(); got != "mariadb:11.4" {
		t.Errorf("mariadb default image = %q", got)
	}
	c.Spec.Engine.Image = "registry.example/mariadb:11.4.5"
	if got := c.Image(); got != "registry.example/mariadb:11.4.5" {
		t.Errorf("explicit image = %q", got)
	}
}

func TestServerIDBase(t *testing.T) {
	a, b := cluster("ns", "mysql"), cluster("ns", "other")
	if a.ServerIDBase() == b.ServerIDBase() {
		t.Errorf("two clusters share a server_id base %d", a.ServerIDBase())
	}
	if a.ServerIDBase() != cluster("ns", "mysql").ServerIDBase() {
		t.Error("the base must be stable for a name")
	}
	if a.ServerIDBase()%1000 != 0 || a.ServerIDBase() == 0 || uint64(a.ServerIDBase())+999 > 1<<32-1 {
		t.Errorf("base %d leaves no room for ordinals", a.ServerIDBase())
	}
}
