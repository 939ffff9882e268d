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
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// identity writes p and bundle as the files of a TLS identity.
func identity(t *testing.T, f *Files, p Pair, bundle []byte) {
	t.Helper()
	if f.CertFile == "" {
		d := t.TempDir()
		f.CertFile, f.KeyFile, f.CAFile = filepath.Join(d, "tls.crt"), filepath.Join(d, "tls.key"), filepath.Join(d, "ca.crt")
	}
	for path, b := range map[string][]byte{f.CertFile: p.CertPEM, f.KeyFile: p.KeyPEM, f.CAFile: bundle} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	f.checked = time.Time{} // look at the files at the next handshake
	f.mu.Unlock()
}

// serve runs an HTTPS server with f's server configuration on loopback.
func serve(t *testing.T, f *Files) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		TLSConfig: f.ServerConfig(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return "https://" + ln.Addr().String()
}

// get makes one request on a new connection and returns the server's certificate.
func get(url string, tc *tls.Config) (*x509.Certificate, error) {
	var served *x509.Certificate
	verify := tc.VerifyConnection
	tc = tc.Clone()
	tc.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) > 0 {
			served = cs.PeerCertificates[0]
		}
		if verify != nil {
			return verify(cs)
		}
		return nil
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	_ = resp.Body.Close()
	return served, nil
}

func serverOf(t *testing.T, ca *Authority, at time.Time) Pair {
	t.Helper()
	p, err := ca.IssueServer([]string{"127.0.0.1"}, at, LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func clientOf(t *testing.T, ca *Authority, at time.Time) Pair {
	t.Helper()
	p, err := ca.IssueClient("ordinal", at, LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Mutual TLS from files that rotate: a client without a certificate is refused, a renewed server
// certificate and then a new CA serve the next handshake without a restart, and unreadable new
// files leave the last good identity serving.
func TestFilesServeMutualTLSThroughRotation(t *testing.T) {
	ca1 := mustCA(t, "ca 1", now, CAValidity)
	at := time.Now()
	var server, client Files
	identity(t, &server, serverOf(t, ca1, at), ca1.CertPEM)
	identity(t, &client, clientOf(t, ca1, at), ca1.CertPEM)
	url := serve(t, &server)

	first, err := get(url, client.ClientConfig("127.0.0.1"))
	if err != nil {
		t.Fatalf("a client with a certificate of the CA: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca1.Cert())
	if _, err := get(url, &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}); err == nil {
		t.Error("a client without a certificate was served")
	}
	if _, err := get(url, client.ClientConfig("mysql-0.elsewhere")); err == nil {
		t.Error("the client accepted a server certificate that does not name the server")
	}

	renewed := serverOf(t, ca1, at)
	identity(t, &server, renewed, ca1.CertPEM)
	if got, err := get(url, client.ClientConfig("127.0.0.1")); err != nil || got.SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Errorf("after renewal the server still serves its first certificate (%v)", err)
	}

	ca2 := mustCA(t, "ca 2", now, CAValidity)
	both := Bundle(ca1.CertPEM, ca2.CertPEM)
	identity(t, &client, clientOf(t, ca1, at), both)
	identity(t, &server, serverOf(t, ca2, at), both)
	if _, err := get(url, client.ClientConfig("127.0.0.1")); err != nil {
		t.Errorf("during the CA overlap (server of CA 2, client of CA 1): %v", err)
	}
	var oldClient Files
	identity(t, &oldClient, clientOf(t, ca1, at), ca1.CertPEM)
	if _, err := get(url, oldClient.ClientConfig("127.0.0.1")); err == nil {
		t.Error("a client trusting CA 1 only accepted CA 2's server certificate")
	}

	if err := os.WriteFile(server.CertFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	server.mu.Lock()
	server.checked = time.Time{}
	server.mu.Unlock()
	if _, err := get(url, client.ClientConfig("127.0.0.1")); err != nil {
		t.Errorf("unreadable new files stopped the last good identity: %v", err)
	}
}

// With the client certificate optional, a client without one completes the handshake (the
// kubelet's probes), a client of the bundle's CA is verified, and one of another CA is refused.
func TestFilesServerConfigClientOptional(t *testing.T) {
	ca := mustCA(t, "ca", now, CAValidity)
	other := mustCA(t, "other", now, CAValidity)
	at := time.Now()
	var server, client, stranger Files
	identity(t, &server, serverOf(t, ca, at), ca.CertPEM)
	identity(t, &client, clientOf(t, ca, at), ca.CertPEM)
	identity(t, &stranger, clientOf(t, other, at), ca.CertPEM)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var verified atomic.Bool
	srv := &http.Server{Handler: http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		verified.Store(len(r.TLS.VerifiedChains) > 0)
	}), TLSConfig: server.ServerConfigClientOptional(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	url := "https://" + ln.Addr().String()

	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert())
	if _, err := get(url, &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}); err != nil || verified.Load() {
		t.Errorf("a client without a certificate: %v (verified %v), want served, unverified", err, verified.Load())
	}
	if _, err := get(url, client.ClientConfig("127.0.0.1")); err != nil || !verified.Load() {
		t.Errorf("a client with a certificate of the CA: %v (verified %v), want served, verified", err, verified.Load())
	}
	if _, err := get(url, stranger.ClientConfig("127.0.0.1")); err == nil {
		t.Error("a client with a certificate of another CA was served")
	}
}
