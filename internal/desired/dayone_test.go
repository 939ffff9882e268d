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
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// dayOneCluster sets every day-one field.
func dayOneCluster() *v1alpha1.MySQLCluster {
	c := mariadbCluster()
	c.Spec.Database = "shop"
	c.Spec.User = &v1alpha1.ApplicationUser{Name: "web", Host: "%"}
	c.Spec.TimeZone = "Europe/Berlin"
	c.Spec.InitSQL = []v1alpha1.InitSQLSource{
		{ConfigMapKeyRef: &v1alpha1.KeyRef{Name: "shop-init", Key: "schema.sql"}},
		{SecretKeyRef: &v1alpha1.KeyRef{Name: "shop-seed", Key: "users.sql"}},
	}
	c.Spec.InheritedMetadata = &v1alpha1.InheritedMetadata{
		Labels:      map[string]string{"team": "shop", v1alpha1.LabelCluster: "evil"},
		Annotations: map[string]string{"cost-center": "42"},
	}
	c.Spec.Engine.ImagePullPolicy = corev1.PullAlways
	c.Spec.Pod.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}}
	guaranteed := func(cpu, mem string) corev1.ResourceRequirements {
		l := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
		return corev1.ResourceRequirements{Requests: l, Limits: l.DeepCopy()}
	}
	c.Spec.Resources = guaranteed("500m", "1Gi")
	c.Spec.Pod.AgentResources = ptr(guaranteed("100m", "256Mi"))
	c.Spec.Backup = &v1alpha1.Backup{Store: v1alpha1.ObjectStore{Endpoint: "http://s3:9000", Bucket: "b", CredentialsSecretName: "s3"}}
	return c
}

// dayOneObjects are every child of dayOneCluster, the app Secret and a verification Job included.
func dayOneObjects(t *testing.T) []runtime.Object {
	c := dayOneCluster()
	app, err := AppSecret(c, rand.NewChaCha8([32]byte{2}))
	if err != nil {
		t.Fatal(err)
	}
	b := &v1alpha1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Name: "b1", Namespace: c.Namespace}}
	return append(allObjects(t, c), app, VerifyJob(c, b, testOpts))
}

// TestInheritedMetadataEverywhere: every child, its pod templates and claim templates carry the
// inherited labels and annotations; ours win; no selector uses them.
func TestInheritedMetadataEverywhere(t *testing.T) {
	check := func(what string, m metav1.ObjectMeta) {
		if m.Labels["team"] != "shop" || m.Annotations["cost-center"] != "42" {
			t.Errorf("%s: labels %v annotations %v lack the inherited ones", what, m.Labels, m.Annotations)
		}
		if v, ok := m.Labels[v1alpha1.LabelCluster]; ok && v != "db" {
			t.Errorf("%s: inherited label replaced ours: %s=%s", what, v1alpha1.LabelCluster, v)
		}
	}
	for _, o := range dayOneObjects(t) {
		obj := o.(client.Object)
		what := o.GetObjectKind().GroupVersionKind().Kind + " " + obj.GetName()
		check(what, metav1.ObjectMeta{Labels: obj.GetLabels(), Annotations: obj.GetAnnotations()})
		if sel := selectorOf(o); sel != nil && (sel["team"] != "" || len(sel) == 0) {
			t.Errorf("%s: selector %v", what, sel)
		}
		for _, tmpl := range podTemplates(o) {
			check(what+" pod template", tmpl.ObjectMeta)
		}
		for _, pvc := range claimTemplates(o) {
			check(what+" claim template", pvc.ObjectMeta)
		}
	}
}

// TestPullSettingsOnEveryContainer: pull secrets on every pod, the pull policy on every container
// of the database image; the operator image keeps the operator's policy.
func TestPullSettingsOnEveryContainer(t *testing.T) {
	n := 0
	for _, o := range dayOneObjects(t) {
		for _, tmpl := range podTemplates(o) {
			if len(tmpl.Spec.ImagePullSecrets) != 1 || tmpl.Spec.ImagePullSecrets[0].Name != "registry" {
				t.Errorf("%s: imagePullSecrets %v", o.GetObjectKind().GroupVersionKind().Kind, tmpl.Spec.ImagePullSecrets)
			}
			for _, ctr := range append(tmpl.Spec.InitContainers, tmpl.Spec.Containers...) {
				n++
				want := corev1.PullAlways
				if ctr.Name == ContainerTools {
					want = testOpts.OperatorImagePullPolicy
				}
				if ctr.ImagePullPolicy != want {
					t.Errorf("container %s: imagePullPolicy %q, want %q", ctr.Name, ctr.ImagePullPolicy, want)
				}
			}
		}
	}
	if n != 6 { // tools, init, mysql, agent; tools, verify
		t.Errorf("checked %d containers, want 6", n)
	}
}

