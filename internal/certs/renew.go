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
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"
)

// Material is a cluster's TLS material as stored: the CA that signs, the CA certificates clients
// trust, and the members' server certificate. Empty fields mean none yet.
type Material struct {
	CA     Pair
	Trust  []byte
	Server Pair
}

// Renewal is what Renew made of a Material, and why.
type Renewal struct {
	Material Material
	// Changes says, for people (events), what was issued or dropped; empty when nothing was due.
	Changes []string
}

// Request is what a cluster's certificates must be.
type Request struct {
	// Names are the server certificate's (DNS names or IP addresses).
	Names []string
	// CAName is the common name of a new CA.
	CAName string
	// RotateBefore asks for a rotation now: the CA and server certificate issued before it are
	// replaced (the replaced CA stays trusted). Zero for none.
	RotateBefore time.Time
}

// CALead is how long a new CA is in the trust bundle before it signs the certificate the servers
// present: clients that read the published bundle (a mounted ConfigMap, refreshed by the kubelet
// within about a minute) trust it by the time they meet it.
const CALead = 90 * time.Second

// Renew brings m up to date at now. The CA is created when there is none, it cannot sign, it is due
// or a rotation was asked for; the CA it replaces stays trusted until it expires, so clients holding
// the old bundle keep working while the new one reaches them. The server certificate is issued again
// at once when it is missing, cannot serve (expired, a name missing, not chained to the bundle) or
// is due; when it is merely the previous CA's, or older than a rotation asked for, it is replaced
// once the signing CA has been trusted for CALead. CAs that expired leave the trust bundle.
func Renew(m Material, req Request, now time.Time) (Renewal, error) {
	var r Renewal
	ca, created, err := signingCA(m.CA, req, now)
	if err != nil {
		return Renewal{}, err
	}
	r.Material.CA = ca.Pair
	r.Material.Trust = Bundle(ca.CertPEM, unexpired(m.Trust, now))
	switch {
	case created != "":
		r.Changes = append(r.Changes, "created a CA: "+created)
	case !bytes.Equal(r.Material.Trust, m.Trust):
		r.Changes = append(r.Changes, "updated the trust bundle: the signing CA, and no expired one")
	}
	r.Material.Server = m.Server
	if why := serverProblem(m.Server, ca, r.Material.Trust, req, now); why != "" {
		p, err := ca.IssueServer(req.Names, now, LeafValidity)
		if err != nil {
			return Renewal{}, err
		}
		r.Material.Server = p
		r.Changes = append(r.Changes, "issued the server certificate: "+why)
	}
	return r, nil
}

// signingCA loads the stored CA p, or creates one when it is missing, unusable, due or older than
// a rotation asked for; created says why it was created ("" when p is kept).
func signingCA(p Pair, req Request, now time.Time) (ca *Authority, created string, err error) {
	created = "there was none"
	if len(p.CertPEM) > 0 {
		ca, err := LoadCA(p)
		switch {
		case err != nil:
			created = "the stored one is unusable: " + err.Error()
		case Due(p.CertPEM, now):
			created = "the previous one expires at " + ca.cert.NotAfter.UTC().Format(time.RFC3339) + " and stays trusted until then"
		case issuedBefore(ca.cert, req.RotateBefore):
			created = "a rotation was asked for; the previous one stays trusted until it expires at " + ca.cert.NotAfter.UTC().Format(time.RFC3339)
		default:
			return ca, "", nil
		}
	}
	ca, err = NewCA(req.CAName, now, CAValidity)
	if err != nil {
		return nil, "", fmt.Errorf("create the CA: %w", err)
	}
	return ca, created, nil
}

// serverProblem says why p must be issued again now; "" when it serves for the time being.
func serverProblem(p Pair, ca *Authority, trust []byte, req Request, now time.Time) string {
	if len(p.CertPEM) == 0 {
		return "there was none"
	}
	if err := CheckServer(p, trust, req.Names, now); err != nil {
		return err.Error()
	}
	c, _ := ParseCert(p.CertPEM)
	if Due(p.CertPEM, now) {
		return "it expires at " + c.NotAfter.UTC().Format(time.RFC3339)
	}
	if now.Before(issuedAt(ca.cert).Add(CALead)) {
		return "" // the signing CA is too new to be met yet
	}
	if c.CheckSignatureFrom(ca.cert) != nil {
		return "the new CA signs it from now on"
	}
	if issuedBefore(c, req.RotateBefore) {
		return "a rotation was asked for"
	}
	return ""
}

// NextChange is the earliest time after now at which Renew would change m (a renewal falls due, a
// new CA's lead ends, a trusted CA expires): when to look again.
func NextChange(m Material, now time.Time) time.Time {
	next := time.Time{}
	earliest := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	ca, caErr := ParseCert(m.CA.CertPEM)
	if caErr == nil {
		earliest(RenewAt(ca))
		earliest(issuedAt(ca).Add(CALead))
	}
	if c, err := ParseCert(m.Server.CertPEM); err == nil {
		earliest(RenewAt(c))
	}
	if trusted, err := ParseCerts(m.Trust); err == nil {
		for _, c := range trusted {
			earliest(c.NotAfter.Add(time.Second))
		}
	}
	return next
}

// issuedAt is when the operator issued c (its NotBefore is backdated).
func issuedAt(c *x509.Certificate) time.Time { return c.NotBefore.Add(backdate) }

// issuedBefore reports whether c was issued before t; never for a zero t.
func issuedBefore(c *x509.Certificate, t time.Time) bool {
	return !t.IsZero() && issuedAt(c).Before(t)
}

// unexpired keeps the certificates of bundle still valid at now.
func unexpired(bundle []byte, now time.Time) []byte {
	certs, err := ParseCerts(bundle)
	if err != nil {
		return nil
	}
	var out []byte
	for _, c := range certs {
		if !now.After(c.NotAfter) {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
	}
	return out
}
