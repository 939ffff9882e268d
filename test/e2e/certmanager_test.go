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
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/certs"
)

// cmSecret is the Certificate and Secret the operator asks cert-manager for (CertManagerName).
const cmSecret = faultClusterName + "-cert-manager-tls"

var _ = Describe("cert-manager issuing the members' certificate (spec.tls.issuerRef)", Ordered, func() {
	BeforeAll(func(ctx SpecContext) {
		if cluster == nil {
			Skip("the TLS specs need localkube: they dial ClusterIPs and pod IPs directly")
		}
		startCertManager(ctx)
	}, NodeTimeout(2*time.Minute))

	It("serves the certificate of a CA Issuer: replication and applications verify it, writes all land, a renewal reloads without restarts, a new member is named", func(ctx SpecContext) {
		ns := cmNamespace(ctx, "cm-ca")
		applyManifest(ctx, ns, cmIssuers+"---\n"+cmCAIssuer)
		kubectl(ctx, "-n", ns, "wait", "--for=condition=Ready", "--timeout=60s", "certificate/root-ca", "issuer/ca")
		start := time.Now()
		applyManifest(ctx, ns, issuedClusterManifest(3, "ca"))
		e := openFaultEnv(ctx, "cert-manager", ns)
		AddReportEntry("cluster Ready with cert-manager in", time.Since(start).Round(time.Second).String())

		waitAccountsRequireTLS(ctx, e)
		for _, rep := range e.replicas(ctx) {
			Eventually(func() (replicaTLS, error) { return replicationTLS(ctx, e, rep) }).
				WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).
				Should(Equal(replicating), "replication of %s verifies cert-manager's certificate", rep)
		}
		root := &corev1.Secret{}
		Expect(e.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "root-ca"}, root)).To(Succeed())
		caPEM := root.Data["tls.crt"]
		first := expectServedEverywhere(ctx, e, caPEM)
		primaryName := "mysql-primary." + ns + ".svc"
		Expect(login(ctx, e.user, e.password, e.primary, verifyingTLS(caPEM, primaryName))).To(Succeed(),
			"an application verifies %s with the CA of the Issuer", primaryName)
		Expect(publishedCA(ctx, e.c, ns)).To(Equal(caPEM), "the Issuer's CA is published")
		cert, err := certificate(ctx, e.c, ns, cmSecret)
		Expect(err).NotTo(HaveOccurred())
		Expect(cert.GetOwnerReferences()).To(ContainElement(HaveField("Name", faultClusterName)), "the cluster owns its Certificate")
		for _, name := range []string{caObject, tlsObject} {
			err := e.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &corev1.Secret{})
			Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no Secret %s when cert-manager issues: %v", name, err)
		}

		before := podIdentities(ctx, e.c, ns)
		w := startTLSWriter(ctx, e, caPEM, primaryName)
		renewed := time.Now()
		renewCertificate(ctx, e.c, ns, cmSecret)
		Eventually(func() string { return servedSerials(ctx, e, caPEM, first.SerialNumber.String()) }).
			WithContext(ctx).WithTimeout(3*time.Minute).WithPolling(2*time.Second).Should(BeEmpty(),
			"every member serves the renewed certificate")
		AddReportEntry("renewal served by every member in", time.Since(renewed).Round(time.Second).String())
		acked := w.stop()
		Expect(podIdentities(ctx, e.c, ns)).To(Equal(before), "no member restarted or was re-created for the renewal")
		Expect(w.errs).To(BeNumerically("<", 3), "writes through %s kept working: %v", primaryName, w.lastErr)
		Expect(len(acked)).To(BeNumerically(">", 10), "the writer made progress")

		// A new member starts with a certificate naming it: the StatefulSet grows once cert-manager
		// has issued one.
		scaled := time.Now()
		kubectl(ctx, "-n", ns, "patch", "mysqlcluster", faultClusterName, "--type=merge", "-p", `{"spec":{"replicas":4}}`)
		Eventually(func() string {
			if ready, why := clusterReady(ctx, e.c, ns); !ready {
				return why
			}
			return servedSerials(ctx, e, caPEM, "")
		}).WithContext(ctx).WithTimeout(4*time.Minute).WithPolling(2*time.Second).Should(BeEmpty(),
			"4 members Ready, each serving the certificate that names it")
		AddReportEntry("scaled to 4 members in", time.Since(scaled).Round(time.Second).String())
		Expect(e.topology().Members).To(HaveKey(faultClusterName + "-3"))
		expectServedEverywhere(ctx, e, caPEM)
		expectRowsEverywhere(ctx, e, acked)
	}, NodeTimeout(readyTimeout+12*time.Minute))

	It("says that the issuer does not exist, then becomes Ready once it does", func(ctx SpecContext) {
		ns := cmNamespace(ctx, "cm-missing")
		applyManifest(ctx, ns, cmIssuers)
		applyManifest(ctx, ns, issuedClusterManifest(1, "ca"))
		want := "issuer ca (Issuer) named by spec.tls.issuerRef does not exist"
		c := k8sClient()
		Eventually(func(g Gomega) {
			mc := &v1alpha1.MySQLCluster{}
			g.Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: faultClusterName}, mc)).To(Succeed())
			st := meta.FindStatusCondition(mc.Status.Conditions, v1alpha1.ConditionStalled)
			g.Expect(st).NotTo(BeNil())
			g.Expect(st.Reason).To(Equal("IssuerNotFound"))
			g.Expect(st.Message).To(Equal(want))
		}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
		Eventually(func() string {
			out, _ := kubectlOut(ctx, "-n", ns, "get", "events", "--field-selector", "reason=IssuerNotFound", "-o", "jsonpath={.items[*].message}")
			return out
		}).WithContext(ctx).WithTimeout(30*time.Second).Should(ContainSubstring(want), "a Warning event names it")

		created := time.Now()
		applyManifest(ctx, ns, cmCAIssuer)
		e := openFaultEnv(ctx, "cert-manager-late", ns)
		AddReportEntry("Ready after the issuer was created in", time.Since(created).Round(time.Second).String())
		root := &corev1.Secret{}
		Expect(e.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "root-ca"}, root)).To(Succeed())
		expectServedEverywhere(ctx, e, root.Data["tls.crt"])
	}, NodeTimeout(readyTimeout+3*time.Minute))
})

