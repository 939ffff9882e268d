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

// Renew brings m up to date at now, for a server certificate covering names. The CA is created when
// there is none or it cannot sign, and replaced once due; the CA it replaces stays trusted until it
// expires, so clients holding the old bundle keep working while the new one reaches them. The
// server certificate is issued again when it is missing, due, lacks a name or was not signed by the
// signing CA. CAs that expired leave the trust bundle. caName is the common name of a new CA.
func Renew(m Material, names []string, now time.Time, caName string) (Renewal, error) {
	var r Renewal
	ca, created, err := signingCA(m.CA, now, caName)
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
	if why := serverProblem(m.Server, ca, names, now); why != "" {
		p, err := ca.IssueServer(names, now, LeafValidity)
		if err != nil {
			return Renewal{}, err
		}
		r.Material.Server = p
		r.Changes = append(r.Changes, "issued the server certificate: "+why)
	}
	return r, nil
}

// signingCA loads the stored CA p, or creates one when it is missing, unusable or due; created
// says why it was created ("" when p is kept).
func signingCA(p Pair, now time.Time, name string) (ca *Authority, created string, err error) {
	created = "there was none"
	if len(p.CertPEM) > 0 {
		ca, err := LoadCA(p)
		switch {
		case err != nil:
			created = "the stored one is unusable: " + err.Error()
		case Due(p.CertPEM, now):
			created = "the previous one expires at " + ca.cert.NotAfter.UTC().Format(time.RFC3339) + " and stays trusted until then"
		default:
			return ca, "", nil
		}
	}
	ca, err = NewCA(name, now, CAValidity)
	if err != nil {
		return nil, "", fmt.Errorf("create the CA: %w", err)
	}
	return ca, created, nil
}

// serverProblem says why p must be issued again; "" when it serves.
func serverProblem(p Pair, ca *Authority, names []string, now time.Time) string {
	if len(p.CertPEM) == 0 {
		return "there was none"
	}
	if err := CheckServer(p, ca.CertPEM, names, now); err != nil {
		return err.Error()
	}
	if Due(p.CertPEM, now) {
		c, _ := ParseCert(p.CertPEM)
		return "it expires at " + c.NotAfter.UTC().Format(time.RFC3339)
	}
	return ""
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
