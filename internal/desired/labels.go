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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// Recommended Kubernetes labels.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelComponent = "app.kubernetes.io/component"
)

// SelectorLabels select a cluster's member pods. They are the stable subset of Labels: a
// StatefulSet's selector is immutable, so nothing that can change (version, role) is in it.
func SelectorLabels(c *v1alpha1.MySQLCluster) map[string]string {
	return map[string]string{
		LabelName:             "mysql",
		LabelInstance:         c.Name,
		v1alpha1.LabelCluster: c.Name,
	}
}

// Labels go on every object the operator creates for a cluster.
func Labels(c *v1alpha1.MySQLCluster) map[string]string {
	l := SelectorLabels(c)
	l[LabelManagedBy] = "ordinal"
	l[LabelComponent] = "database"
	return l
}

// Selector is SelectorLabels as a label selector string (status.selector, for the scale subresource).
func Selector(c *v1alpha1.MySQLCluster) string {
	return labels.SelectorFromSet(SelectorLabels(c)).String()
}

// merged returns user entries overlaid by the operator's, so users can add but never replace ours.
// Nil when both are empty, to keep empty maps out of applied objects.
func merged(user, ours map[string]string) map[string]string {
	if len(user)+len(ours) == 0 {
		return nil
	}
	out := make(map[string]string, len(user)+len(ours))
	maps.Copy(out, user)
	maps.Copy(out, ours)
	return out
}

// objectMeta is the metadata of a namespaced object of the cluster: Labels over
// spec.inheritedMetadata. Builders that add annotations merge them in (withInherited).
func objectMeta(c *v1alpha1.MySQLCluster, name string) metav1.ObjectMeta {
	return withInherited(c, metav1.ObjectMeta{Name: name, Namespace: c.Namespace, Labels: Labels(c)})
}
