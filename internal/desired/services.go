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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

var serviceTypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}

func servicePort(name string, port int32) corev1.ServicePort {
	return corev1.ServicePort{
		Name:       name,
		Protocol:   corev1.ProtocolTCP,
		Port:       port,
		TargetPort: intstr.FromString(name),
	}
}

// HeadlessService is NAME, the StatefulSet's governing Service: it gives every member a stable DNS
// name, published before the member is ready so peers can reach a member that is still starting.
func HeadlessService(c *v1alpha1.MySQLCluster) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   serviceTypeMeta,
		ObjectMeta: objectMeta(c, c.HeadlessServiceName()),
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 SelectorLabels(c),
			Ports: []corev1.ServicePort{
				servicePort(PortNameMySQL, PortMySQL),
				servicePort(PortNameAgent, PortAgent),
			},
		},
	}
}

// PrimaryService is NAME-primary, the read/write endpoint: exactly the pod recorded in
// status.currentPrimary, selected by the pod-name label the StatefulSet controller sets. Moving it
// to a new primary is one write of this selector, so clients never reach two pods or a stale one;
// before the first promotion it selects nothing.
func PrimaryService(c *v1alpha1.MySQLCluster) *corev1.Service {
	return clientService(c, c.PrimaryServiceName(), c.Spec.PrimaryService, map[string]string{
		appsv1.StatefulSetPodNameLabel: c.Status.CurrentPrimary,
	})
}

// ReplicasService is NAME-replicas, the read-only endpoint: replicas the operator marks as serving
// (healthy and not lagging).
func ReplicasService(c *v1alpha1.MySQLCluster) *corev1.Service {
	return clientService(c, c.ReplicasServiceName(), c.Spec.ReplicasService, map[string]string{
		v1alpha1.LabelRole:    v1alpha1.RoleReplica,
		v1alpha1.LabelServing: "true",
	})
}

func clientService(c *v1alpha1.MySQLCluster, name string, o v1alpha1.ServiceOverrides, sel map[string]string) *corev1.Service {
	selector := SelectorLabels(c)
	maps.Copy(selector, sel)
	typ := o.Type
	if typ == "" {
		typ = corev1.ServiceTypeClusterIP
	}
	meta := objectMeta(c, name)
	meta.Annotations = inheritedAnnotations(c, merged(o.Annotations, nil))
	return &corev1.Service{
		TypeMeta:   serviceTypeMeta,
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: selector,
			Ports:    []corev1.ServicePort{servicePort(PortNameMySQL, PortMySQL)},
		},
	}
}
