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
	"errors"
	"io"
	"maps"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

func TestServiceSelectors(t *testing.T) {
	c := mariadbCluster()
	c.Status.CurrentPrimary = c.PodName(1)
	primaryPod := labels.Set(Labels(c))
	primaryPod[v1alpha1.LabelRole] = v1alpha1.RolePrimary
	primaryPod[appsv1.StatefulSetPodNameLabel] = c.PodName(1)
	// A pod still labelled primary but not the recorded primary is never selected.
	stalePrimary := labels.Set(maps.Clone(primaryPod))
	stalePrimary[appsv1.StatefulSetPodNameLabel] = c.PodName(0)
	replicaPod := labels.Set(maps.Clone(Labels(c)))
	replicaPod[v1alpha1.LabelRole] = v1alpha1.RoleReplica
	servingPod := labels.Set(maps.Clone(replicaPod))
	servingPod[v1alpha1.LabelServing] = "true"
	other := mariadbCluster()
	other.Name = "db2"
	otherPrimary := labels.Set(Labels(other))
	otherPrimary[v1alpha1.LabelRole] = v1alpha1.RolePrimary
	otherPrimary[appsv1.StatefulSetPodNameLabel] = c.PodName(1)

	cases := []struct {
		svc  *corev1.Service
		pod  labels.Set
		want bool
	}{
		{HeadlessService(c), replicaPod, true},
		{HeadlessService(c), otherPrimary, false},
		{PrimaryService(c), primaryPod, true},
		{PrimaryService(c), stalePrimary, false},
		{PrimaryService(mariadbCluster()), primaryPod, false}, // no primary recorded: no endpoint
		{PrimaryService(c), servingPod, false},
		{PrimaryService(c), otherPrimary, false},
		{ReplicasService(c), servingPod, true},
		{ReplicasService(c), replicaPod, false},
		{ReplicasService(c), primaryPod, false},
	}
	for _, tc := range cases {
		if got := labels.SelectorFromSet(tc.svc.Spec.Selector).Matches(tc.pod); got != tc.want {
			t.Errorf("%s selects %v = %v, want %v", tc.svc.Name, tc.pod, got, tc.want)
		}
	}
	h := HeadlessService(c)
	if h.Spec.ClusterIP != corev1.ClusterIPNone || !h.Spec.PublishNotReadyAddresses || len(h.Spec.Ports) != 2 {
		t.Errorf("headless Service spec = %+v", h.Spec)
	}
}

func TestServiceOverrides(t *testing.T) {
	c := overridesCluster()
	p, r := PrimaryService(c), ReplicasService(c)
	if p.Spec.Type != corev1.ServiceTypeLoadBalancer || p.Annotations["lb.example/internal"] != "true" {
		t.Errorf("primary Service ignores spec.primaryService: %v %v", p.Spec.Type, p.Annotations)
	}
	if r.Spec.Type != corev1.ServiceTypeNodePort || r.Annotations != nil {
		t.Errorf("replicas Service ignores spec.replicasService: %v %v", r.Spec.Type, r.Annotations)
	}
	c.Spec.PrimaryService.Annotations["lb.example/internal"] = "false"
	if p.Annotations["lb.example/internal"] != "true" {
		t.Error("the Service aliases the cluster's annotation map")
	}
}

func TestPodDisruptionBudget(t *testing.T) {
	c := mariadbCluster()
	if pdb := PodDisruptionBudget(c); pdb == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Fatalf("default PDB = %+v, want maxUnavailable 1", pdb)
	}
	c.Spec.PodDisruptionBudget.MaxUnavailable = ptr(int32(2))
	if got := PodDisruptionBudget(c).Spec.MaxUnavailable.IntValue(); got != 2 {
		t.Errorf("maxUnavailable = %d, want 2", got)
	}
	c.Spec.PodDisruptionBudget.Enabled = ptr(false)
	if pdb := PodDisruptionBudget(c); pdb != nil {
		t.Errorf("disabled PDB = %+v, want nil", pdb)
	}
}

func TestConfigMapRefusesOwnedKeys(t *testing.T) {
	c := mariadbCluster()
	c.Spec.Config["server-id"] = "7"
	if _, err := ConfigMap(c); err == nil || !strings.Contains(err.Error(), "server-id") {
		t.Errorf("ConfigMap with server-id = %v, want an error naming it", err)
	}
}

func TestCredentialsSecret(t *testing.T) {
	c := mariadbCluster()
	c.Spec.CredentialsSecretName = "users-own"
	s, err := CredentialsSecret(c, bytes.NewReader(bytes.Repeat([]byte("0123456789"), 100)))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "db-credentials" {
		t.Errorf("Secret name = %q, want the generated name", s.Name)
	}
	seen := map[string]bool{}
	for _, k := range []string{v1alpha1.SecretKeyRootPassword, v1alpha1.SecretKeyReplicationPassword, v1alpha1.SecretKeyOperatorPassword} {
		p := string(s.Data[k])
		if len(p) != PasswordLength || strings.Trim(p, passwordAlphabet) != "" {
			t.Errorf("%s = %q: want %d characters from the safe alphabet", k, p, PasswordLength)
		}
		seen[p] = true
	}
	if len(seen) != 3 {
		t.Error("the three passwords are not distinct")
	}
}

type constReader byte

func (r constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestCredentialsSecretBrokenRandom(t *testing.T) {
	c := mariadbCluster()
	if _, err := CredentialsSecret(c, bytes.NewReader(make([]byte, 10))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short reader: err = %v, want ErrUnexpectedEOF", err)
	}
	// 0xff is always rejected (it would bias the modulo): the loop must give up, not spin.
	if _, err := CredentialsSecret(c, constReader(0xff)); err == nil {
		t.Error("a reader of only unusable bytes produced a password")
	}
}

func TestPasswordUnbiased(t *testing.T) {
	// Every byte value below the rejection limit maps to one symbol; each symbol gets the same count.
	all := make([]byte, 0, 256)
	for b := range 256 {
		all = append(all, byte(b))
	}
	p, err := password(bytes.NewReader(bytes.Repeat(all, 4)), 248)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range passwordAlphabet {
		if n := strings.Count(string(p), string(r)); n != 4 {
			t.Fatalf("symbol %q drawn %d times, want 4", r, n)
		}
	}
}

func TestSelector(t *testing.T) {
	c := mariadbCluster()
	if got := Selector(c); got != "app.kubernetes.io/instance=db,app.kubernetes.io/name=mysql,mysql.ordinal.dev/cluster=db" {
		t.Errorf("Selector = %q", got)
	}
}

func TestForApply(t *testing.T) {
	sts := statefulSet(t, overridesCluster())
	u, err := ForApply(sts)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Object["status"]; ok {
		t.Error("ForApply kept the StatefulSet status")
	}
	claims := u.Object["spec"].(map[string]any)["volumeClaimTemplates"].([]any)
	if _, ok := claims[0].(map[string]any)["status"]; ok || len(claims) != 1 {
		t.Errorf("ForApply kept the claim template status: %v", claims)
	}
	if u.GetName() != "orders" || u.GetKind() != "StatefulSet" || u.GetLabels()[v1alpha1.LabelCluster] != "orders" {
		t.Errorf("ForApply lost identity: %s %s %v", u.GetKind(), u.GetName(), u.GetLabels())
	}
	svc := HeadlessService(mariadbCluster())
	svc.TypeMeta = metav1.TypeMeta{}
	if _, err := ForApply(svc); err == nil {
		t.Error("ForApply accepted an object without apiVersion and kind")
	}
}
