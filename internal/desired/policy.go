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
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// PodDisruptionBudget is NAME, limiting voluntary evictions of members; nil when
// spec.podDisruptionBudget.enabled is false (the controller then deletes any existing one).
func PodDisruptionBudget(c *v1alpha1.MySQLCluster) *policyv1.PodDisruptionBudget {
	p := c.Spec.PodDisruptionBudget
	if p.Enabled != nil && !*p.Enabled {
		return nil
	}
	maxUnavailable := intstr.FromInt32(1)
	if p.MaxUnavailable != nil {
		maxUnavailable = intstr.FromInt32(*p.MaxUnavailable)
	}
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: objectMeta(c, c.PodDisruptionBudgetName()),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: &maxUnavailable,
			Selector:       &metav1.LabelSelector{MatchLabels: SelectorLabels(c)},
		},
	}
}

// ServiceAccount is NAME, the members' identity. The pods do not mount its token: nothing in the
// pod talks to the Kubernetes API.
func ServiceAccount(c *v1alpha1.MySQLCluster) *corev1.ServiceAccount {
	no := false
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   objectMeta(c, c.ServiceAccountName()),
		AutomountServiceAccountToken: &no,
	}
}
