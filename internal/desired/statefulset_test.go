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
	"maps"
	"reflect"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

func statefulSet(t *testing.T, c *v1alpha1.MySQLCluster) *appsv1.StatefulSet {
	t.Helper()
	return StatefulSet(c, testOpts, configHash(t, c))
}

func configHash(t *testing.T, c *v1alpha1.MySQLCluster) string {
	t.Helper()
	digest, err := RestartConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	return digest
}

// TestRestartConfigFollowsRestartSettingsOnly: the pod template (and so a restart) changes for a
// setting the server reads only at start, never for one the operator applies live.
func TestRestartConfigFollowsRestartSettingsOnly(t *testing.T) {
	base := configHash(t, mariadbCluster())
	if base != configHash(t, mariadbCluster()) {
		t.Fatal("the same cluster gave two config hashes")
	}
	unrelated := map[string]func(*v1alpha1.MySQLCluster){
		"replicas":  func(c *v1alpha1.MySQLCluster) { c.Spec.Replicas = ptr(int32(5)) },
		"resources": func(c *v1alpha1.MySQLCluster) { c.Spec.Resources = corev1.ResourceRequirements{} },
		"pod label": func(c *v1alpha1.MySQLCluster) { c.Spec.Pod.Labels = map[string]string{"a": "b"} },
		"storage":   func(c *v1alpha1.MySQLCluster) { c.Spec.Storage.Size = ptr(resource.MustParse("1Ti")) },
		"version":   func(c *v1alpha1.MySQLCluster) { c.Spec.Engine.Version = "10.11" },
	}
	unrelated["live value"] = func(c *v1alpha1.MySQLCluster) { c.Spec.Config["max_connections"] = "301" }
	unrelated["live key"] = func(c *v1alpha1.MySQLCluster) { c.Spec.Config["wait_timeout"] = "60" }
	for name, mutate := range unrelated {
		c := mariadbCluster()
		mutate(c)
		if got := configHash(t, c); got != base {
			t.Errorf("changing %s changed the restart config (%s -> %s): members would restart for nothing", name, base, got)
		}
	}
	related := map[string]func(*v1alpha1.MySQLCluster){
		"restart value": func(c *v1alpha1.MySQLCluster) { c.Spec.Config["back_log"] = "90" },
		"bare flag":     func(c *v1alpha1.MySQLCluster) { c.Spec.Config["slow_query_log"] = "" },
		"flavor":        func(c *v1alpha1.MySQLCluster) { c.Spec.Engine.Flavor = v1alpha1.FlavorMySQL },
	}
	for name, mutate := range related {
		c := mariadbCluster()
		mutate(c)
		if got := configHash(t, c); got == base {
			t.Errorf("changing %s left the restart config unchanged: members would keep the old config", name)
		}
	}
}

func TestStatefulSetCarriesRestartConfig(t *testing.T) {
	c := mariadbCluster()
	a := StatefulSet(c, testOpts, "aaaa").Spec.Template
	b := StatefulSet(c, testOpts, "bbbb").Spec.Template
	if a.Annotations[v1alpha1.AnnotationRestartConfig] != "aaaa" {
		t.Errorf("template annotation = %q, want the hash passed in", a.Annotations[v1alpha1.AnnotationRestartConfig])
	}
	a.Annotations, b.Annotations = nil, nil
	if !equality.Semantic.DeepEqual(a, b) {
		t.Error("the restart config changed more of the pod template than its annotation")
	}
}

// TestTemplateIndependentOfMapOrder rebuilds from fresh copies of the cluster, whose maps iterate
// in new random orders, and requires byte-identical output every time.
func TestTemplateIndependentOfMapOrder(t *testing.T) {
	c := overridesCluster()
	for i := range 40 {
		c.Spec.Pod.Labels[string(rune('a'+i%26))+"-label"] = "v"
		c.Spec.Pod.Annotations[string(rune('a'+i%26))+"-note"] = "v"
		c.Spec.Config[string(rune('a'+i%26))+"_setting"] = "1"
	}
	want := toYAML(t, allObjects(t, c)...)
	for range 30 {
		if got := toYAML(t, allObjects(t, c.DeepCopy())...); !bytes.Equal(got, want) {
			t.Fatal("the objects depend on map iteration order")
		}
	}
}

