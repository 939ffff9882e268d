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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/certs"
)

// Keys of the TLS Secrets and the published CA ConfigMap (the kubernetes.io/tls names).
const (
	TLSKeyCert  = corev1.TLSCertKey       // tls.crt
	TLSKeyKey   = corev1.TLSPrivateKeyKey // tls.key
	TLSKeyCA    = "ca.crt"
	TLSKeyCAKey = "ca.key"
)

// CASecret is NAME-ca: the CA that signs the members' certificate. Only the operator reads it; no
// pod mounts it.
func CASecret(c *v1alpha1.MySQLCluster, ca certs.Pair) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: objectMeta(c, c.CASecretName()),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{TLSKeyCA: ca.CertPEM, TLSKeyCAKey: ca.KeyPEM},
	}
}

// TLSSecret is NAME-tls, mounted by every member: the server certificate and key, and the trusted
// CAs (the signing CA and any older one not yet expired) that verify a replica's source.
func TLSSecret(c *v1alpha1.MySQLCluster, m certs.Material) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: objectMeta(c, c.TLSSecretName()),
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{TLSKeyCert: m.Server.CertPEM, TLSKeyKey: m.Server.KeyPEM, TLSKeyCA: m.Trust},
	}
}

// CAConfigMap is NAME-ca, the trusted CAs published for applications to mount and verify the
// servers with.
func CAConfigMap(c *v1alpha1.MySQLCluster, trust []byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: objectMeta(c, c.CAConfigMapName()),
		Data:       map[string]string{TLSKeyCA: string(trust)},
	}
}

// TLSMaterial reads the material back from the two Secrets (nil when absent).
func TLSMaterial(caSecret, tlsSecret *corev1.Secret) certs.Material {
	var m certs.Material
	if caSecret != nil {
		m.CA = certs.Pair{CertPEM: caSecret.Data[TLSKeyCA], KeyPEM: caSecret.Data[TLSKeyCAKey]}
	}
	if tlsSecret != nil {
		m.Server = certs.Pair{CertPEM: tlsSecret.Data[TLSKeyCert], KeyPEM: tlsSecret.Data[TLSKeyKey]}
		m.Trust = tlsSecret.Data[TLSKeyCA]
	}
	return m
}
