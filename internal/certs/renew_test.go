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
	"strings"
	"testing"
	"time"
)

func renew(t *testing.T, m Material, names []string, at time.Time) Renewal {
	t.Helper()
	return renewReq(t, m, Request{Names: names, CAName: "mysql.db ordinal CA"}, at)
}

func renewReq(t *testing.T, m Material, req Request, at time.Time) Renewal {
	t.Helper()
	r, err := Renew(m, req, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckServer(r.Material.Server, r.Material.Trust, req.Names, at); err != nil {
		t.Fatalf("after Renew the server certificate does not serve: %v", err)
	}
	return r
}

func changed(r Renewal, want string) bool {
	for _, c := range r.Changes {
		if strings.Contains(c, want) {
			return true
		}
	}
	return false
}

// The rotation schedule, from nothing to a CA's replacement and the old CA leaving the bundle.
func TestRenewIssuesRotatesAndKeepsTheOldCATrustedUntilItExpires(t *testing.T) {
	first := renew(t, Material{}, memberNames, now)
	if !changed(first, "created a CA: there was none") || !changed(first, "issued the server certificate: there was none") {
		t.Fatalf("from nothing: %q", first.Changes)
	}
	m := first.Material

	same := renew(t, m, memberNames, now.Add(30*24*time.Hour))
	if len(same.Changes) != 0 || !bytes.Equal(same.Material.Server.CertPEM, m.Server.CertPEM) || !bytes.Equal(same.Material.Trust, m.Trust) {
		t.Errorf("a month later nothing is due, yet: %q", same.Changes)
	}

	leafDue := now.Add(LeafValidity * 2 / 3)
	r := renew(t, m, memberNames, leafDue)
	if !changed(r, "issued the server certificate: it expires at") || bytes.Equal(r.Material.Server.CertPEM, m.Server.CertPEM) ||
		!bytes.Equal(r.Material.CA.CertPEM, m.CA.CertPEM) {
		t.Errorf("two thirds into the server certificate: %q", r.Changes)
	}

	more := append([]string{"mysql-2.mysql.db.svc"}, memberNames...)
	r = renew(t, m, more, now.Add(time.Hour))
	if !changed(r, `does not cover "mysql-2.mysql.db.svc"`) {
		t.Errorf("a new member's name: %q", r.Changes)
	}

	caDue := now.Add(CAValidity * 2 / 3)
	m = renew(t, m, memberNames, caDue.Add(-time.Hour)).Material // the server certificate renewed meanwhile
	rotated := renew(t, m, memberNames, caDue)
	if !changed(rotated, "created a CA: the previous one expires at") || bytes.Equal(rotated.Material.CA.CertPEM, m.CA.CertPEM) {
		t.Fatalf("two thirds into the CA: %q", rotated.Changes)
	}
	if !bytes.Equal(rotated.Material.Server.CertPEM, m.Server.CertPEM) {
		t.Errorf("the new CA signed the served certificate before clients could trust it: %q", rotated.Changes)
	}
	if at := NextChange(rotated.Material, caDue); at.After(caDue.Add(CALead)) {
		t.Errorf("next change at %s, want when the new CA's lead ends (%s)", at, caDue.Add(CALead))
	}
	signed := renew(t, rotated.Material, memberNames, caDue.Add(CALead))
	if !changed(signed, "the new CA signs it from now on") {
		t.Fatalf("after the new CA's lead: %q", signed.Changes)
	}
	if err := CheckServer(signed.Material.Server, rotated.Material.CA.CertPEM, memberNames, caDue); err != nil {
		t.Errorf("the server certificate is not the new CA's: %v", err)
	}
	if cas, _ := ParseCerts(rotated.Material.Trust); len(cas) != 2 {
		t.Errorf("during the overlap the bundle holds %d CAs, want the new and the old", len(cas))
	}
	// The old CA leaves the bundle once it expired.
	afterOld := now.Add(CAValidity + time.Hour)
	r = renew(t, rotated.Material, memberNames, afterOld)
	if cas, _ := ParseCerts(r.Material.Trust); len(cas) != 1 || !changed(r, "updated the trust bundle") {
		t.Errorf("after the old CA expired: %d CAs in the bundle, %q", len(cas), r.Changes)
	}
}

// What cannot serve is replaced, with the reason a person reads in the event.
func TestRenewReplacesWhatCannotServe(t *testing.T) {
	m := renew(t, Material{}, memberNames, now).Material
	other := renew(t, Material{}, memberNames, now).Material
	for name, tc := range map[string]struct {
		m    Material
		want string
	}{
		"an unreadable CA":                    {Material{CA: Pair{CertPEM: []byte("junk"), KeyPEM: m.CA.KeyPEM}, Trust: m.Trust, Server: m.Server}, "created a CA: the stored one is unusable"},
		"a CA key of another CA":              {Material{CA: Pair{CertPEM: m.CA.CertPEM, KeyPEM: other.CA.KeyPEM}, Trust: m.Trust, Server: m.Server}, "created a CA: the stored one is unusable"},
		"a server certificate of another CA":  {Material{CA: m.CA, Trust: m.Trust, Server: other.Server}, "not signed by the cluster's CA"},
		"a server key of another certificate": {Material{CA: m.CA, Trust: m.Trust, Server: Pair{CertPEM: m.Server.CertPEM, KeyPEM: other.Server.KeyPEM}}, "certificate and key"},
		"a bundle without the signing CA":     {Material{CA: m.CA, Trust: other.Trust, Server: m.Server}, "updated the trust bundle"},
	} {
		if r := renew(t, tc.m, memberNames, now.Add(time.Hour)); !changed(r, tc.want) {
			t.Errorf("%s: %q, want a change saying %q", name, r.Changes, tc.want)
		}
	}
}

// A rotation asked for replaces the CA at once and the served certificate after the new CA's lead;
// the old CA stays trusted.
func TestRenewRotatesWhenAskedAndSignsWithTheNewCAAfterItsLead(t *testing.T) {
	m := renew(t, Material{}, memberNames, now).Material
	asked := now.Add(10 * 24 * time.Hour)
	req := Request{Names: memberNames, CAName: "mysql.db ordinal CA", RotateBefore: asked}

	r := renewReq(t, m, req, asked.Add(time.Second))
	if !changed(r, "created a CA: a rotation was asked for") || bytes.Equal(r.Material.CA.CertPEM, m.CA.CertPEM) {
		t.Fatalf("rotation asked for: %q", r.Changes)
	}
	if !bytes.Equal(r.Material.Server.CertPEM, m.Server.CertPEM) {
		t.Errorf("the served certificate changed before the new CA's lead ended: %q", r.Changes)
	}
	if cas, _ := ParseCerts(r.Material.Trust); len(cas) != 2 {
		t.Errorf("the bundle holds %d CAs, want the new and the old", len(cas))
	}
	again := renewReq(t, r.Material, req, asked.Add(CALead/2))
	if len(again.Changes) != 0 {
		t.Errorf("within the lead nothing more is due: %q", again.Changes)
	}
	next := NextChange(r.Material, asked.Add(time.Second))
	if next.Before(asked) || next.After(asked.Add(CALead+time.Second)) {
		t.Errorf("next change at %s, want the end of the lead (%s)", next, asked.Add(CALead))
	}
	done := renewReq(t, r.Material, req, next)
	if !changed(done, "issued the server certificate") || bytes.Equal(done.Material.Server.CertPEM, m.Server.CertPEM) {
		t.Fatalf("after the lead: %q", done.Changes)
	}
	if err := CheckServer(done.Material.Server, done.Material.CA.CertPEM, memberNames, next); err != nil {
		t.Errorf("the served certificate is not the new CA's: %v", err)
	}
	settled := renewReq(t, done.Material, req, next.Add(time.Minute))
	if len(settled.Changes) != 0 {
		t.Errorf("the same request again changes nothing: %q", settled.Changes)
	}
}

// Nothing to look at sooner than the next renewal, once everything is in place.
func TestNextChangeIsTheNextRenewal(t *testing.T) {
	m := renew(t, Material{}, memberNames, now).Material
	later := now.Add(time.Hour)
	c, _ := ParseCert(m.Server.CertPEM)
	if got := NextChange(m, later); !got.Equal(RenewAt(c)) {
		t.Errorf("next change %s, want the server certificate's renewal %s", got, RenewAt(c))
	}
}
