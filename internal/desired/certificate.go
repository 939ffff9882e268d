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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// CertificateGVK is cert-manager's Certificate. The operator builds it as unstructured data: it
// does not link cert-manager's API, which stays optional (installed or not).
var CertificateGVK = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}

// Usages of the members' certificate: servers present it, and a member's init presents it as a
// client certificate to a donor, as with the operator's own certificate.
var certificateUsages = []any{"digital signature", "server auth", "client auth"}

// Certificate is the cert-manager Certificate that asks spec.tls.issuerRef for the members'
// server certificate: it names what the operator's own CA would (ServerNames of members ordinals),
// and cert-manager writes it, its key and its CA to the Secret the members mount
// (ServingTLSSecretName). Nil without an issuerRef.
func Certificate(c *v1alpha1.MySQLCluster, members int) *unstructured.Unstructured {
	ref := c.Spec.TLS.IssuerRef
	if ref == nil {
		return nil
	}
	names := c.ServerNames(members)
	dnsNames := make([]any, len(names))
	for i, n := range names {
		dnsNames[i] = n
	}
	kind, group := IssuerKind(ref), ref.Group
	if group == "" {
		group = CertificateGVK.Group
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"secretName":     c.ServingTLSSecretName(),
			"secretTemplate": map[string]any{"labels": stringMap(Labels(c))},
			"dnsNames":       dnsNames,
			"usages":         certificateUsages,
			"privateKey":     map[string]any{"algorithm": "ECDSA", "size": int64(256), "rotationPolicy": "Always"},
			"issuerRef":      map[string]any{"name": ref.Name, "kind": kind, "group": group},
		},
	}}
	u.SetGroupVersionKind(CertificateGVK)
	meta := objectMeta(c, c.CertManagerName())
	u.SetName(meta.Name)
	u.SetNamespace(meta.Namespace)
	u.SetLabels(meta.Labels)
	u.SetAnnotations(meta.Annotations)
	return u
}

// IssuerKind is issuerRef's kind, Issuer when left out.
func IssuerKind(ref *v1alpha1.IssuerRef) string {
	if ref.Kind == "" {
		return "Issuer"
	}
	return ref.Kind
}

// stringMap is m as unstructured data.
func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
