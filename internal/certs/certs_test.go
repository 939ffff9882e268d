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

package certs

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func mustCA(t *testing.T, name string, at time.Time, validity time.Duration) *Authority {
	t.Helper()
	ca, err := NewCA(name, at, validity)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

var memberNames = []string{"mysql-0.mysql.db.svc", "mysql-1.mysql.db.svc", "mysql-primary.db.svc", "mysql-primary", "127.0.0.1"}

func TestTheCAIsACAThatOnlySigns(t *testing.T) {
	ca := mustCA(t, "mysql.db ordinal CA", now, CAValidity)
	c := ca.Cert()
	if !c.IsCA || !c.MaxPathLenZero || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA: IsCA %v, MaxPathLenZero %v, key usage %b", c.IsCA, c.MaxPathLenZero, c.KeyUsage)
	}
	if got := c.NotAfter.Sub(now); got != CAValidity {
		t.Errorf("valid for %s, want %s", got, CAValidity)
	}
	if _, err := LoadCA(Pair{CertPEM: ca.CertPEM, KeyPEM: ca.KeyPEM}); err != nil {
		t.Errorf("the CA's own pair does not load: %v", err)
	}
	other := mustCA(t, "other", now, CAValidity)
	if _, err := LoadCA(Pair{CertPEM: ca.CertPEM, KeyPEM: other.KeyPEM}); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("a CA with another CA's key: %v", err)
	}
	leaf, _ := ca.IssueServer(memberNames, now, LeafValidity)
	if _, err := LoadCA(leaf); err == nil || !strings.Contains(err.Error(), "not a CA") {
		t.Errorf("a server certificate loaded as a CA: %v", err)
	}
}

func TestAServerCertificateCoversEveryNameAndServesAndReplicates(t *testing.T) {
	ca := mustCA(t, "ca", now, CAValidity)
	p, err := ca.IssueServer(memberNames, now, LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckServer(p, ca.CertPEM, memberNames, now); err != nil {
		t.Fatalf("the issued certificate does not serve: %v", err)
	}
	c, _ := ParseCert(p.CertPEM)
	if c.Subject.CommonName != memberNames[0] || len(c.IPAddresses) != 1 || len(c.DNSNames) != len(memberNames)-1 {
		t.Errorf("CN %q, DNS %v, IPs %v", c.Subject.CommonName, c.DNSNames, c.IPAddresses)
	}
	if len(c.ExtKeyUsage) != 2 {
		t.Errorf("ext key usage %v: a member is a TLS server and, replicating, a client", c.ExtKeyUsage)
	}
	if got := c.NotAfter.Sub(now); got != LeafValidity {
		t.Errorf("valid for %s, want %s", got, LeafValidity)
	}
}

func TestALeafNeverOutlivesItsCA(t *testing.T) {
	ca := mustCA(t, "ca", now, 30*24*time.Hour)
	p, err := ca.IssueServer(memberNames, now, LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ParseCert(p.CertPEM)
	if c.NotAfter.After(ca.Cert().NotAfter) {
		t.Errorf("leaf until %s, CA until %s", c.NotAfter, ca.Cert().NotAfter)
	}
	if _, err := ca.IssueServer(memberNames, ca.Cert().NotAfter.Add(time.Hour), LeafValidity); err == nil {
		t.Error("an expired CA issued a certificate")
	}
}

func TestWhyACertificateCannotServeIsSaidPlainly(t *testing.T) {
	ca := mustCA(t, "ca", now, CAValidity)
	good, _ := ca.IssueServer(memberNames, now, LeafValidity)
	short, _ := ca.IssueServer(memberNames[:1], now, LeafValidity)
	other := mustCA(t, "other", now, CAValidity)
	foreign, _ := other.IssueServer(memberNames, now, LeafValidity)
	for name, tc := range map[string]struct {
		p    Pair
		at   time.Time
		want string
	}{
		"a member's name is missing":   {short, now, `does not cover "mysql-1.mysql.db.svc"`},
		"expired":                      {good, now.Add(LeafValidity + time.Hour), "expired at"},
		"not yet valid":                {good, now.Add(-time.Hour), "valid only from"},
		"signed by another CA":         {foreign, now, "not signed by the cluster's CA"},
		"the key of another":           {Pair{CertPEM: good.CertPEM, KeyPEM: foreign.KeyPEM}, now, "certificate and key"},
		"no certificate in the Secret": {Pair{KeyPEM: good.KeyPEM}, now, "certificate and key"},
	} {
		err := CheckServer(tc.p, ca.CertPEM, memberNames, tc.at)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, tc.want)
		}
	}
}

