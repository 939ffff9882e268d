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
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// Another writer (here the test's own field manager, as kubectl edit would) changing or removing
// a field the operator owns has it put back: the applied annotation skips the field-by-field
// comparison only while nobody else touched the object.
var _ = Describe("fields the operator owns", func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = newNamespace(ctx)
		Expect(k8s.Create(ctx, mariadbCluster(ns))).To(Succeed())
	})

	It("are restored when another writer changes one", func(ctx SpecContext) {
		cm := eventuallyGet(ctx, &corev1.ConfigMap{}, ns, "mysql-config")
		Expect(cm.Annotations).To(HaveKey(v1alpha1.AnnotationApplied))
		want := cm.Data
		Expect(want).NotTo(BeEmpty())
		edit(ctx, cm, func(o client.Object) {
			c := o.(*corev1.ConfigMap)
			for k := range c.Data {
				c.Data[k] = "# edited by hand\n"
			}
		})
		Eventually(func() map[string]string { return get(ctx, &corev1.ConfigMap{}, ns, "mysql-config").Data }).
			WithContext(ctx).WithTimeout(timeout).WithPolling(poll).Should(Equal(want))
	})

	It("are restored when another writer only removes one", func(ctx SpecContext) {
		svc := eventuallyGet(ctx, &corev1.Service{}, ns, "mysql-replicas")
		Expect(svc.Labels).To(HaveKeyWithValue(desired.LabelManagedBy, "ordinal"))
		// Let a pass see the object as applied first: the removal is then a change of a known set.
		observed(ctx, cluster(ns))
		edit(ctx, svc, func(o client.Object) {
			labels := o.GetLabels()
			delete(labels, desired.LabelManagedBy)
			o.SetLabels(labels)
		})
		Eventually(func() map[string]string { return get(ctx, &corev1.Service{}, ns, "mysql-replicas").Labels }).
			WithContext(ctx).WithTimeout(timeout).WithPolling(poll).Should(HaveKeyWithValue(desired.LabelManagedBy, "ordinal"))
	})

	It("are restored in a StatefulSet's pod spec, which the operator's cache does not keep", func(ctx SpecContext) {
		sts := eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		want := sts.Spec.Template.Spec.TerminationGracePeriodSeconds
		Expect(want).NotTo(BeNil())
		observed(ctx, cluster(ns))
		edit(ctx, sts, func(o client.Object) {
			o.(*appsv1.StatefulSet).Spec.Template.Spec.TerminationGracePeriodSeconds = ptr.To(*want + 7)
		})
		Eventually(func() *int64 {
			return get(ctx, &appsv1.StatefulSet{}, ns, "mysql").Spec.Template.Spec.TerminationGracePeriodSeconds
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(poll).Should(Equal(want))
	})
})

// edit updates obj as another writer would (an update, not an apply), retrying on conflicts.
func edit(ctx SpecContext, obj client.Object, mutate func(client.Object)) {
	GinkgoHelper()
	Eventually(func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate(obj)
		return k8s.Update(ctx, obj)
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(poll).Should(Succeed())
}

// cluster is the sample cluster of namespace ns, as a key.
func cluster(ns string) *v1alpha1.MySQLCluster {
	c := &v1alpha1.MySQLCluster{}
	c.Namespace, c.Name = ns, "mysql"
	return c
}
