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
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

const (
	oldAgent = "ghcr.io/ordinal-dev/ordinal:0.1.0"
	newAgent = "ghcr.io/ordinal-dev/ordinal:0.2.0"
)

// TestKeepRunningAgent: an operator upgrade alone leaves the pod template as it is (so no pod
// restarts); any change the pods need brings the new agent along.
func TestKeepRunningAgent(t *testing.T) {
	build := func(image string, edit func(*v1alpha1.MySQLCluster)) *corev1.Container {
		c := mariadbCluster()
		if edit != nil {
			edit(c)
		}
		return ToolsContainerOf(&StatefulSet(c, Options{OperatorImage: image}, mustRestartConfig(c)).Spec.Template.Spec)
	}
	c := mariadbCluster()
	live := StatefulSet(c, Options{OperatorImage: oldAgent, OperatorImagePullPolicy: corev1.PullIfNotPresent}, mustRestartConfig(c))
	for _, tc := range []struct {
		name string
		edit func(*v1alpha1.MySQLCluster)
		want string
	}{
		{"operator upgraded, nothing else", nil, oldAgent},
		{"resources changed", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}
		}, newAgent},
		{"restart-only config changed", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Config = map[string]v1alpha1.ConfigValue{"back_log": "77"}
		}, newAgent},
		{"live config changed", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Config = map[string]v1alpha1.ConfigValue{"max_connections": "77"}
		}, oldAgent},
		{"pod label added", func(c *v1alpha1.MySQLCluster) { c.Spec.Pod.Labels = map[string]string{"team": "a"} }, newAgent},
	} {
		c := mariadbCluster()
		if tc.edit != nil {
			tc.edit(c)
		}
		sts := StatefulSet(c, Options{OperatorImage: newAgent}, mustRestartConfig(c))
		KeepRunningAgent(sts, live)
		got := ToolsContainerOf(&sts.Spec.Template.Spec)
		if got.Image != tc.want {
			t.Errorf("%s: agent image %s, want %s", tc.name, got.Image, tc.want)
		}
		if tc.want == oldAgent && got.ImagePullPolicy != corev1.PullIfNotPresent {
			t.Errorf("%s: the running pull policy must be kept too, got %q", tc.name, got.ImagePullPolicy)
		}
	}
	if a, b := build(oldAgent, nil), build(newAgent, nil); a.Image == b.Image {
		t.Fatal("the builder must use the operator's image for a new StatefulSet")
	}
	fresh := StatefulSet(c, Options{OperatorImage: newAgent}, mustRestartConfig(c))
	KeepRunningAgent(fresh, nil)
	if got := ToolsContainerOf(&fresh.Spec.Template.Spec).Image; got != newAgent {
		t.Errorf("a new cluster gets the operator's image, got %s", got)
	}
	if live.Annotations[v1alpha1.AnnotationTemplateHash] != fresh.Annotations[v1alpha1.AnnotationTemplateHash] {
		t.Error("the template hash must not depend on the agent image")
	}
}

// TestCompareTemplates: a template change at the same generation is the operator's own.
func TestCompareTemplates(t *testing.T) {
	build := func(gen int64, edit func(*v1alpha1.MySQLCluster)) *appsv1.StatefulSet {
		c := mariadbCluster()
		c.Generation = gen
		if edit != nil {
			edit(c)
		}
		return StatefulSet(c, testOpts, mustRestartConfig(c))
	}
	live := build(4, nil)
	legacy := build(4, nil)
	delete(legacy.Annotations, v1alpha1.AnnotationSpecGeneration)
	legacy.Annotations[v1alpha1.AnnotationTemplateHash] = "from-v0.1"
	upgraded := build(4, nil)
	upgraded.Annotations[v1alpha1.AnnotationTemplateHash] = "another-operator-build"
	resized := func(c *v1alpha1.MySQLCluster) {
		c.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}
	}
	for _, tc := range []struct {
		name      string
		sts, live *appsv1.StatefulSet
		want      TemplateChange
	}{
		{"new StatefulSet", build(1, nil), nil, TemplateUnchanged},
		{"nothing changed", build(4, nil), live, TemplateUnchanged},
		{"a spec change outside the template", build(5, nil), live, TemplateUnchanged},
		{"the user changed resources", build(5, resized), live, TemplateChangedBySpec},
		{"the operator builds another template at the same generation", build(4, nil), upgraded, TemplateChangedByOperator},
		{"live from an operator that did not record the generation", build(4, nil), legacy, TemplateChangedByOperator},
	} {
		if got := CompareTemplates(tc.sts, tc.live); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
