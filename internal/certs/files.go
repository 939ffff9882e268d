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
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Files is a TLS identity kept in files, such as a mounted Secret: a certificate, its key and the
// CA bundle trusted for peers. Kubernetes replaces a mounted Secret's files at once when the Secret
// changes; Files reads them again when they changed (looked at most every recheck), so a renewed
// certificate or CA serves the next handshake without a restart, and the identity last read keeps
// serving while new files cannot be read.
type Files struct {
	CertFile, KeyFile, CAFile string

	mu      sync.Mutex
	checked time.Time
	stamp   string
	cert    *tls.Certificate
	roots   *x509.CertPool
}

// recheck bounds how often the files are looked at.
const recheck = time.Second

// current returns the identity, reading the files again when they changed.
func (f *Files) current() (*tls.Certificate, *x509.CertPool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.cert != nil && now.Sub(f.checked) < recheck {
		return f.cert, f.roots, nil
	}
	f.checked = now
	stamp, err := f.fileStamp()
	if err == nil && stamp == f.stamp && f.cert != nil {
		return f.cert, f.roots, nil
	}
	if err == nil {
		err = f.read(stamp)
	}
	if f.cert == nil {
		return nil, nil, err
	}
	return f.cert, f.roots, nil // the last good identity, if the new files are unreadable
}

func (f *Files) fileStamp() (string, error) {
	var stamp string
	for _, p := range []string{f.CertFile, f.KeyFile, f.CAFile} {
		st, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		stamp += fmt.Sprintf("%s:%d:%d;", p, st.Size(), st.ModTime().UnixNano())
	}
	return stamp, nil
}

func (f *Files) read(stamp string) error {
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		return fmt.Errorf("TLS identity: %w", err)
	}
	bundle, err := os.ReadFile(f.CAFile)
	if err != nil {
		return fmt.Errorf("TLS trust bundle: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(bundle) {
		return fmt.Errorf("TLS trust bundle %s: no certificate", f.CAFile)
	}
	f.cert, f.roots, f.stamp = &cert, roots, stamp
	return nil
}

// Check reads the files now: an error says why they cannot serve.
func (f *Files) Check() error {
	_, _, err := f.current()
	return err
}

// ServerConfig serves the current certificate and requires a client certificate signed by a CA of
// the current bundle (mutual TLS).
func (f *Files) ServerConfig() *tls.Config { return f.serverConfig(tls.RequireAndVerifyClientCert) }

// ServerConfigClientOptional serves the current certificate and verifies a client certificate
// against the current bundle when one is presented; a client without one completes the handshake
// and the handler decides. For a server whose health endpoints the kubelet probes: its HTTPS
// probes present no certificate.
func (f *Files) ServerConfigClientOptional() *tls.Config {
	return f.serverConfig(tls.VerifyClientCertIfGiven)
}

func (f *Files) serverConfig(auth tls.ClientAuthType) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			cert, roots, err := f.current()
			if err != nil {
				return nil, err
			}
			return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*cert},
				ClientCAs: roots, ClientAuth: auth}, nil
		},
	}
}

// ClientConfig presents the current certificate and verifies the server against the current
// bundle and serverName. Go verifies against a fixed pool only, so the chain is verified here, by
// VerifyConnection, with the bundle read at the handshake.
func (f *Files) ClientConfig(serverName string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: serverName,
		// Verified below against the bundle current at the handshake.
		InsecureSkipVerify: true, //nolint:gosec // VerifyConnection verifies the chain and the name.
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			cert, _, err := f.current()
			return cert, err
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			_, roots, err := f.current()
			if err != nil {
				return err
			}
			return verifyPeer(cs, roots, serverName)
		},
	}
}

// verifyPeer checks the server's chain against roots and its name, as Go's default verification.
func verifyPeer(cs tls.ConnectionState, roots *x509.CertPool, serverName string) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the server presented no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: serverName,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}
