//go:build envtest

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
	"context"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// TestApplyToAPIServer server-side applies every object of each sample cluster to a real
// kube-apiserver (envtest tier: make test-envtest), checks that a second apply changes
// nothing, and that the member pod passes the restricted Pod Security Standard.
func TestApplyToAPIServer(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run make test-envtest, which builds the control plane into bin/")
	}
	env := &envtest.Environment{}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start envtest: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	k, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for name, c := range map[string]func() []runtime.Object{
		"mariadb":   func() []runtime.Object { return allObjects(t, mariadbCluster()) },
		"mysql":     func() []runtime.Object { return allObjects(t, mysqlCluster()) },
		"overrides": func() []runtime.Object { return allObjects(t, overridesCluster()) },
	} {
		t.Run(name, func(t *testing.T) { applyTwice(ctx, t, k, c()) })
	}
}

func applyTwice(ctx context.Context, t *testing.T, k client.Client, objs []runtime.Object) {
	ns := objs[0].(client.Object).GetNamespace()
	nsObj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted",
	}}}
	if err := k.Create(ctx, nsObj); err != nil {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	versions := map[string]string{}
	for round := range 2 {
		for _, o := range objs {
			u, err := ForApply(o)
			if err != nil {
				t.Fatal(err)
			}
			key := u.GetKind() + "/" + u.GetName()
			err = k.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("ordinal"), client.ForceOwnership)
			if err != nil {
				t.Fatalf("apply %s: %v", key, err)
			}
			live := &unstructured.Unstructured{}
			live.SetGroupVersionKind(u.GroupVersionKind())
			if err := k.Get(ctx, client.ObjectKeyFromObject(u), live); err != nil {
				t.Fatalf("get %s: %v", key, err)
			}
			if round == 0 {
				versions[key] = live.GetResourceVersion()
			} else if versions[key] != live.GetResourceVersion() {
				t.Errorf("re-applying unchanged %s changed it (resourceVersion %s -> %s)", key, versions[key], live.GetResourceVersion())
			}
		}
	}
	checkPodSecurity(ctx, t, k, objs)
}

// checkPodSecurity creates (dry run) a member pod in the namespace that enforces "restricted".
func checkPodSecurity(ctx context.Context, t *testing.T, k client.Client, objs []runtime.Object) {
	for _, o := range objs {
		sts, ok := o.(*appsv1.StatefulSet)
		if !ok {
			continue
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: sts.Name + "-0", Namespace: sts.Namespace, Labels: sts.Spec.Template.Labels},
			Spec:       *sts.Spec.Template.Spec.DeepCopy(),
		}
		// What the StatefulSet controller adds; the PriorityClass of the overrides sample does not exist.
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: VolumeData, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: VolumeData + "-" + pod.Name},
		}})
		pod.Spec.PriorityClassName = ""
		if err := k.Create(ctx, pod, client.DryRunAll); err != nil {
			t.Errorf("member pod refused: %v", err)
		}
	}
}
