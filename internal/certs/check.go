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
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// ParseCert reads the first certificate of a PEM bundle.
func ParseCert(data []byte) (*x509.Certificate, error) {
	certs, err := ParseCerts(data)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// ParseCerts reads every certificate of a PEM bundle (a CA bundle holds the old and the new CA
// while a CA rotates).
func ParseCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return out, nil
}

// parseKey reads a PEM private key in PKCS#8, SEC 1 (EC) or PKCS#1 (RSA) form.
func parseKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM private key found")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, fmt.Errorf("unsupported private key type %T", k)
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, fmt.Errorf("unreadable private key (PEM type %q)", block.Type)
}

// keyMatches reports whether key is the private half of cert's public key.
func keyMatches(cert *x509.Certificate, key crypto.Signer) error {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return errors.New("the private key does not belong to the certificate")
	}
	return nil
}

// CheckServer says why p cannot serve names to clients trusting caBundle at now; nil when it can.
// The messages are for people: they name the missing name, the expiry, the wrong key.
func CheckServer(p Pair, caBundle []byte, names []string, now time.Time) error {
	if _, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM); err != nil {
		return fmt.Errorf("certificate and key: %w", err)
	}
	cert, err := ParseCert(p.CertPEM)
	if err != nil {
		return err
	}
	switch {
	case now.After(cert.NotAfter):
		return fmt.Errorf("the certificate expired at %s", cert.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(cert.NotBefore):
		return fmt.Errorf("the certificate is valid only from %s", cert.NotBefore.UTC().Format(time.RFC3339))
	}
	for _, n := range names {
		if err := cert.VerifyHostname(n); err != nil {
			return fmt.Errorf("the certificate does not cover %q (it names %v)", n, append(cert.DNSNames, ipStrings(cert)...))
		}
	}
	return verifyChain(cert, p.CertPEM, caBundle, now)
}

// verifyChain checks that cert (with any intermediates in its PEM) chains to a CA of the bundle.
func verifyChain(cert *x509.Certificate, certPEM, caBundle []byte, now time.Time) error {
	cas, err := ParseCerts(caBundle)
	if err != nil {
		return fmt.Errorf("CA bundle: %w", err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, ca := range cas {
		roots.AddCert(ca)
	}
	if chain, err := ParseCerts(certPEM); err == nil {
		for _, c := range chain[1:] {
			inter.AddCert(c)
		}
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		return fmt.Errorf("the certificate is not signed by the cluster's CA: %w", err)
	}
	return nil
}

func ipStrings(c *x509.Certificate) []string {
	var out []string
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

// RenewAt is when a certificate is due for renewal: once two thirds of its validity have passed.
func RenewAt(c *x509.Certificate) time.Time {
	return c.NotBefore.Add(c.NotAfter.Sub(c.NotBefore) * 2 / 3)
}

// Due reports whether the PEM certificate must be renewed at now (also when it cannot be read).
func Due(certPEM []byte, now time.Time) bool {
	c, err := ParseCert(certPEM)
	return err != nil || !now.Before(RenewAt(c))
}

// Bundle joins PEM certificates into one trust bundle, each once, in order.
func Bundle(pems ...[]byte) []byte {
	var out [][]byte
	seen := map[string]bool{}
	for _, p := range pems {
		certs, err := ParseCerts(p)
		if err != nil {
			continue
		}
		for _, c := range certs {
			if seen[string(c.Raw)] {
				continue
			}
			seen[string(c.Raw)] = true
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
		}
	}
	return bytes.Join(out, nil)
}
