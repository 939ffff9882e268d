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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

var _ = Describe("credentials", func() {
	It("uses a user-supplied Secret as is and generates none", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		Expect(k8s.Create(ctx, userSecret(ns, "my-creds"))).To(Succeed())
		c := mariadbCluster(ns)
		c.Spec.CredentialsSecretName = "my-creds"
		Expect(k8s.Create(ctx, c)).To(Succeed())
		sts := eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		for _, ctr := range append(sts.Spec.Template.Spec.InitContainers, sts.Spec.Template.Spec.Containers...) {
			for _, e := range ctr.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					Expect(e.ValueFrom.SecretKeyRef.Name).To(Equal("my-creds"), "%s %s", ctr.Name, e.Name)
				}
			}
		}
		err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mysql-credentials"}, &corev1.Secret{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no Secret is generated when the user brings one")
		Expect(get(ctx, &corev1.Secret{}, ns, "my-creds").Data["root-password"]).To(Equal([]byte("user-root")), "never overwritten")
	})

	It("stalls with a clear condition until a missing Secret appears", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		c := mariadbCluster(ns)
		c.Spec.CredentialsSecretName = "later"
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Eventually(func(g Gomega) {
			got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
			stalled := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionStalled)
			g.Expect(stalled).NotTo(BeNil())
			g.Expect(stalled.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(stalled.Reason).To(Equal("CredentialsSecretMissing"))
			g.Expect(stalled.Message).To(ContainSubstring("later"))
		}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
		err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mysql"}, &appsv1.StatefulSet{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no pods are started without credentials")
		eventuallyGet(ctx, &corev1.Service{}, ns, "mysql-primary")

		Expect(k8s.Create(ctx, userSecret(ns, "later"))).To(Succeed())
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mysql"}, &appsv1.StatefulSet{})
		}).WithContext(ctx).WithTimeout(timeout).WithPolling(time.Second).Should(Succeed())
		Eventually(func() bool {
			got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
			return meta.IsStatusConditionFalse(got.Status.Conditions, v1alpha1.ConditionStalled)
		}).WithContext(ctx).WithTimeout(timeout).Should(BeTrue())
	})

	It("stalls when the user's Secret lacks a key, naming it", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		s := userSecret(ns, "partial")
		delete(s.StringData, "operator-password")
		Expect(k8s.Create(ctx, s)).To(Succeed())
		c := mariadbCluster(ns)
		c.Spec.CredentialsSecretName = "partial"
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Eventually(func(g Gomega) {
			got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
			stalled := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionStalled)
			g.Expect(stalled).NotTo(BeNil())
			g.Expect(stalled.Reason).To(Equal("CredentialsSecretInvalid"))
			g.Expect(stalled.Message).To(ContainSubstring("operator-password"))
		}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
	})
})

func userSecret(ns, name string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		StringData: map[string]string{
			"root-password": "user-root", "replication-password": "user-repl", "operator-password": "user-op",
		},
	}
}
