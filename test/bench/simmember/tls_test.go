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

package simmember

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// A fleet serving TLS upgrades the operator's verified connections (pool and pulse connection) and
// still serves plain ones; a client trusting another CA refuses it.
func TestTheSimulatorServesTLS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.50.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	now := time.Now()
	ca, err := certs.NewCA("sim CA", now, certs.CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.IssueServer([]string{memberIP(0)}, now, certs.LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	f := NewFleet(port, nil)
	t.Cleanup(f.Close)
	f.ServeTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err := f.Start("ns/c-0", memberIP(0), 100); err != nil {
		t.Fatal(err)
	}
	trust := func(pem []byte) *tls.Config {
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(pem)
		return &tls.Config{RootCAs: roots, ServerName: memberIP(0), MinVersion: tls.VersionTLS12}
	}
	cfg := func(tc *tls.Config) mysql.Config {
		return mysql.Config{Flavor: mysql.MariaDB, Host: memberIP(0), Port: port, User: "ordinal", Password: "x", TLS: tc,
			ConnectTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second}
	}
	ctx := context.Background()
	for name, tc := range map[string]*tls.Config{"verified TLS": trust(ca.CertPEM), "plain": nil} {
		c, err := mysql.Open(cfg(tc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Status(ctx); err != nil {
			t.Errorf("%s, pool: %v", name, err)
		}
		_ = c.Close()
		p, err := mysql.OpenPulse(cfg(tc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Pulse(ctx); err != nil {
			t.Errorf("%s, pulse connection: %v", name, err)
		}
		_ = p.Close()
	}
	served, err := mysql.ServedCertificate(ctx, cfg(trust(ca.CertPEM)))
	if want, _ := certs.ParseCert(pair.CertPEM); err != nil || served == nil || served.SerialNumber.Cmp(want.SerialNumber) != 0 {
		t.Errorf("ServedCertificate: %v, %v; want the simulator's certificate", served, err)
	}
	if _, err := mysql.ServedCertificate(ctx, cfg(nil)); err == nil {
		t.Error("ServedCertificate without a TLS configuration did not fail")
	}
	other, err := certs.NewCA("other", now, certs.CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	p, err := mysql.OpenPulse(cfg(trust(other.CertPEM)))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Pulse(ctx); err == nil {
		t.Error("a client trusting another CA accepted the simulator's certificate")
	}
}
