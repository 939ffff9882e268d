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
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Validity of what the operator issues. Each is renewed once two thirds of it have passed (see
// RenewAt), so a server certificate is replaced a month before it expires, and a CA four months
// before, leaving that long for every client to trust the new CA alongside the old one.
const (
	CAValidity   = 365 * 24 * time.Hour
	LeafValidity = 90 * 24 * time.Hour
	// backdate covers clocks a little behind the operator's.
	backdate = 5 * time.Minute
)

// TrustedFrom is when every holder of the published trust bundle trusts ca: CALead after it was
// issued. A certificate ca signs before then may meet a peer that does not trust it yet.
func TrustedFrom(ca *x509.Certificate) time.Time { return issuedAt(ca).Add(CALead) }

// Pair is a certificate and its private key, PEM-encoded.
type Pair struct {
	CertPEM []byte
	KeyPEM  []byte
}

// Authority is a CA able to sign.
type Authority struct {
	Pair
	cert *x509.Certificate
	key  crypto.Signer
}

// Cert is the CA's certificate.
func (a *Authority) Cert() *x509.Certificate { return a.cert }

// NewCA creates a self-signed CA named commonName, valid from now for validity.
func NewCA(commonName string, now time.Time, validity time.Duration) (*Authority, error) {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName},
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	p, err := sign(tmpl, nil, key, key, now, validity)
	if err != nil {
		return nil, err
	}
	return LoadCA(p)
}

// LoadCA reads a CA pair (the operator's, or one a user brings).
func LoadCA(p Pair) (*Authority, error) {
	cert, err := ParseCert(p.CertPEM)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("CA certificate: not a CA (basic constraints)")
	}
	key, err := parseKey(p.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	if err := keyMatches(cert, key); err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	return &Authority{Pair: p, cert: cert, key: key}, nil
}

// IssueServer signs a server certificate for names (DNS names or IP addresses); the first name is
// also its common name. It serves TLS and, for replication, authenticates as a client too.
func (a *Authority) IssueServer(names []string, now time.Time, validity time.Duration) (Pair, error) {
	if len(names) == 0 {
		return Pair{}, errors.New("a server certificate needs at least one name")
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: names[0]},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	return a.issue(tmpl, now, validity)
}

// IssueClient signs a client certificate whose common name is the user it authenticates.
func (a *Authority) IssueClient(user string, now time.Time, validity time.Duration) (Pair, error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: user},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return a.issue(tmpl, now, validity)
}

func (a *Authority) issue(tmpl *x509.Certificate, now time.Time, validity time.Duration) (Pair, error) {
	key, err := newKey()
	if err != nil {
		return Pair{}, err
	}
	// A leaf never outlives its CA: clients would stop trusting it before it is renewed.
	validity = min(validity, a.cert.NotAfter.Sub(now))
	return sign(tmpl, a.cert, a.key, key, now, validity)
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return key, nil
}

// sign fills in what every certificate has (serial, validity, key id) and signs tmpl with
// parentKey (self-signed when parent is nil).
func sign(tmpl, parent *x509.Certificate, parentKey crypto.Signer, key *ecdsa.PrivateKey, now time.Time, validity time.Duration) (Pair, error) {
	if validity <= 0 {
		return Pair{}, fmt.Errorf("validity %s: nothing left to issue", validity)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return Pair{}, fmt.Errorf("serial: %w", err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-backdate), now.Add(validity)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return Pair{}, fmt.Errorf("sign %q: %w", tmpl.Subject.CommonName, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Pair{}, fmt.Errorf("encode key: %w", err)
	}
	return Pair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}
