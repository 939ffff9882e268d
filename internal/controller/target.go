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
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"runtime"
	"sync"
	"time"
	"weak"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// memberTarget is what connecting to one member takes, copied out of a pass's objects: a pulse
// watch kept between passes holds these few values, not the cluster and its pods (at a thousand
// clusters those copies were a tenth of the operator's heap).
type memberTarget struct {
	cluster    types.UID
	name, host string
	// serverName is the member's stable DNS name its certificate names.
	serverName string
	flavor     string
	// tls: the pod mounts the cluster's certificates, so its server serves them.
	tls       bool
	tlsSecret string // for messages
	lg        login
}

func targetOf(c *v1alpha1.MySQLCluster, name string, pod *corev1.Pod, lg login) memberTarget {
	ord, _ := c.Ordinal(name)
	t := memberTarget{cluster: c.UID, name: name, serverName: c.PodHost(ord), flavor: string(c.Flavor()),
		tls: servesTLS(pod), tlsSecret: c.ServingTLSSecretName(), lg: lg}
	if pod != nil {
		t.host = pod.Status.PodIP
	}
	return t
}

func (t memberTarget) connKey() connKey {
	return newConnKey(t.cluster, t.name, t.host, t.lg, t.tls)
}

// config is the operator's connection to the member, each read and write bounded by ioTimeout,
// over verified TLS when the member serves it (tlsConfig).
func (r *ClusterReconciler) config(t memberTarget, ioTimeout time.Duration) (mysql.Config, error) {
	flavor, err := mysql.FlavorByName(t.flavor)
	if err != nil {
		return mysql.Config{}, err
	}
	tc, err := r.tlsConfig(t)
	if err != nil {
		return mysql.Config{}, err
	}
	return mysql.Config{
		Flavor: flavor, Host: t.host, Port: desired.PortMySQL,
		User: mysql.AccountOperator, Password: t.lg.password, TLS: tc,
		ConnectTimeout: connectTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
	}, nil
}

// tlsConfig is the TLS configuration of the operator's connections to a member: verified against
// the cluster's CAs under the member's stable DNS name (the pod IP is dialled; certificates name
// hosts, not addresses). Every handshake records the certificate the member presented. nil when
// the member is reached in plain.
func (r *ClusterReconciler) tlsConfig(t memberTarget) (*tls.Config, error) {
	if len(t.lg.trust) == 0 || !t.tls {
		return nil, nil
	}
	roots, ok := r.roots.pool(t.lg.trust)
	if !ok {
		return nil, fmt.Errorf("the CA bundle of Secret %s holds no certificate", t.tlsSecret)
	}
	key := servedKey{cluster: t.cluster, member: t.name}
	return &tls.Config{
		RootCAs: roots, ServerName: t.serverName, MinVersion: tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) > 0 {
				r.served.record(key, cs.PeerCertificates[0].Raw)
			}
			return nil
		},
	}, nil
}

// sharedRoots parses each distinct CA bundle once: the connections to a cluster's members share
// one pool instead of a parsed copy each (three thousand at a thousand clusters). A pool no
// connection holds any more is collected, and its entry with it.
type sharedRoots struct {
	mu    sync.Mutex
	pools map[[sha256.Size]byte]weak.Pointer[x509.CertPool]
}

// pool is the pool of the PEM bundle; false when the bundle holds no certificate.
func (s *sharedRoots) pool(bundle []byte) (*x509.CertPool, bool) {
	key := sha256.Sum256(bundle)
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pools[key].Value(); p != nil {
		return p, true
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(bundle) {
		return nil, false
	}
	if s.pools == nil {
		s.pools = map[[sha256.Size]byte]weak.Pointer[x509.CertPool]{}
	}
	s.pools[key] = weak.Make(p)
	runtime.AddCleanup(p, s.collected, key)
	return p, true
}

// collected drops the entry of a pool the garbage collector took, unless a new one replaced it.
func (s *sharedRoots) collected(key [sha256.Size]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pools[key].Value() == nil {
		delete(s.pools, key)
	}
}