// TestGuaranteedQoS: with requests = limits in spec.resources and spec.pod.agentResources, every
// container of the member pod has requests = limits for CPU and memory (the Guaranteed class).
func TestGuaranteedQoS(t *testing.T) {
	sts := statefulSet(t, dayOneCluster())
	spec := sts.Spec.Template.Spec
	for _, ctr := range append(spec.InitContainers, spec.Containers...) {
		r := ctr.Resources
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, lim := r.Requests[name], r.Limits[name]
			if req.IsZero() || req.Cmp(lim) != 0 {
				t.Errorf("container %s: %s request %v limit %v, want equal and set", ctr.Name, name, req.String(), lim.String())
			}
		}
	}
	if got := resourceOf(spec, ContainerAgent); got.Limits.Memory().String() != "256Mi" {
		t.Errorf("agent memory limit %v, want spec.pod.agentResources", got.Limits.Memory())
	}
	// Without agentResources the agent keeps its defaults.
	if got := resourceOf(statefulSet(t, mariadbCluster()).Spec.Template.Spec, ContainerAgent); got.Limits.Memory().String() != "512Mi" {
		t.Errorf("default agent memory limit %v", got.Limits.Memory())
	}
}

// TestInitSQLAndTimeZoneInInit: only init sees the scripts (a projected volume, optional sources,
// in order) and the day-one environment.
func TestInitSQLAndTimeZoneInInit(t *testing.T) {
	spec := statefulSet(t, dayOneCluster()).Spec.Template.Spec
	var vol *corev1.Volume
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == VolumeInitSQL {
			vol = &spec.Volumes[i]
		}
	}
	if vol == nil || vol.Projected == nil || len(vol.Projected.Sources) != 2 {
		t.Fatalf("init-sql volume %+v", vol)
	}
	cm, sec := vol.Projected.Sources[0].ConfigMap, vol.Projected.Sources[1].Secret
	if cm == nil || cm.Name != "shop-init" || cm.Items[0].Key != "schema.sql" || cm.Items[0].Path != "000.sql" || !*cm.Optional {
		t.Errorf("first source %+v", cm)
	}
	if sec == nil || sec.Name != "shop-seed" || sec.Items[0].Path != "001.sql" {
		t.Errorf("second source %+v", sec)
	}
	for _, ctr := range append(spec.InitContainers, spec.Containers...) {
		env := map[string]string{}
		for _, e := range ctr.Env {
			env[e.Name] = e.Value
		}
		mounted := false
		for _, m := range ctr.VolumeMounts {
			mounted = mounted || m.Name == VolumeInitSQL
		}
		isInit := ctr.Name == ContainerInit
		if mounted != isInit || (env[EnvTimeZone] == "Europe/Berlin") != isInit {
			t.Errorf("container %s: init-sql mounted %v, %s=%q", ctr.Name, mounted, EnvTimeZone, env[EnvTimeZone])
		}
		if isInit && env[EnvInitSQL] != "configMap shop-init key schema.sql;secret shop-seed key users.sql" {
			t.Errorf("%s = %q", EnvInitSQL, env[EnvInitSQL])
		}
	}
	// A cluster without them keeps its pod template (no volume, no variable).
	plain := statefulSet(t, mariadbCluster()).Spec.Template.Spec
	if len(plain.Volumes) != len(spec.Volumes)-1 || len(plain.InitContainers[1].Env) != len(spec.InitContainers[1].Env)-2 {
		t.Error("the day-one volume or environment is on a cluster that does not use them")
	}
}

