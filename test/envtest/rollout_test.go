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

package envtest

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// An operator upgrade whose version builds another pod template restarts the pods of one cluster
// at a time; a change the user asks for never waits for that.
var _ = Describe("a pod template the operator changed on its own", func() {
	const older = "built-by-an-older-operator"

	It("rolls out one cluster at a time, and never delays a change the user asked for", func(ctx SpecContext) {
		namespaces := []string{newNamespace(ctx), newNamespace(ctx)}
		clusters := map[string]*v1alpha1.MySQLCluster{}
		for _, ns := range namespaces {
			clusters[ns] = mariadbCluster(ns)
			Expect(k8s.Create(ctx, clusters[ns])).To(Succeed())
			eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		}
		Eventually(func() int64 {
			before := writes.Load(namespaces[0]) + writes.Load(namespaces[1])
			time.Sleep(time.Second)
			return writes.Load(namespaces[0]) + writes.Load(namespaces[1]) - before
		}).WithContext(ctx).WithTimeout(timeout).Should(BeZero())
		// Both StatefulSets now look built by an older operator for the same spec generation.
		for _, ns := range namespaces {
			Eventually(func() error {
				s := get(ctx, &appsv1.StatefulSet{}, ns, "mysql")
				s.Annotations[v1alpha1.AnnotationTemplateHash] = older
				return k8s.Update(ctx, s)
			}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
		}
		for _, ns := range namespaces {
			update(ctx, clusters[ns], func(c *v1alpha1.MySQLCluster) { c.Annotations = map[string]string{"poke": "upgrade"} })
		}
		Eventually(func() int { return len(rebuilt(ctx, namespaces, older)) }).
			WithContext(ctx).WithTimeout(timeout).Should(Equal(1), "the first cluster rolls out")
		first := rebuilt(ctx, namespaces, older)[0]
		Consistently(func() []string { return rebuilt(ctx, namespaces, older) }).
			WithContext(ctx).WithTimeout(3*time.Second).WithPolling(poll).Should(Equal([]string{first}),
			"no pod of the second may restart while the first rolls out (its pods never become ready here)")

		queued := namespaces[0]
		if queued == first {
			queued = namespaces[1]
		}
		update(ctx, clusters[queued], func(c *v1alpha1.MySQLCluster) {
			c.Spec.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("600Mi")}}
		})
		Eventually(func() []string { return rebuilt(ctx, namespaces, older) }).
			WithContext(ctx).WithTimeout(timeout).Should(ConsistOf(namespaces), "the user's change is applied at once")
	})
})

// rebuilt lists the namespaces whose StatefulSet no longer carries the older operator's hash.
func rebuilt(ctx context.Context, namespaces []string, older string) []string {
	var out []string
	for _, ns := range namespaces {
		if get(ctx, &appsv1.StatefulSet{}, ns, "mysql").Annotations[v1alpha1.AnnotationTemplateHash] != older {
			out = append(out, ns)
		}
	}
	return out
}
