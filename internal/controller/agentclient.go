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
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// agentAuth is what the operator needs to call the agents of one cluster.
type agentAuth struct {
	cluster types.UID
	// password is the operator account's: agents check it (HTTP Basic) beside the client
	// certificate, so either alone is not enough.
	password string
	// ca is NAME-ca, which signs the operator's client certificate; trust is NAME-tls's ca.crt,
	// which the agents' server certificate chains to. Empty before the cluster has certificates.
	ca    certs.Pair
	trust []byte
}

// agentAuthOf is a pass's: the certificates as renewCertificates left them, else (TLS off) as
// the Secrets hold them, for the members that still serve TLS until they restart.
func agentAuthOf(c *v1alpha1.MySQLCluster, w *world) agentAuth {
	m := w.tls.material
	if len(m.CA.CertPEM) == 0 {
		m = desired.TLSMaterial(w.tls.caSecret, w.tls.tlsSecret)
	}
	a := agentAuth{cluster: c.UID, ca: m.CA, trust: m.Trust}
	if w.secret != nil {
		a.password = string(w.secret.Data[v1alpha1.SecretKeyOperatorPassword])
	}
	return a
}

// operatorAgent is a client of pod's agent, for callers without a pass (the backup controller):
// the credentials and, when the pod serves TLS, the certificates are read from the API server.
func operatorAgent(ctx context.Context, r client.Reader, c *v1alpha1.MySQLCluster, pod *corev1.Pod, timeout time.Duration) (agentapi.Client, error) {
	pw, err := secretKeys(ctx, r, c.Namespace, c.CredentialsSecretName(), v1alpha1.SecretKeyOperatorPassword)
	if err != nil {
		return agentapi.Client{}, err
	}
	auth := agentAuth{cluster: c.UID, password: pw[0]}
	if agentServesTLS(c, pod) {
		ca, err := secretKeys(ctx, r, c.Namespace, c.CASecretName(), desired.TLSKeyCA, desired.TLSKeyCAKey)
		if err != nil {
			return agentapi.Client{}, err
		}
		trust, err := secretKeys(ctx, r, c.Namespace, c.TLSSecretName(), desired.TLSKeyCA)
		if err != nil {
			return agentapi.Client{}, err
		}
		auth.ca, auth.trust = certs.Pair{CertPEM: []byte(ca[0]), KeyPEM: []byte(ca[1])}, []byte(trust[0])
	}
	return agentClient(c, pod, auth, timeout)
}

// agentClient is how the operator calls the agent of pod, a member of c, each call bounded by
// timeout, always as the operator's account. A pod that mounts the cluster's certificates runs
// an agent that serves mutual TLS: the call goes over HTTPS, presents the operator's client
// certificate and verifies the agent's. Any other pod (TLS off, or started before TLS was turned
// on) is called in plain HTTP.
func agentClient(c *v1alpha1.MySQLCluster, pod *corev1.Pod, auth agentAuth, timeout time.Duration) (agentapi.Client, error) {
	ac := agentapi.Client{HTTP: &http.Client{Timeout: timeout}, User: mysql.AccountOperator, Password: auth.password}
	if !agentServesTLS(c, pod) {
		return ac, nil
	}
	tc, err := agentTLS(c, pod, auth, time.Now())
	if err != nil {
		return agentapi.Client{}, fmt.Errorf("call the agent of %s: %w", pod.Name, err)
	}
	ac.TLS = tc
	return ac, nil
}

// agentAddr is host:port of a pod's agent: its IP, so a call needs no name resolution.
func agentAddr(p *corev1.Pod) string {
	return net.JoinHostPort(p.Status.PodIP, strconv.Itoa(desired.PortAgent))
}

