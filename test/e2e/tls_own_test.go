//go:build e2e

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

package e2e

import (
	"net"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/certs"
)

// ownSecret is the user's certificate Secret of the bring-your-own spec.
const ownSecret = "own-tls"

var _ = Describe("A certificate of the user's own", func() {
	BeforeEach(func() {
		if cluster == nil {
			Skip("the TLS specs need localkube: they dial ClusterIPs and pod IPs directly")
		}
	})

	It("is served as is (spec.tls.secretName): replication verifies it, applications verify it with the user's CA, the operator issues nothing", func(ctx SpecContext) {
		ns := faultNamespace("tls-own")
		kubectl(ctx, "create", "namespace", ns)
		deleteAfterSpec(ns)
		ca, secret := ownCertificate(ns)
		c := k8sClient()
		Expect(c.Create(ctx, secret)).To(Succeed())
		sample := strings.ReplaceAll(sampleManifest("mysql_v1alpha1_mysqlcluster.yaml"), "flavor: mariadb", "flavor: "+flavor)
		applyManifest(ctx, ns, strings.Replace(sample, "  replicas: 3\n", "  replicas: 3\n  tls:\n    secretName: "+ownSecret+"\n", 1))
		e := openFaultEnv(ctx, "tls-own", ns)

		waitAccountsRequireTLS(ctx, e)
		for _, rep := range e.replicas(ctx) {
			Eventually(func() (replicaTLS, error) { return replicationTLS(ctx, e, rep) }).
				WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).
				Should(Equal(replicating), "replication of %s verifies the user's certificate", rep)
		}
		leaf, err := certs.ParseCert(secret.Data["tls.crt"])
		Expect(err).NotTo(HaveOccurred())
		for name, addr := range e.topology().Members {
			served, err := servedCertificate(ctx, e, name, addr, ca.CertPEM)
			Expect(err).NotTo(HaveOccurred(), "%s verified with the user's CA", name)
			Expect(served.SerialNumber).To(Equal(leaf.SerialNumber), "%s serves the user's certificate", name)
		}
		primaryName := "mysql-primary." + ns + ".svc"
		Expect(login(ctx, e.user, e.password, e.primary, verifyingTLS(ca.CertPEM, primaryName))).To(Succeed(),
			"an application verifies %s with the user's CA", primaryName)
		Expect(publishedCA(ctx, c, ns)).To(Equal(ca.CertPEM), "the user's CA is published")

		now := &corev1.Secret{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: ownSecret}, now)).To(Succeed())
		Expect(now.Data).To(Equal(secret.Data), "the user's Secret is used as is, never written")
		for _, name := range []string{caObject, tlsObject} {
			err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &corev1.Secret{})
			Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no Secret %s when the user brings a certificate: %v", name, err)
		}
	}, NodeTimeout(readyTimeout+4*time.Minute))
})

var _ = Describe("TLS required of every client", func() {
	BeforeEach(func() {
		if cluster == nil {
			Skip("the TLS specs need localkube: they dial pod IPs directly")
		}
	})

	It("refuses plain clients, root included, while the operator, replication and verified clients work (spec.tls.requireSecureTransport)", func(ctx SpecContext) {
		ns := faultNamespace("tls-required")
		createFaultCluster(ctx, ns, func(m string) string {
			return strings.Replace(m, "  replicas: 3\n", "  replicas: 3\n  tls:\n    requireSecureTransport: true\n", 1)
		})
		deleteAfterSpec(ns)
		c := k8sClient()
		Eventually(func() string { _, why := clusterReady(ctx, c, ns); return why }).
			WithContext(ctx).WithTimeout(readyTimeout).WithPolling(time.Second).Should(BeEmpty(), "Ready through TLS alone")
		Eventually(func() bool {
			mc := &v1alpha1.MySQLCluster{}
			return c.Get(ctx, client.ObjectKey{Namespace: ns, Name: faultClusterName}, mc) == nil &&
				mc.Status.TLS != nil && mc.Status.TLS.AccountsRequireTLS
		}).WithContext(ctx).WithTimeout(3*time.Minute).WithPolling(time.Second).Should(BeTrue(),
			"every replica replicates over TLS (the accounts then require it)")
		sec := &corev1.Secret{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: faultClusterName + "-credentials"}, sec)).To(Succeed())
		root := string(sec.Data[v1alpha1.SecretKeyRootPassword])
		bundle := publishedCA(ctx, c, ns)
		pods, err := memberPods(ctx, c, ns)
		Expect(err).NotTo(HaveOccurred())
		Expect(pods).To(HaveLen(3))
		for _, p := range pods {
			addr := net.JoinHostPort(p.Status.PodIP, "3306")
			// MariaDB refuses with 1045 (access denied), MySQL with 3159 (insecure transport).
			Expect(mysqlErrno(login(ctx, "root", root, addr, nil))).To(BeElementOf(uint16(1045), uint16(3159)), "a plain root login to %s", p.Name)
			Expect(login(ctx, "root", root, addr, verifyingTLS(bundle, memberServerName(ns, p.Name)))).To(Succeed(), "a verified root login to %s", p.Name)
		}
	}, NodeTimeout(readyTimeout+5*time.Minute))
})

// ownCertificate is what a user (or cert-manager) would provide: a CA of their own and a server
// certificate naming every member and the primary Service, in a kubernetes.io/tls Secret.
func ownCertificate(ns string) (*certs.Authority, *corev1.Secret) {
	GinkgoHelper()
	now := time.Now()
	ca, err := certs.NewCA("the user's CA", now, 30*24*time.Hour)
	Expect(err).NotTo(HaveOccurred())
	names := []string{"mysql-primary." + ns + ".svc"}
	for _, m := range []string{"mysql-0", "mysql-1", "mysql-2"} {
		names = append(names, memberServerName(ns, m))
	}
	pair, err := ca.IssueServer(names, now, 7*24*time.Hour)
	Expect(err).NotTo(HaveOccurred())
	return ca, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ownSecret}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{"tls.crt": pair.CertPEM, "tls.key": pair.KeyPEM, "ca.crt": ca.CertPEM},
	}
}
