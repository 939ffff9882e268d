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
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// memberPod is member name of testCluster, mounting the cluster's certificates when tlsOn.
func memberPod(name string, tlsOn bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Status: corev1.PodStatus{PodIP: "127.0.0.1"}}
	if tlsOn {
		p.Spec.Volumes = []corev1.Volume{{Name: desired.VolumeTLS,
			VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "mysql-tls"}}}}
	}
	return p
}

func newTestCA(t *testing.T, at time.Time) *certs.Authority {
	t.Helper()
	ca, err := certs.NewCA("mysql.ns ordinal CA", at, certs.CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// fakeAgent serves /v1/version over mutual TLS as an agent does: the members' certificate of ca
// naming host, client certificates of ca required. It answers with the client certificate's
// common name and the Basic-auth user.
func fakeAgent(t *testing.T, ca *certs.Authority, host string) string {
	t.Helper()
	pair, err := ca.IssueServer([]string{host}, time.Now(), certs.LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert())
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, _ := r.BasicAuth()
		_ = json.NewEncoder(w).Encode(agentapi.VersionInfo{Agent: r.TLS.PeerCertificates[0].Subject.CommonName + " as " + user})
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
		MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

// TestAgentClient: a member that serves TLS is called over HTTPS with the operator's client
// certificate and password, its agent verified under the member's stable name; a member without
// the certificates is called in plain HTTP; a cluster whose certificates are unknown is not
// called at all.
func TestAgentClient(t *testing.T) {
	c := testCluster(3)
	ca := newTestCA(t, time.Now())
	auth := agentAuth{cluster: "agent-client", password: "o", ca: ca.Pair, trust: ca.CertPEM}
	addr := fakeAgent(t, ca, c.PodHost(1))
	ctx := context.Background()

	agent, err := agentClient(c, memberPod("mysql-1", true), auth, 5*time.Second)
	if err != nil || agent.TLS == nil || agent.TLS.ServerName != "mysql-1.mysql.ns.svc" {
		t.Fatalf("client of a member that serves TLS: %+v, %v", agent.TLS, err)
	}
	v, err := agent.AgentVersion(ctx, addr)
	if err != nil || v.Agent != "ordinal-operator as ordinal" {
		t.Fatalf("the agent saw %q (%v), want the operator's certificate and account", v.Agent, err)
	}
	other, err := agentClient(c, memberPod("mysql-2", true), auth, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.AgentVersion(ctx, addr); err == nil || !strings.Contains(err.Error(), "mysql-2.mysql.ns.svc") {
		t.Errorf("a certificate naming mysql-1 was accepted for mysql-2: %v", err)
	}
	if plain, err := agentClient(c, memberPod("mysql-1", false), auth, 5*time.Second); err != nil || plain.TLS != nil ||
		plain.User != "ordinal" || plain.Password != "o" {
		t.Errorf("client of a member without certificates: TLS %v, %q/%q, %v; want plain HTTP as ordinal", plain.TLS, plain.User, plain.Password, err)
	}
	if _, err := agentClient(c, memberPod("mysql-1", true), agentAuth{password: "o"}, time.Second); err == nil {
		t.Error("a member that serves TLS was called without the cluster's certificates")
	}
}

// TestClientCerts: one certificate per cluster and CA, issued again once due; a CA younger than
// certs.CALead does not sign yet while a certificate of the previous CA is valid; expired ones
// are dropped.
func TestClientCerts(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ca1 := newTestCA(t, t0)
	var cc clientCerts
	get := func(cluster string, ca *certs.Authority, at time.Time) *tls.Certificate {
		t.Helper()
		cert, err := cc.get(types.UID(cluster), ca.Pair, at)
		if err != nil {
			t.Fatal(err)
		}
		return cert
	}
	first := get("a", ca1, t0)
	if first.Leaf.Subject.CommonName != operatorClientName || first.Leaf.CheckSignatureFrom(ca1.Cert()) != nil ||
		!first.Leaf.NotAfter.Equal(t0.Add(clientCertValidity)) {
		t.Fatalf("issued %s by %s until %s", first.Leaf.Subject, first.Leaf.Issuer, first.Leaf.NotAfter)
	}
	if get("a", ca1, t0.Add(time.Hour)) != first {
		t.Error("a fresh certificate was issued again")
	}
	if get("b", ca1, t0) == first {
		t.Error("two clusters share a certificate")
	}
	renewed := get("a", ca1, t0.Add(17*time.Hour))
	if renewed == first {
		t.Error("a certificate with less than a third of its life left was kept")
	}

	ca2 := newTestCA(t, t0.Add(18*time.Hour))
	if got := get("a", ca2, t0.Add(18*time.Hour+time.Minute)); got != renewed {
		t.Errorf("a CA published a minute ago signed the certificate presented (by %s)", got.Leaf.Issuer)
	}
	later := get("a", ca2, t0.Add(18*time.Hour+certs.CALead+time.Second))
	if later.Leaf.CheckSignatureFrom(ca2.Cert()) != nil {
		t.Error("once every agent trusts the new CA, the certificate is not of it")
	}
	get("a", ca2, t0.Add(17*time.Hour+clientCertValidity)) // past the expiry of everything ca1 signed
	for k := range cc.issued {
		if k.cluster == "a" && k != (clientCertKey{cluster: "a", ca: sha256.Sum256(ca2.CertPEM)}) {
			t.Errorf("an expired certificate is still cached: %+v", k)
		}
	}
}

// TestDonorTLS: the target is told whether the donor's agent serves TLS only when its own does;
// agents of a cluster with a user's certificate serve HTTP.
func TestDonorTLS(t *testing.T) {
	c := testCluster(3)
	if got := donorTLS(c, memberPod("mysql-1", false), memberPod("mysql-0", true)); got != nil {
		t.Errorf("a target without certificates (perhaps an agent of an earlier build) was told %v", *got)
	}
	if got := donorTLS(c, memberPod("mysql-1", true), memberPod("mysql-0", false)); got == nil || *got {
		t.Errorf("donor without certificates: %v, want false", got)
	}
	if got := donorTLS(c, memberPod("mysql-1", true), memberPod("mysql-0", true)); got == nil || !*got {
		t.Errorf("donor with certificates: %v, want true", got)
	}
	own := memberPod("mysql-0", false)
	own.Spec.Volumes = []corev1.Volume{{Name: desired.VolumeTLS,
		VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "users-tls"}}}}
	if agentServesTLS(c, own) || donorTLS(c, own, memberPod("mysql-1", true)) != nil {
		t.Error("a pod mounting a user's certificate runs an agent on HTTP")
	}
}

// TestAgentAuthOf: a pass uses the certificates as renewed, else as the Secrets hold them.
func TestAgentAuthOf(t *testing.T) {
	c := testCluster(3)
	w := &world{secret: &corev1.Secret{Data: map[string][]byte{v1alpha1.SecretKeyOperatorPassword: []byte("o")}}}
	w.tls.caSecret = &corev1.Secret{Data: map[string][]byte{desired.TLSKeyCA: []byte("stored CA"), desired.TLSKeyCAKey: []byte("k")}}
	w.tls.tlsSecret = &corev1.Secret{Data: map[string][]byte{desired.TLSKeyCA: []byte("stored bundle")}}
	if a := agentAuthOf(c, w); string(a.ca.CertPEM) != "stored CA" || string(a.trust) != "stored bundle" || a.password != "o" || a.cluster != c.UID {
		t.Errorf("TLS off: %+v, want the Secrets' certificates", a)
	}
	w.tls.material = certs.Material{CA: certs.Pair{CertPEM: []byte("renewed CA")}, Trust: []byte("renewed bundle")}
	if a := agentAuthOf(c, w); string(a.ca.CertPEM) != "renewed CA" || string(a.trust) != "renewed bundle" {
		t.Errorf("after a renewal: %+v, want the renewed certificates", a)
	}
}