func TestACertificateIsRenewedOnceTwoThirdsOfItsLifeHavePassed(t *testing.T) {
	ca := mustCA(t, "ca", now, CAValidity)
	p, _ := ca.IssueServer(memberNames, now, LeafValidity)
	c, _ := ParseCert(p.CertPEM)
	at := RenewAt(c)
	if want := c.NotBefore.Add(c.NotAfter.Sub(c.NotBefore) * 2 / 3); !at.Equal(want) {
		t.Fatalf("renew at %s, want %s", at, want)
	}
	if left := c.NotAfter.Sub(at); left < 29*24*time.Hour {
		t.Errorf("renewed only %s before expiry", left)
	}
	if Due(p.CertPEM, at.Add(-time.Minute)) || !Due(p.CertPEM, at) {
		t.Error("due too early or not at its time")
	}
	if !Due([]byte("garbage"), now) {
		t.Error("an unreadable certificate is not due for replacement")
	}
}

// While a CA rotates, clients trust both CAs: a server certificate of either verifies, in a real
// handshake, against the one bundle; a client trusting only the old CA fails against the new.
func TestDuringACARotationBothCAsAreTrusted(t *testing.T) {
	oldCA := mustCA(t, "old", now, CAValidity)
	newCA := mustCA(t, "new", now, CAValidity)
	bundle := Bundle(oldCA.CertPEM, newCA.CertPEM, oldCA.CertPEM)
	if got, _ := ParseCerts(bundle); len(got) != 2 {
		t.Fatalf("bundle holds %d certificates, want the two CAs once each", len(got))
	}
	oldLeaf, _ := oldCA.IssueServer(memberNames, time.Now(), LeafValidity)
	newLeaf, _ := newCA.IssueServer(memberNames, time.Now(), LeafValidity)
	for name, tc := range map[string]struct {
		server  Pair
		trusted []byte
		ok      bool
	}{
		"old certificate, both CAs trusted": {oldLeaf, bundle, true},
		"new certificate, both CAs trusted": {newLeaf, bundle, true},
		"new certificate, old CA alone":     {newLeaf, oldCA.CertPEM, false},
		"old certificate, new CA alone":     {oldLeaf, newCA.CertPEM, false},
	} {
		if err := handshake(t, tc.server, tc.trusted, "mysql-primary.db.svc"); (err == nil) != tc.ok {
			t.Errorf("%s: handshake error %v", name, err)
		}
	}
}

func handshake(t *testing.T, server Pair, trusted []byte, host string) error {
	t.Helper()
	cert, err := tls.X509KeyPair(server.CertPEM, server.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(trusted)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		srv := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		_ = srv.SetDeadline(time.Now().Add(5 * time.Second))
		_ = srv.Handshake()
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cli := tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12})
	_ = cli.SetDeadline(time.Now().Add(5 * time.Second))
	return cli.Handshake()
}

func TestAClientCertificateNamesItsUser(t *testing.T) {
	ca := mustCA(t, "ca", now, CAValidity)
	p, err := ca.IssueClient("ordinal", now, LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ParseCert(p.CertPEM)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert())
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("the client certificate does not verify as a client: %v", err)
	}
	if c.Subject.CommonName != "ordinal" {
		t.Errorf("CN %q", c.Subject.CommonName)
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
		t.Error("a client certificate verifies as a server")
	}
}