// cmNamespace creates a namespace for a cert-manager spec, deleted when the spec ends.
func cmNamespace(ctx context.Context, what string) string {
	GinkgoHelper()
	ns := faultNamespace(what)
	kubectl(ctx, "create", "namespace", ns)
	deleteAfterSpec(ns)
	return ns
}

// issuedClusterManifest is the sample cluster with replicas members and its certificate from the
// Issuer named issuer.
func issuedClusterManifest(replicas int, issuer string) string {
	sample := strings.ReplaceAll(sampleManifest("mysql_v1alpha1_mysqlcluster.yaml"), "flavor: mariadb", "flavor: "+flavor)
	return strings.Replace(sample, "  replicas: 3\n",
		fmt.Sprintf("  replicas: %d\n  tls:\n    issuerRef:\n      name: %s\n", replicas, issuer), 1)
}

// expectServedEverywhere checks that every member serves the certificate of Secret cmSecret,
// verified with caPEM and the member's name, and that the Secret's ca.crt is caPEM; it returns it.
func expectServedEverywhere(ctx context.Context, e *faultEnv, caPEM []byte) *x509.Certificate {
	GinkgoHelper()
	sec := &corev1.Secret{}
	Expect(e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: cmSecret}, sec)).To(Succeed())
	Expect(sec.Data["ca.crt"]).To(Equal(caPEM), "cert-manager writes the Issuer's CA to ca.crt")
	leaf, err := certs.ParseCert(sec.Data["tls.crt"])
	Expect(err).NotTo(HaveOccurred())
	Eventually(func() string { return servedSerials(ctx, e, caPEM, "") }).WithContext(ctx).
		WithTimeout(time.Minute).WithPolling(time.Second).Should(BeEmpty())
	for name, addr := range e.topology().Members {
		served, err := servedCertificate(ctx, e, name, addr, caPEM)
		Expect(err).NotTo(HaveOccurred(), "%s verified with the Issuer's CA", name)
		Expect(served.SerialNumber).To(Equal(leaf.SerialNumber), "%s serves cert-manager's certificate", name)
	}
	return leaf
}

// servedSerials says which members do not serve the certificate now in Secret cmSecret (or still
// serve the one of serial old); "" when all do.
func servedSerials(ctx context.Context, e *faultEnv, caPEM []byte, old string) string {
	sec := &corev1.Secret{}
	if err := e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: cmSecret}, sec); err != nil {
		return err.Error()
	}
	leaf, err := certs.ParseCert(sec.Data["tls.crt"])
	if err != nil {
		return err.Error()
	}
	if leaf.SerialNumber.String() == old {
		return "cert-manager has not renewed the Secret yet"
	}
	var missing []string
	for name, addr := range e.topology().Members {
		served, err := servedCertificate(ctx, e, name, addr, caPEM)
		if err != nil || served.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
			missing = append(missing, fmt.Sprintf("%s (%v)", name, err))
		}
	}
	return strings.Join(missing, ", ")
}