func TestUserLabelsCannotOverrideOurs(t *testing.T) {
	c := overridesCluster()
	sts := statefulSet(t, c)
	tmpl := sts.Spec.Template
	for k, v := range Labels(c) {
		if tmpl.Labels[k] != v {
			t.Errorf("pod template label %s = %q, want %q", k, tmpl.Labels[k], v)
		}
	}
	for k, v := range sts.Spec.Selector.MatchLabels {
		if tmpl.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the template (%q): the apiserver would refuse it", k, v, tmpl.Labels[k])
		}
	}
	if tmpl.Labels["team"] != "payments" || tmpl.Annotations["prometheus.io/scrape"] != "true" {
		t.Error("the user's own pod labels and annotations were dropped")
	}
	if got := tmpl.Annotations[v1alpha1.AnnotationRestartConfig]; got != configHash(t, c) {
		t.Errorf("restart-config annotation = %q: the user's value must not win", got)
	}
	claim := sts.Spec.VolumeClaimTemplates[0]
	if claim.Labels[v1alpha1.LabelCluster] != c.Name || claim.Labels["backup"] != "daily" {
		t.Errorf("claim labels = %v", claim.Labels)
	}
}

func TestResourcesPropagate(t *testing.T) {
	c := mariadbCluster()
	pod := statefulSet(t, c).Spec.Template.Spec
	for _, ctr := range []corev1.Container{pod.Containers[0], pod.InitContainers[1]} {
		if !equality.Semantic.DeepEqual(ctr.Resources, c.Spec.Resources) {
			t.Errorf("%s resources = %v, want %v", ctr.Name, ctr.Resources, c.Spec.Resources)
		}
	}
	// The builders must copy, not alias: the controller may mutate what they return.
	pod.Containers[0].Resources.Limits[corev1.ResourceMemory] = resource.MustParse("1Ti")
	pod.Tolerations = append(pod.Tolerations, corev1.Toleration{Key: "x"})
	if !c.Spec.Resources.Limits.Memory().Equal(resource.MustParse("1Gi")) {
		t.Error("mutating the StatefulSet changed the cluster's spec.resources")
	}
}

func TestPodShape(t *testing.T) {
	for _, c := range []*v1alpha1.MySQLCluster{mariadbCluster(), mysqlCluster(), overridesCluster()} {
		sts := statefulSet(t, c)
		pod := sts.Spec.Template.Spec
		names := []string{}
		for _, ctr := range slices.Concat(pod.InitContainers, pod.Containers) {
			names = append(names, ctr.Name)
			checkContainer(t, c, sts, ctr)
		}
		if !slices.Equal(names, []string{ContainerTools, ContainerInit, ContainerMySQL, ContainerAgent}) {
			t.Errorf("containers = %v", names)
		}
		sc := pod.SecurityContext
		if !*sc.RunAsNonRoot || *sc.RunAsUser != 999 || *sc.RunAsGroup != 999 || *sc.FSGroup != 999 ||
			sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("pod security context is not restricted: %+v", sc)
		}
		if sts.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType || sts.Spec.ServiceName != c.Name {
			t.Errorf("update strategy %q, service %q", sts.Spec.UpdateStrategy.Type, sts.Spec.ServiceName)
		}
		if *pod.AutomountServiceAccountToken || *pod.TerminationGracePeriodSeconds != 60 {
			t.Error("the pod mounts a token or has the wrong grace period")
		}
	}
}