// agentTLS verifies the agent against the cluster's bundle under the member's stable name (the
// pod IP is dialled; the certificate names hosts, not addresses) and presents the operator's
// client certificate.
func agentTLS(c *v1alpha1.MySQLCluster, pod *corev1.Pod, auth agentAuth, now time.Time) (*tls.Config, error) {
	if len(auth.ca.CertPEM) == 0 || len(auth.trust) == 0 {
		if !c.OperatorIssuesTLS() {
			// The agents trust client certificates of the user's (or cert-manager's) CA only,
			// whose key the operator does not hold.
			return nil, fmt.Errorf("it serves the certificate of Secret %s (spec.tls.secretName or issuerRef), and the operator has no client certificate its agent trusts: not supported yet",
				c.ServingTLSSecretName())
		}
		return nil, fmt.Errorf("it serves TLS and the operator has no certificates of %s yet (Secrets %s, %s)",
			c.Name, c.CASecretName(), c.TLSSecretName())
	}
	ord, ok := c.Ordinal(pod.Name)
	if !ok {
		return nil, fmt.Errorf("%s is not a member of %s", pod.Name, c.Name)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(auth.trust) {
		return nil, fmt.Errorf("the CA bundle of Secret %s holds no certificate", c.TLSSecretName())
	}
	cert, err := operatorCerts.get(auth.cluster, auth.ca, now)
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots, ServerName: c.PodHost(ord),
		// Presented whatever CA names the agent sends: all of a cluster's CAs have one name, and
		// the agent's verification says more than an empty certificate would.
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil },
	}, nil
}

// The operator's client certificate: its common name, and how long one is used. It lives in
// memory only, so it is short-lived and issued again freely (an operator restart issues anew).
const (
	operatorClientName = "ordinal-operator"
	clientCertValidity = 24 * time.Hour
	// clientCertRenewBefore: a certificate is replaced once less than this is left (two thirds
	// of its life have passed, as for every certificate the operator issues).
	clientCertRenewBefore = clientCertValidity / 3
)

// operatorCerts are the client certificates the operator presents to agents, one per cluster
// and CA, shared by the reconcilers of this process.
var operatorCerts clientCerts

// clientCerts caches the operator's client certificates by cluster and signing CA.
type clientCerts struct {
	mu     sync.Mutex
	issued map[clientCertKey]*tls.Certificate
}

type clientCertKey struct {
	cluster types.UID
	ca      [sha256.Size]byte // of the CA certificate's PEM
}

// get returns a client certificate of cluster signed by ca, issuing one when none is cached or
// the cached one is due. A CA younger than certs.CALead may be missing from the bundle an agent
// has mounted (the kubelet refreshes it within about a minute): a still valid certificate of the
// cluster's previous CA is presented until then, as the members' server certificate waits too.
func (cc *clientCerts) get(cluster types.UID, ca certs.Pair, now time.Time) (*tls.Certificate, error) {
	key := clientCertKey{cluster: cluster, ca: sha256.Sum256(ca.CertPEM)}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.sweep(now)
	if cert := cc.issued[key]; cert != nil && cert.Leaf.NotAfter.Sub(now) > clientCertRenewBefore {
		return cert, nil
	}
	authority, err := certs.LoadCA(ca)
	if err != nil {
		return nil, fmt.Errorf("the operator's client certificate: %w", err)
	}
	if now.Before(certs.TrustedFrom(authority.Cert())) {
		if prev := cc.previous(key, now); prev != nil {
			return prev, nil
		}
	}
	pair, err := authority.IssueClient(operatorClientName, now, clientCertValidity)
	if err != nil {
		return nil, fmt.Errorf("the operator's client certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err == nil && cert.Leaf == nil {
		cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0])
	}
	if err != nil {
		return nil, fmt.Errorf("the operator's client certificate: %w", err)
	}
	if cc.issued == nil {
		cc.issued = map[clientCertKey]*tls.Certificate{}
	}
	cc.issued[key] = &cert
	return &cert, nil
}

// previous is the longest-lived valid certificate of key's cluster signed by another CA.
func (cc *clientCerts) previous(key clientCertKey, now time.Time) *tls.Certificate {
	var best *tls.Certificate
	for k, cert := range cc.issued {
		if k.cluster == key.cluster && k != key && now.Before(cert.Leaf.NotAfter) &&
			(best == nil || cert.Leaf.NotAfter.After(best.Leaf.NotAfter)) {
			best = cert
		}
	}
	return best
}

// sweep drops expired certificates: those of deleted clusters and of replaced CAs go within a
// day, with no hook into a cluster's deletion.
func (cc *clientCerts) sweep(now time.Time) {
	for k, cert := range cc.issued {
		if !now.Before(cert.Leaf.NotAfter) {
			delete(cc.issued, k)
		}
	}
}
