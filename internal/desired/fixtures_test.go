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

package desired

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testOpts = Options{OperatorImage: "ghcr.io/ordinal-dev/ordinal:v0.1.0"}

func ptr[T any](v T) *T { return &v }

// mariadbCluster is a typical 3-member MariaDB cluster with only a few fields set.
func mariadbCluster() *v1alpha1.MySQLCluster {
	return &v1alpha1.MySQLCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "prod", UID: "0b7c6f0e-uid"},
		Spec: v1alpha1.MySQLClusterSpec{
			Replicas: ptr(int32(3)),
			Engine:   v1alpha1.Engine{Flavor: v1alpha1.FlavorMariaDB, Version: "11.4"},
			Storage:  v1alpha1.Storage{Size: ptr(resource.MustParse("20Gi"))},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
			},
			Config: map[string]v1alpha1.ConfigValue{"max_connections": "300"},
		},
	}
}

// mysqlCluster is a MySQL cluster left entirely to the defaults.
func mysqlCluster() *v1alpha1.MySQLCluster {
	return &v1alpha1.MySQLCluster{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "web"}}
}

// overridesCluster sets every field a user can set.
func overridesCluster() *v1alpha1.MySQLCluster {
	c := mariadbCluster()
	c.Name, c.Namespace = "orders", "payments"
	s := &c.Spec
	s.Replicas = ptr(int32(5))
	s.Engine = v1alpha1.Engine{Flavor: v1alpha1.FlavorMySQL, Version: "8.0", Image: "registry.example/mysql:8.0.40"}
	s.Storage = overridesStorage()
	s.Config = map[string]v1alpha1.ConfigValue{"innodb-buffer-pool-size": "4G", "max_connections": "1000", "plugin_load_add": "audit_log.so"}
	s.CredentialsSecretName = "orders-creds"
	s.Pod = v1alpha1.PodOverrides{
		Labels:      map[string]string{"team": "payments", "app.kubernetes.io/instance": "evil"},
		Annotations: map[string]string{"prometheus.io/scrape": "true", v1alpha1.AnnotationRestartConfig: "evil"},
		Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}},
			}}},
		}},
		Tolerations:  []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db", Effect: corev1.TaintEffectNoSchedule}},
		NodeSelector: map[string]string{"pool": "db", "arch": "amd64"},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{v1alpha1.LabelCluster: "orders"}},
		}},
		PriorityClassName: "database-critical",
	}
	s.PrimaryService = v1alpha1.ServiceOverrides{Type: corev1.ServiceTypeLoadBalancer, Annotations: map[string]string{"lb.example/internal": "true"}}
	s.ReplicasService = v1alpha1.ServiceOverrides{Type: corev1.ServiceTypeNodePort}
	s.PodManagementPolicy = "Parallel"
	s.PersistentVolumeClaimRetentionPolicy = v1alpha1.PVCRetentionPolicy{WhenDeleted: "Delete", WhenScaled: "Delete"}
	s.PodDisruptionBudget = v1alpha1.PodDisruptionBudget{Enabled: ptr(true), MaxUnavailable: ptr(int32(2))}
	return c
}

// overridesStorage sets every storage field, including ones spec.storage must win over.
func overridesStorage() v1alpha1.Storage {
	return v1alpha1.Storage{
		Size:             ptr(resource.MustParse("100Gi")),
		StorageClassName: ptr("fast"),
		VolumeClaimTemplate: &v1alpha1.ClaimTemplate{
			Metadata: v1alpha1.EmbeddedMetadata{
				Labels:      map[string]string{"backup": "daily", v1alpha1.LabelCluster: "evil"},
				Annotations: map[string]string{"snapshot.example/policy": "hourly"},
			},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod},
				StorageClassName: ptr("ignored"),
				VolumeMode:       ptr(corev1.PersistentVolumeFilesystem),
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		},
	}
}

// allObjects builds every object of a cluster, in apply order.
func allObjects(t *testing.T, c *v1alpha1.MySQLCluster) []runtime.Object {
	t.Helper()
	cm, err := ConfigMap(c)
	if err != nil {
		t.Fatalf("ConfigMap: %v", err)
	}
	objs := []runtime.Object{ServiceAccount(c), cm}
	if c.Spec.CredentialsSecretName == "" {
		secret, err := CredentialsSecret(c, rand.NewChaCha8([32]byte{1}))
		if err != nil {
			t.Fatalf("CredentialsSecret: %v", err)
		}
		objs = append(objs, secret)
	}
	objs = append(objs, HeadlessService(c), PrimaryService(c), ReplicasService(c),
		StatefulSet(c, testOpts, mustRestartConfig(c)))
	if pdb := PodDisruptionBudget(c); pdb != nil {
		objs = append(objs, pdb)
	}
	return objs
}

func toYAML(t *testing.T, objs ...runtime.Object) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			t.Fatalf("marshal %T: %v", o, err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the builders' output (go test ./internal/desired -update rewrites it; "+
			"review the diff): %s", path, firstDiff(got, want))
	}
}

// firstDiff names the first differing line, enough to see what changed without a diff tool.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, gl, wl)
		}
	}
	return "no line differs"
}
