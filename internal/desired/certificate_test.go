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
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

func TestCertificateGolden(t *testing.T) {
	c := mariadbCluster()
	c.Spec.TLS.IssuerRef = &v1alpha1.IssuerRef{Name: "db-ca", Kind: "Issuer", Group: "cert-manager.io"}
	golden(t, "certificate.golden.yaml", toYAML(t, Certificate(c, 3)))
}

func TestCertificate(t *testing.T) {
	c := mariadbCluster()
	if got := Certificate(c, 3); got != nil {
		t.Fatalf("Certificate without an issuerRef = %v, want nil", got)
	}
	c.Spec.TLS.IssuerRef = &v1alpha1.IssuerRef{Name: "corp"}
	u := Certificate(c, 5) // two members above spec.replicas still have pods
	if u.GetName() != c.CertManagerName() || u.GetNamespace() != "prod" {
		t.Errorf("Certificate is %s/%s, want prod/%s", u.GetNamespace(), u.GetName(), c.CertManagerName())
	}
	if got, _, _ := unstructured.NestedString(u.Object, "spec", "secretName"); got != c.ServingTLSSecretName() || got != "db-cert-manager-tls" {
		t.Errorf("secretName = %q, want the Secret the members mount (%q)", got, c.ServingTLSSecretName())
	}
	ref, _, _ := unstructured.NestedStringMap(u.Object, "spec", "issuerRef")
	if want := map[string]string{"name": "corp", "kind": "Issuer", "group": "cert-manager.io"}; !equalMaps(ref, want) {
		t.Errorf("issuerRef = %v, want the defaults filled in: %v", ref, want)
	}
	names, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "dnsNames")
	if !slices.Equal(names, c.ServerNames(5)) {
		t.Errorf("dnsNames = %v, want ServerNames(5)", names)
	}
	for _, n := range []string{"db-4.db.prod.svc", "db-primary.prod.svc", "db-replicas", "db.prod.svc.cluster.local"} {
		if !slices.Contains(names, n) {
			t.Errorf("dnsNames lack %s", n)
		}
	}
	usages, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "usages")
	if !slices.Contains(usages, "server auth") || !slices.Contains(usages, "client auth") {
		t.Errorf("usages = %v, want server auth and client auth", usages)
	}
	if _, err := ForApply(u); err != nil {
		t.Errorf("ForApply: %v", err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
