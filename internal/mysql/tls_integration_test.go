//go:build integration

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

package mysql_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// A server given a certificate of the cluster's CA (internal/certs) and require_secure_transport
// serves the operator's verified TLS connections and refuses plain ones; a client trusting another
// CA refuses the server.
func TestTLSServesVerifiedClientsAndRefusesPlainOnes(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	ca, err := certs.NewCA("test CA", now, certs.CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	const host = "127.0.0.11" // member 0 of mysqltest
	server, err := ca.IssueServer([]string{host}, now, certs.LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	args := []string{"--ssl-ca=" + write("ca.crt", ca.CertPEM), "--ssl-cert=" + write("tls.crt", server.CertPEM),
		"--ssl-key=" + write("tls.key", server.KeyPEM), "--require-secure-transport=ON"}
	cl := mysqltest.StartWith(t, 1, mysqltest.Options{ExtraArgs: args})
	m := cl.Members[0]
	open := func(tc *tls.Config) error {
		c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Host: m.Host, Port: m.Port, TLS: tc,
			User: mysqltest.RootUser, Password: mysqltest.RootPassword, ConnectTimeout: 2 * time.Second})
		if err != nil {
			return err
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = c.Status(ctx)
		return err
	}
	trusted := x509.NewCertPool()
	trusted.AppendCertsFromPEM(ca.CertPEM)
	if err := open(&tls.Config{RootCAs: trusted, ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
		t.Errorf("a client verifying the server with the cluster's CA: %v", err)
	}
	if err := open(nil); err == nil || mysql.ErrorNumber(err) == 0 {
		t.Errorf("a plain connection: %v, want the server's refusal (require_secure_transport)", err)
	}
	other, err := certs.NewCA("other", now, certs.CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	foreign := x509.NewCertPool()
	foreign.AppendCertsFromPEM(other.CertPEM)
	if err := open(&tls.Config{RootCAs: foreign, ServerName: host, MinVersion: tls.VersionTLS12}); err == nil {
		t.Error("a client trusting another CA accepted the server")
	}
}
