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
	"github.com/ordinal-dev/ordinal/internal/certs"
)

var _ = Describe("TLS certificates", func() {
	It("issues a CA and the members' certificate, publishes the CA, mounts the certificate, then writes nothing", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		c := mariadbCluster(ns)
		Expect(k8s.Create(ctx, c)).To(Succeed())
		ca := eventuallyGet(ctx, &corev1.Secret{}, ns, "mysql-ca")
		tlsSecret := eventuallyGet(ctx, &corev1.Secret{}, ns, "mysql-tls")
		Expect(tlsSecret.Type).To(Equal(corev1.SecretTypeTLS))
		Expect(ca.Data).To(HaveKey("ca.key"))
		Expect(tlsSecret.Data).NotTo(HaveKey("ca.key"), "the CA's key never reaches the pods")
		pair := certs.Pair{CertPEM: tlsSecret.Data["tls.crt"], KeyPEM: tlsSecret.Data["tls.key"]}
		names := []string{"mysql-0.mysql." + ns + ".svc", "mysql-2.mysql." + ns + ".svc.cluster.local", "mysql-primary." + ns + ".svc", "mysql-replicas"}
		Expect(certs.CheckServer(pair, ca.Data["ca.crt"], names, time.Now())).To(Succeed())
		published := eventuallyGet(ctx, &corev1.ConfigMap{}, ns, "mysql-ca")
		Expect(published.Data["ca.crt"]).To(Equal(string(tlsSecret.Data["ca.crt"])))

		sts := eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		Expect(sts.Spec.Template.Spec.Volumes).To(ContainElement(HaveField("VolumeSource.Secret.SecretName", "mysql-tls")))
		Expect(get(ctx, &corev1.ConfigMap{}, ns, "mysql-config").Data["my.cnf"]).To(ContainSubstring("ssl_cert=/etc/mysql/tls/tls.crt"))
		Eventually(func() *v1alpha1.TLSStatus { return get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql").Status.TLS }).
			WithContext(ctx).WithTimeout(timeout).Should(SatisfyAll(
			HaveField("CANotAfter", Not(BeNil())), HaveField("CertificateNotAfter", Not(BeNil())), HaveField("NextRenewal", Not(BeNil()))))

		objs := []client.Object{&corev1.Secret{}, &corev1.Secret{}, &corev1.ConfigMap{}}
		names = []string{"mysql-ca", "mysql-tls", "mysql-ca"}
		before := resourceVersions(ctx, ns, objs, names)
		update(ctx, c, func(c *v1alpha1.MySQLCluster) { c.Labels = map[string]string{"touch": "1"} })
		Consistently(func() []string { return resourceVersions(ctx, ns, objs, names) }).
			WithContext(ctx).WithTimeout(3*time.Second).WithPolling(500*time.Millisecond).Should(Equal(before), "nothing is due: nothing is written")
	})

	It("rotates on request: a new CA beside the old one, the certificate kept until the new CA has been published a while", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		c := mariadbCluster(ns)
		Expect(k8s.Create(ctx, c)).To(Succeed())
		first := eventuallyGet(ctx, &corev1.Secret{}, ns, "mysql-tls").DeepCopy()
		oldCA := eventuallyGet(ctx, &corev1.Secret{}, ns, "mysql-ca").Data["ca.crt"]

		update(ctx, c, func(c *v1alpha1.MySQLCluster) {
			c.Annotations = map[string]string{v1alpha1.AnnotationRotateCertificates: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}
		})
		Consistently(func() []byte { return get(ctx, &corev1.Secret{}, ns, "mysql-ca").Data["ca.crt"] }).
			WithContext(ctx).WithTimeout(2*time.Second).Should(Equal(oldCA), "a time still to come waits")

		update(ctx, c, func(c *v1alpha1.MySQLCluster) {
			c.Annotations = map[string]string{v1alpha1.AnnotationRotateCertificates: time.Now().UTC().Format(time.RFC3339)}
		})
		Eventually(func() []byte { return get(ctx, &corev1.Secret{}, ns, "mysql-ca").Data["ca.crt"] }).
			WithContext(ctx).WithTimeout(timeout).ShouldNot(Equal(oldCA), "a new CA")
		bundle := func() []byte { return get(ctx, &corev1.Secret{}, ns, "mysql-tls").Data["ca.crt"] }
		Eventually(func() int { cas, _ := certs.ParseCerts(bundle()); return len(cas) }).
			WithContext(ctx).WithTimeout(timeout).Should(Equal(2), "the old and the new CA are trusted")
		Expect(get(ctx, &corev1.Secret{}, ns, "mysql-tls").Data["tls.crt"]).To(Equal(first.Data["tls.crt"]),
			"the members keep the old CA's certificate while the new CA reaches the clients")
		Eventually(func() string { return get(ctx, &corev1.ConfigMap{}, ns, "mysql-ca").Data["ca.crt"] }).
			WithContext(ctx).WithTimeout(timeout).Should(Equal(string(bundle())))
	})

	It("uses a user's Secret as is, and stalls naming what is wrong with it", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		c := mariadbCluster(ns)
		c.Spec.TLS.SecretName = "my-tls"
		Expect(k8s.Create(ctx, c)).To(Succeed())
		stalledWith := func(substr string) {
			GinkgoHelper()
			Eventually(func(g Gomega) {
				got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
				st := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionStalled)
				g.Expect(st).NotTo(BeNil())
				g.Expect(st.Status).To(Equal(metav1.ConditionTrue))
				g.Expect(st.Reason).To(Equal("TLSSecretInvalid"))
				g.Expect(st.Message).To(ContainSubstring(substr))
			}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
		}
		stalledWith("Secret my-tls named by spec.tls.secretName does not exist")

		ca, err := certs.NewCA("users CA", time.Now(), 24*time.Hour)
		Expect(err).NotTo(HaveOccurred())
		wrong, err := ca.IssueServer([]string{"db.example.com"}, time.Now(), time.Hour)
		Expect(err).NotTo(HaveOccurred())
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "my-tls"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": wrong.CertPEM, "tls.key": wrong.KeyPEM}}
		Expect(k8s.Create(ctx, s)).To(Succeed())
		stalledWith("lacks the keys [ca.crt]")

		s.Data["ca.crt"] = ca.CertPEM
		Expect(k8s.Update(ctx, s)).To(Succeed())
		stalledWith(`does not cover "mysql-0.mysql.` + ns + `.svc"`)

		var hosts []string
		for _, m := range []string{"mysql-0", "mysql-1", "mysql-2"} {
			hosts = append(hosts, m+".mysql."+ns+".svc")
		}
		good, err := ca.IssueServer(hosts, time.Now(), time.Hour)
		Expect(err).NotTo(HaveOccurred())
		s.Data["tls.crt"], s.Data["tls.key"] = good.CertPEM, good.KeyPEM
		Expect(k8s.Update(ctx, s)).To(Succeed())
		Eventually(func() bool {
			return meta.IsStatusConditionFalse(get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql").Status.Conditions, v1alpha1.ConditionStalled)
		}).WithContext(ctx).WithTimeout(timeout).Should(BeTrue())
		sts := eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		Expect(sts.Spec.Template.Spec.Volumes).To(ContainElement(HaveField("VolumeSource.Secret.SecretName", "my-tls")))
		Expect(eventuallyGet(ctx, &corev1.ConfigMap{}, ns, "mysql-ca").Data["ca.crt"]).To(Equal(string(ca.CertPEM)), "the user's CA is published")
		for _, name := range []string{"mysql-ca", "mysql-tls"} {
			err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &corev1.Secret{})
			Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no Secret %s when the user brings one", name)
		}
		Expect(get(ctx, &corev1.Secret{}, ns, "my-tls").Data["tls.crt"]).To(Equal(good.CertPEM), "used as is")
	})

	It("asks for cert-manager by name when an issuerRef is set and cert-manager is not installed", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		c := mariadbCluster(ns)
		c.Spec.TLS.IssuerRef = &v1alpha1.IssuerRef{Name: "corp-ca"}
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Eventually(func(g Gomega) {
			got := get(ctx, &v1alpha1.MySQLCluster{}, ns, "mysql")
			g.Expect(got.Spec.TLS.IssuerRef.Kind).To(Equal("Issuer"), "defaulted by the schema")
			g.Expect(got.Spec.TLS.IssuerRef.Group).To(Equal("cert-manager.io"), "defaulted by the schema")
			st := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionStalled)
			g.Expect(st).NotTo(BeNil())
			g.Expect(st.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(st.Reason).To(Equal("CertManagerMissing"))
			g.Expect(st.Message).To(Equal("spec.tls.issuerRef needs cert-manager: the Certificate kind is not installed"))
		}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
		sts := eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		Expect(sts.Spec.Template.Spec.Volumes).To(ContainElement(HaveField("VolumeSource.Secret.SecretName", "mysql-cert-manager-tls")))
		for _, name := range []string{"mysql-ca", "mysql-tls"} {
			err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &corev1.Secret{})
			Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no Secret %s when cert-manager issues", name)
		}
	})
})
