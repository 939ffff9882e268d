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

package controller

import (
	"crypto/sha256"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// login is how the operator authenticates to a cluster's members in one pass: the operator
// account's password and, once the cluster has certificates, the CAs that verify the members.
type login struct {
	password string
	// trust is the PEM bundle of NAME-tls; nil before the cluster has one. It is kept while TLS is
	// turned off, for the members that still serve TLS until they restart.
	trust []byte
}

// loginOf is the pass's login: the credentials Secret's operator password and the TLS Secret's CAs.
func loginOf(w *world) login {
	lg := login{}
	if w.secret != nil {
		lg.password = string(w.secret.Data[v1alpha1.SecretKeyOperatorPassword])
	}
	if w.tls.tlsSecret != nil {
		lg.trust = w.tls.tlsSecret.Data[desired.TLSKeyCA]
	}
	return lg
}

// servesTLS reports whether the pod mounts the cluster's certificates: its server was started
// with them (the mount and the rendered ssl_* settings come with the same pod template).
func servesTLS(pod *corev1.Pod) bool {
	_, ok := mountedCertificates(pod)
	return ok
}

// agentServesTLS reports whether pod's agent serves mutual TLS: the pod mounts the operator's
// certificates (NAME-tls; with a user's Secret the agent stays on HTTP, see AgentTLS).
func agentServesTLS(c *v1alpha1.MySQLCluster, pod *corev1.Pod) bool {
	secret, ok := mountedCertificates(pod)
	return ok && secret == c.TLSSecretName()
}

// mountedCertificates is the Secret the pod mounts as its certificates, if any.
func mountedCertificates(pod *corev1.Pod) (string, bool) {
	if pod == nil {
		return "", false
	}
	for _, v := range pod.Spec.Volumes {
		if v.Name == desired.VolumeTLS && v.Secret != nil {
			return v.Secret.SecretName, true
		}
	}
	return "", false
}

// servedCerts remembers, per member, the certificate it presented at the operator's last
// handshake: the pools' dials tell for free whether a member serves the current certificate, and
// only a member that does not is asked to reload.
type servedCerts struct {
	mu   sync.Mutex
	seen map[servedKey][sha256.Size]byte
}

type servedKey struct {
	cluster types.UID
	member  string
}

func (s *servedCerts) record(key servedKey, der []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[servedKey][sha256.Size]byte{}
	}
	s.seen[key] = sha256.Sum256(der)
}

// serves reports whether the member's last handshake presented der; known is false when the
// operator has not met it over TLS yet.
func (s *servedCerts) serves(key servedKey, der []byte) (same, known bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	got, known := s.seen[key]
	return known && got == sha256.Sum256(der), known
}

// forget drops a deleted cluster's records.
func (s *servedCerts) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.seen {
		if k.cluster == uid {
			delete(s.seen, k)
		}
	}
}
