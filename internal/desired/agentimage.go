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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// templateHash hashes the pod template with the tools container's image left out, so that only
// what the pods need (spec, config) changes it, not the operator's own version.
func templateHash(t corev1.PodTemplateSpec) string {
	t = *t.DeepCopy()
	for i := range t.Spec.InitContainers {
		if t.Spec.InitContainers[i].Name == ContainerTools {
			t.Spec.InitContainers[i].Image, t.Spec.InitContainers[i].ImagePullPolicy = "", ""
		}
	}
	b, _ := json.Marshal(t) // a PodTemplateSpec always encodes; map keys are sorted
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// KeepRunningAgent makes an operator upgrade restart no database pod: while the pod template of
// sts is, apart from the agent's image, the one live already has, sts keeps live's agent image
// (and pull policy), so the pods keep running with their agent, which the new operator talks to
// through the versioned agent API. When the template changes for another reason the pods restart
// anyway (in order, the operator's rolling restart), and they get the new agent then.
func KeepRunningAgent(sts, live *appsv1.StatefulSet) {
	if live == nil || live.Annotations[v1alpha1.AnnotationTemplateHash] != sts.Annotations[v1alpha1.AnnotationTemplateHash] {
		return
	}
	running := ToolsContainerOf(&live.Spec.Template.Spec)
	tools := ToolsContainerOf(&sts.Spec.Template.Spec)
	if running == nil || tools == nil || running.Image == "" {
		return
	}
	tools.Image, tools.ImagePullPolicy = running.Image, running.ImagePullPolicy
}

// ToolsContainerOf is the tools init container of a pod spec (the one that carries the agent), nil
// when there is none.
func ToolsContainerOf(spec *corev1.PodSpec) *corev1.Container {
	for i := range spec.InitContainers {
		if spec.InitContainers[i].Name == ContainerTools {
			return &spec.InitContainers[i]
		}
	}
	return nil
}

// TemplateChange says how sts's pod template differs from live's.
type TemplateChange int

const (
	// TemplateUnchanged: the pods need nothing (the agent image aside, see KeepRunningAgent).
	TemplateUnchanged TemplateChange = iota
	// TemplateChangedBySpec: the user changed the spec; the pods restart in order.
	TemplateChangedBySpec
	// TemplateChangedByOperator: the spec is the same but this operator builds another template
	// (an upgrade that needs new pods), or live was built by an operator that did not say.
	TemplateChangedByOperator
)

// CompareTemplates tells whether, and why, sts (built for the cluster's current generation) would
// change live's pod template. A new StatefulSet changes nothing: it has no pods yet.
func CompareTemplates(sts, live *appsv1.StatefulSet) TemplateChange {
	if live == nil || live.Annotations[v1alpha1.AnnotationTemplateHash] == sts.Annotations[v1alpha1.AnnotationTemplateHash] {
		return TemplateUnchanged
	}
	gen := live.Annotations[v1alpha1.AnnotationSpecGeneration]
	if gen == "" || gen == sts.Annotations[v1alpha1.AnnotationSpecGeneration] {
		return TemplateChangedByOperator
	}
	return TemplateChangedBySpec
}