// TestBootstrappedKeyAndTimeZoneConfig: the ConfigMap says "bootstrapped" once a cluster with
// initSQL has a primary, and renders default_time_zone from spec.timeZone.
func TestBootstrappedKeyAndTimeZoneConfig(t *testing.T) {
	c := dayOneCluster()
	cm, err := ConfigMap(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cm.Data[ConfigKeyBootstrapped]; ok {
		t.Error("bootstrapped before any primary")
	}
	if !strings.Contains(cm.Data[ConfigKey], "default_time_zone=Europe/Berlin") {
		t.Errorf("my.cnf lacks default_time_zone:\n%s", cm.Data[ConfigKey])
	}
	c.Status.CurrentPrimary = c.PodName(0)
	if cm, _ = ConfigMap(c); cm.Data[ConfigKeyBootstrapped] != "true" {
		t.Errorf("data %v: want bootstrapped once a primary is recorded", slices.Collect(maps.Keys(cm.Data)))
	}
	c.Spec.InitSQL = nil
	if cm, _ = ConfigMap(c); len(cm.Data) != 1 {
		t.Error("a cluster without initSQL got the bootstrapped key")
	}
}

// TestAppSecret: the generated Secret names the primary Service and holds ready connection strings.
func TestAppSecret(t *testing.T) {
	c := dayOneCluster()
	s, err := AppSecret(c, rand.NewChaCha8([32]byte{3}))
	if err != nil {
		t.Fatal(err)
	}
	pw := string(s.Data[v1alpha1.AppSecretKeyPassword])
	host := "db-primary." + c.Namespace + ".svc"
	want := map[string]string{
		"username": "web", "database": "shop", "host": host, "port": "3306",
		"uri":      "mysql://web:" + pw + "@" + host + ":3306/shop",
		"jdbc-url": "jdbc:mariadb://" + host + ":3306/shop",
	}
	for k, v := range want {
		if string(s.Data[k]) != v {
			t.Errorf("%s = %q, want %q", k, s.Data[k], v)
		}
	}
	if s.Name != "db-app" || len(pw) != PasswordLength {
		t.Errorf("name %s, password length %d", s.Name, len(pw))
	}
}

func resourceOf(spec corev1.PodSpec, name string) corev1.ResourceRequirements {
	for _, ctr := range spec.Containers {
		if ctr.Name == name {
			return ctr.Resources
		}
	}
	return corev1.ResourceRequirements{}
}

func podTemplates(o runtime.Object) []corev1.PodTemplateSpec {
	switch x := o.(type) {
	case *appsv1.StatefulSet:
		return []corev1.PodTemplateSpec{x.Spec.Template}
	case *batchv1.Job:
		return []corev1.PodTemplateSpec{x.Spec.Template}
	}
	return nil
}

func claimTemplates(o runtime.Object) []corev1.PersistentVolumeClaim {
	if x, ok := o.(*appsv1.StatefulSet); ok {
		return x.Spec.VolumeClaimTemplates
	}
	return nil
}

// selectorOf is the label selector of an object that selects pods; nil for others.
func selectorOf(o runtime.Object) map[string]string {
	switch x := o.(type) {
	case *appsv1.StatefulSet:
		return x.Spec.Selector.MatchLabels
	case *corev1.Service:
		return x.Spec.Selector
	case *policyv1.PodDisruptionBudget:
		return x.Spec.Selector.MatchLabels
	}
	return nil
}

// TestInheritKeepsOurs: objects built elsewhere (scheduled MySQLBackups) get the inherited
// metadata, and their own labels win.
func TestInheritKeepsOurs(t *testing.T) {
	m := Inherit(dayOneCluster(), metav1.ObjectMeta{Name: "b", Labels: map[string]string{v1alpha1.LabelCluster: "db"}})
	if m.Labels["team"] != "shop" || m.Labels[v1alpha1.LabelCluster] != "db" || m.Annotations["cost-center"] != "42" {
		t.Errorf("labels %v annotations %v", m.Labels, m.Annotations)
	}
	if m := Inherit(mariadbCluster(), metav1.ObjectMeta{Name: "b"}); m.Labels != nil || m.Annotations != nil {
		t.Errorf("a cluster without inheritedMetadata added %v %v", m.Labels, m.Annotations)
	}
}
