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

package instance

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/certs"
)

// testPKI is a cluster's CA, the members' certificate in a pod's TLSDir, and a CA of elsewhere.
type testPKI struct {
	ca, other *certs.Authority
	dir       string
	names     []string // the members' certificate's
}

// newTestPKI issues the members' certificate for the loopback address the agents listen on, a
// member's stable name, and names.
func newTestPKI(t *testing.T, names ...string) *testPKI {
	t.Helper()
	p := &testPKI{ca: testCA(t, "db.ns ordinal CA"), other: testCA(t, "elsewhere"), dir: t.TempDir(),
		names: append([]string{"127.0.0.1", "db-0.db.ns.svc"}, names...)}
	p.write(t, p.issueServer(t, p.ca), p.ca.CertPEM)
	return p
}

func testCA(t *testing.T, name string) *certs.Authority {
	t.Helper()
	ca, err := certs.NewCA(name, time.Now(), certs.CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func (p *testPKI) issueServer(t *testing.T, ca *certs.Authority) certs.Pair {
	t.Helper()
	pair, err := ca.IssueServer(p.names, time.Now(), certs.LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

// write replaces the pod's files, as the kubelet does when the Secret changes.
func (p *testPKI) write(t *testing.T, server certs.Pair, bundle []byte) {
	t.Helper()
	for name, b := range map[string][]byte{tlsCertName: server.CertPEM, tlsKeyName: server.KeyPEM, tlsCAName: bundle} {
		if err := os.WriteFile(filepath.Join(p.dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// client is a TLS client presenting a certificate of ca named cn (none when ca is nil) and
// verifying the agent against roots under 127.0.0.1.
func (p *testPKI) client(t *testing.T, ca *certs.Authority, cn string, roots ...*certs.Authority) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r.Cert())
	}
	tc := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if ca != nil {
		pair, err := ca.IssueClient(cn, time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		// Presented whatever CAs the agent names: Go's own choice would send none of another CA.
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	}
	return tc
}

// tlsAgent is a test agent whose pod mounts pki's files, served over HTTPS on loopback.
func tlsAgent(t *testing.T, pki *testPKI) (*Agent, string) {
	t.Helper()
	a := testAgent(t, "mariadb")
	a.Paths.TLSDir = pki.dir
	a.tls = a.Paths.tlsFiles()
	if a.tls == nil || a.checkTLS() != nil {
		t.Fatalf("the agent does not find the certificates in %s", pki.dir)
	}
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.TLS = a.TLSConfig()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return a, strings.TrimPrefix(srv.URL, "https://")
}

// request makes one call on a new connection over tc (nil: plain HTTP) and returns the status.
func request(addr string, tc *tls.Config, method, path, user, password, body string) (int, string, error) {
	scheme := "https://"
	if tc == nil {
		scheme = "http://"
	}
	req, err := http.NewRequest(method, scheme+addr+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

const seedBody = `{"donor":"db-0.db.ns.svc:8080"}`

// TestAgentRefusesWithoutClientCert: with the certificates mounted, the probes answer a client
// without a certificate, every call of the API refuses it even with the right password, plain
// HTTP is refused, and a certificate of another CA fails the handshake.
func TestAgentRefusesWithoutClientCert(t *testing.T) {
	pki := newTestPKI(t)
	a, addr := tlsAgent(t, pki)
	anonymous := pki.client(t, nil, "", pki.ca)
	if code, body, err := request(addr, anonymous, "GET", "/livez", "", "", ""); err != nil || code != http.StatusOK {
		t.Errorf("GET /livez without a client certificate = %d %q %v, want 200", code, body, err)
	}
	// No server runs here: readiness answers 503, past the handshake and without credentials.
	if code, body, err := request(addr, anonymous, "GET", "/readyz", "", "", ""); err != nil || code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz without a client certificate = %d %q %v, want 503 from the handler", code, body, err)
	}
	for _, c := range []struct{ method, path, user, password string }{
		{"POST", "/v1/seed", "ordinal", "o"}, {"POST", "/seed", "ordinal", "o"}, {"GET", "/v1/backup", "repl", "p"},
		{"GET", "/v1/quarantine", "ordinal", "o"}, {"PUT", "/v1/archive", "ordinal", "o"},
		{"POST", "/v1/store-backups", "ordinal", "o"}, {"GET", "/v1/store-backups", "ordinal", "o"},
		{"GET", "/v1/version", "", ""},
	} {
		code, body, err := request(addr, anonymous, c.method, c.path, c.user, c.password, seedBody)
		if err != nil || code != http.StatusForbidden {
			t.Errorf("%s %s with the password, without a client certificate = %d %q %v, want 403", c.method, c.path, code, body, err)
		}
	}
	// Go's TLS server answers a plain HTTP request with 400 "Client sent an HTTP request to an HTTPS server".
	if code, body, err := request(addr, nil, "POST", "/v1/seed", "ordinal", "o", seedBody); err != nil || code != http.StatusBadRequest {
		t.Errorf("POST /v1/seed in plain HTTP = %d %q %v, want 400", code, body, err)
	}
	if _, _, err := request(addr, pki.client(t, pki.other, "ordinal-operator", pki.ca), "POST", "/v1/seed", "ordinal", "o", seedBody); err == nil {
		t.Error("a client certificate of another CA passed the handshake")
	}
	if _, ok, _ := readMarker(a.Paths.SeedMarker()); ok {
		t.Fatal("a refused request wrote the seed marker")
	}
}

// TestAgentAdmitsClusterCerts: the operator's certificate and the members' are admitted, with the
// credentials still checked; the seed request's donorTLS reaches the marker.
func TestAgentAdmitsClusterCerts(t *testing.T) {
	pki := newTestPKI(t)
	a, addr := tlsAgent(t, pki)
	operator := agentapi.Client{User: "ordinal", Password: "o", TLS: pki.client(t, pki.ca, "ordinal-operator", pki.ca)}
	if err := (agentapi.Client{User: "ordinal", Password: "wrong", TLS: operator.TLS}).RequestSeed(context.Background(), addr,
		agentapi.SeedRequest{Donor: "db-0.db.ns.svc:8080"}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("the operator's certificate with a wrong password: %v, want 401", err)
	}
	yes := true
	if err := operator.RequestSeed(context.Background(), addr, agentapi.SeedRequest{Donor: "db-0.db.ns.svc:8080", DonorTLS: &yes}); err != nil {
		t.Fatalf("the operator's certificate and password: %v", err)
	}
	if m, ok, err := readMarker(a.Paths.SeedMarker()); !ok || err != nil || m.DonorTLS == nil || !*m.DonorTLS {
		t.Errorf("marker after the operator's seed request: %+v %v %v, want donorTLS true", m, ok, err)
	}
	member := (&certs.Files{CertFile: filepath.Join(pki.dir, tlsCertName), KeyFile: filepath.Join(pki.dir, tlsKeyName),
		CAFile: filepath.Join(pki.dir, tlsCAName)}).ClientConfig("127.0.0.1")
	// A peer's init fetching a backup: past both checks, the agent finds no server to back up.
	if code, body, err := request(addr, member, "GET", "/v1/backup", "repl", "p", ""); err != nil || code != http.StatusServiceUnavailable {
		t.Errorf("GET /v1/backup with the members' certificate = %d %q %v, want 503 (no server here)", code, body, err)
	}
}

// TestAgentTLSFollowsRenewedFiles: the agent serves the files as the kubelet last wrote them,
// without a restart: after a CA rotation completes (the new CA alone in the bundle) it presents
// the new server certificate, admits clients of the new CA and refuses those of the old one.
func TestAgentTLSFollowsRenewedFiles(t *testing.T) {
	pki := newTestPKI(t)
	_, addr := tlsAgent(t, pki)
	oldOperator := pki.client(t, pki.ca, "ordinal-operator", pki.ca)
	if code, body, err := request(addr, oldOperator, "GET", "/v1/version", "", "", ""); err != nil || code != http.StatusOK {
		t.Fatalf("before the renewal: %d %q %v", code, body, err)
	}
	next := testCA(t, "db.ns ordinal CA")
	pki.write(t, pki.issueServer(t, next), next.CertPEM)
	newOperator := pki.client(t, next, "ordinal-operator", next)
	deadline := time.Now().Add(5 * time.Second) // the files are looked at again at most every second
	for {
		code, _, err := request(addr, newOperator, "GET", "/v1/version", "", "", "")
		if err == nil && code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent does not serve the renewed files: %d %v", code, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, _, err := request(addr, oldOperator, "GET", "/v1/version", "", "", ""); err == nil {
		t.Error("after the old CA left the bundle, its client (trusting it alone) still completed a call")
	}
	stale := pki.client(t, pki.ca, "ordinal-operator", next) // trusts the new CA, presents the old one's
	if _, _, err := request(addr, stale, "GET", "/v1/version", "", "", ""); err == nil {
		t.Error("a client certificate of a CA that left the bundle was admitted")
	}
}

// TestAgentPlainWithoutCertificates: a pod without the certificates (TLS off) serves plain
// HTTP as before, with the credentials alone.
func TestAgentPlainWithoutCertificates(t *testing.T) {
	a := testAgent(t, "mariadb")
	a.Paths.TLSDir = t.TempDir() // mounted nothing
	if a.Paths.tlsFiles() != nil || a.TLSConfig() != nil || a.checkTLS() != nil {
		t.Fatal("an empty TLS directory turned TLS on")
	}
	if code, body := call(a, "POST", "/v1/seed", "ordinal", "o", seedBody); code != http.StatusOK {
		t.Errorf("plain POST /v1/seed with the password = %d %s", code, body)
	}
}

// donorSaw is what a fake donor saw of init's request for its backup.
type donorSaw struct {
	verified bool // a client certificate the handshake verified
	user     string
}

// fakeBackupDonor answers GET /v1/backup with 200 and records the request; over mutual TLS with
// the members' certificate of pki when secure, else in plain HTTP.
func fakeBackupDonor(t *testing.T, pki *testPKI, secure bool) (string, chan donorSaw) {
	t.Helper()
	saw := make(chan donorSaw, 4)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, _ := r.BasicAuth()
		saw <- donorSaw{verified: r.TLS != nil && len(r.TLS.VerifiedChains) > 0, user: user}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if !secure {
		srv.Start()
		t.Cleanup(srv.Close)
		return strings.TrimPrefix(srv.URL, "http://"), saw
	}
	srv.TLS = (&certs.Files{CertFile: filepath.Join(pki.dir, tlsCertName), KeyFile: filepath.Join(pki.dir, tlsKeyName),
		CAFile: filepath.Join(pki.dir, tlsCAName)}).ServerConfig()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://"), saw
}

// TestFetchBackupTLS: init fetches the donor's backup over mutual TLS with the members'
// certificate when the request says the donor serves TLS and the pod has the certificates, in
// plain HTTP when it says the donor does not or the pod has none, and, when the request did not
// say, over TLS unless the donor answers in plain HTTP. The donor's name is verified.
func TestFetchBackupTLS(t *testing.T) {
	pki := newTestPKI(t)
	yes, no := true, false
	for _, c := range []struct {
		name        string
		podHasFiles bool
		donorTLS    *bool
		donorSecure bool
		wantTLS     bool
	}{
		{"the donor serves TLS", true, &yes, true, true},
		{"the donor does not serve TLS yet", true, &no, false, false},
		{"unsaid, the donor serves TLS", true, nil, true, true},
		{"unsaid, the donor answers in plain HTTP", true, nil, false, false},
		{"this pod has no certificates", false, &yes, false, false},
	} {
		in := testInit(t, "mariadb")
		if c.podHasFiles {
			in.Paths.TLSDir = pki.dir
		}
		donor, saw := fakeBackupDonor(t, pki, c.donorSecure)
		resp, err := in.fetchBackup(context.Background(), SeedMarker{Donor: donor, DonorTLS: c.donorTLS})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		_ = resp.Body.Close()
		if got := <-saw; got.verified != c.wantTLS || got.user != "repl" {
			t.Errorf("%s: the donor saw %+v, want a verified client certificate %v, as repl", c.name, got, c.wantTLS)
		}
	}
	in := testInit(t, "mariadb")
	in.Paths.TLSDir = pki.dir
	donor, _ := fakeBackupDonor(t, pki, true)
	misnamed := strings.Replace(donor, "127.0.0.1", "localhost", 1) // the certificate does not name it
	if _, err := in.fetchBackup(context.Background(), SeedMarker{Donor: misnamed, DonorTLS: &yes}); err == nil {
		t.Error("init accepted a donor whose certificate does not name the host it asked for")
	}
}

// TestServeOverTLS: the agent's listener (as AgentMain runs it) serves HTTPS with the pod's
// certificates and shuts down cleanly.
func TestServeOverTLS(t *testing.T) {
	pki := newTestPKI(t)
	a := testAgent(t, "mariadb")
	a.Paths.TLSDir = pki.dir
	a.tls = a.Paths.tlsFiles()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, addr, a.Handler(), a.TLSConfig(), discardLog()) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _, err := request(addr, pki.client(t, nil, "", pki.ca), "GET", "/livez", "", "", "")
		if err == nil && code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /livez over HTTPS: %d %v", code, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}