func checkContainer(t *testing.T, c *v1alpha1.MySQLCluster, sts *appsv1.StatefulSet, ctr corev1.Container) {
	t.Helper()
	vols := map[string]bool{VolumeData: true}
	for _, v := range sts.Spec.Template.Spec.Volumes {
		vols[v.Name] = true
	}
	for _, m := range ctr.VolumeMounts {
		if !vols[m.Name] {
			t.Errorf("%s mounts %s, which is not a volume of the pod", ctr.Name, m.Name)
		}
	}
	sc := ctr.SecurityContext
	if *sc.AllowPrivilegeEscalation || !*sc.ReadOnlyRootFilesystem || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("%s security context is not restricted: %+v", ctr.Name, sc)
	}
	if ctr.Name == ContainerTools {
		// The operator image only copies its binary: no credentials, no data.
		if ctr.Image != testOpts.OperatorImage || len(ctr.Env) != 0 || len(ctr.VolumeMounts) != 1 ||
			!slices.Equal(ctr.Command, []string{OperatorBinary, "install-tools", ToolsDir}) {
			t.Errorf("tools container: image %s, env %v, mounts %v, command %v", ctr.Image, ctr.Env, ctr.VolumeMounts, ctr.Command)
		}
		return
	}
	if ctr.Image != c.Image() {
		t.Errorf("%s runs %s, want the database image %s", ctr.Name, ctr.Image, c.Image())
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range ctr.Env {
		env[e.Name] = e
	}
	for _, name := range []string{EnvPodName, EnvPodNamespace, EnvPodIP, EnvClusterName, EnvServiceName,
		EnvFlavor, EnvServerIDBase, EnvRootPassword, EnvReplicationPassword, EnvOperatorPassword} {
		if _, ok := env[name]; !ok {
			t.Errorf("%s lacks env %s", ctr.Name, name)
		}
	}
	if ref := env[EnvRootPassword].ValueFrom.SecretKeyRef; ref.Name != c.CredentialsSecretName() || ref.Key != v1alpha1.SecretKeyRootPassword {
		t.Errorf("%s root password from %s/%s", ctr.Name, ref.Name, ref.Key)
	}
}

func TestDefaultsMatchSchema(t *testing.T) {
	explicit := mysqlCluster()
	explicit.Spec = v1alpha1.MySQLClusterSpec{
		Replicas:                             ptr(int32(3)),
		Engine:                               v1alpha1.Engine{Flavor: v1alpha1.FlavorMySQL},
		Storage:                              v1alpha1.Storage{Size: ptr(resource.MustParse("10Gi"))},
		PrimaryService:                       v1alpha1.ServiceOverrides{Type: corev1.ServiceTypeClusterIP},
		ReplicasService:                      v1alpha1.ServiceOverrides{Type: corev1.ServiceTypeClusterIP},
		Replication:                          v1alpha1.Replication{Mode: v1alpha1.ReplicationSemiSync, MaxLagSeconds: 30},
		PodManagementPolicy:                  "OrderedReady",
		PersistentVolumeClaimRetentionPolicy: v1alpha1.PVCRetentionPolicy{WhenDeleted: "Retain", WhenScaled: "Retain"},
		PodDisruptionBudget:                  v1alpha1.PodDisruptionBudget{Enabled: ptr(true), MaxUnavailable: ptr(int32(1))},
	}
	got, want := toYAML(t, allObjects(t, mysqlCluster())...), toYAML(t, allObjects(t, explicit)...)
	if !bytes.Equal(got, want) {
		t.Errorf("an unset spec builds other objects than one with the schema defaults:\n%s\n---- vs\n%s", got, want)
	}
}

func TestNoStatusOrOwners(t *testing.T) {
	for _, o := range allObjects(t, overridesCluster()) {
		v := reflect.ValueOf(o).Elem()
		if s := v.FieldByName("Status"); s.IsValid() && !s.IsZero() {
			t.Errorf("%T has a status set", o)
		}
		meta := v.FieldByName("ObjectMeta").Interface()
		if refs := reflect.ValueOf(meta).FieldByName("OwnerReferences"); refs.Len() != 0 {
			t.Errorf("%T sets owner references", o)
		}
		if tm := v.FieldByName("TypeMeta"); tm.FieldByName("APIVersion").String() == "" || tm.FieldByName("Kind").String() == "" {
			t.Errorf("%T has no TypeMeta", o)
		}
	}
	if got := slices.Sorted(maps.Keys(Labels(mysqlCluster()))); len(got) != 5 {
		t.Errorf("Labels = %v", got)
	}
}

// mustRestartConfig is RestartConfig for fixtures known to be valid.
func mustRestartConfig(c *v1alpha1.MySQLCluster) string {
	digest, err := RestartConfig(c)
	if err != nil {
		panic(err)
	}
	return digest
}
