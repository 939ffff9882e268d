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
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// tlsFiles are the files a member's server reads its TLS material from.
type tlsFiles struct{ dir, ca, cert, key string }

func newTLSFiles(t *testing.T) tlsFiles {
	d := t.TempDir()
	return tlsFiles{dir: d, ca: filepath.Join(d, "ca.crt"), cert: filepath.Join(d, "tls.crt"), key: filepath.Join(d, "tls.key")}
}

// write replaces the files as a rotation does (the server reads them again on FLUSH SSL).
func (f tlsFiles) write(t *testing.T, caBundle []byte, server certs.Pair) {
	t.Helper()
	for path, b := range map[string][]byte{f.ca: caBundle, f.cert: server.CertPEM, f.key: server.KeyPEM} {
		if err := os.WriteFile(path+".new", b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			t.Fatal(err)
		}
	}
}

func (f tlsFiles) args() []string {
	return []string{"--ssl-ca=" + f.ca, "--ssl-cert=" + f.cert, "--ssl-key=" + f.key}
}

// operatorAccounts makes the accounts the operator creates (repl and ordinal at '%') in place of
// mysqltest's, without a GTID.
func operatorAccounts(t *testing.T, e *env, i int) {
	db := e.cluster.Members[i].DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	conn, err := db.Conn(e.ctx)
	e.must(err)
	defer conn.Close()
	for _, q := range []string{"SET SESSION sql_log_bin = 0", "DROP USER IF EXISTS 'repl'@'127.%'",
		"CREATE USER 'repl'@'%' IDENTIFIED BY '" + mysqltest.ReplPassword + "'",
		"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'",
		"CREATE USER 'ordinal'@'%' IDENTIFIED BY 'operator-pw'", "GRANT ALL PRIVILEGES ON *.* TO 'ordinal'@'%'"} {
		if _, err := conn.ExecContext(e.ctx, q); err != nil {
			t.Fatalf("member %d: %s: %v", i, q, err)
		}
	}
}

// dialAs connects to member i as user over TLS verified with roots (nil: plain) and returns the
// certificate the server presented.
func dialAs(e *env, i int, user, password string, roots *x509.CertPool) (*x509.Certificate, error) {
	m := e.cluster.Members[i]
	var served *x509.Certificate
	var tc *tls.Config
	if roots != nil {
		tc = &tls.Config{RootCAs: roots, ServerName: m.Host, MinVersion: tls.VersionTLS12,
			VerifyConnection: func(cs tls.ConnectionState) error { served = cs.PeerCertificates[0]; return nil }}
	}
	c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Host: m.Host, Port: m.Port, TLS: tc,
		User: user, Password: password, ConnectTimeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_, err = c.Pulse(e.ctx)
	return served, err
}

func pool(pems ...[]byte) *x509.CertPool {
	p := x509.NewCertPool()
	for _, b := range pems {
		p.AppendCertsFromPEM(b)
	}
	return p
}

// A replica replicates over TLS, verifying its source against the cluster's CA; the replication
// and operator accounts refuse plain connections once RequireTLS holds; a renewed certificate and
// then a new CA are served after FLUSH SSL while replication goes on and every write arrives.
func TestReplicationOverTLSThroughCertificateAndCARotation(t *testing.T) {
	now := time.Now()
	ca, err := certs.NewCA("cluster CA", now, certs.CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"127.0.0.11", "127.0.0.12"} // mysqltest's members 0 and 1
	first, err := ca.IssueServer(names, now, certs.LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	files := []tlsFiles{newTLSFiles(t), newTLSFiles(t)}
	args := renderedReplicationArgs(t)
	for _, f := range files {
		f.write(t, ca.CertPEM, first)
	}
	e := newEnvWith(t, 2, mysqltest.Options{ExtraArgs: args, MemberArgs: [][]string{files[0].args(), files[1].args()}})
	for i := range 2 {
		operatorAccounts(t, e, i)
	}
	// On the primary only, binary log on: member 1 applies the change once it replicates.
	e.must(e.clients[0].SetReadOnly(e.ctx, false))
	e.must(e.clients[0].RequireTLS(e.ctx, true, "operator-pw"))
	if _, err := dialAs(e, 0, "repl", mysqltest.ReplPassword, nil); err == nil || mysql.ErrorNumber(err) != 1045 {
		t.Errorf("a plain connection as the replication account: %v, want access denied (1045)", err)
	}
	if _, err := dialAs(e, 0, "repl", mysqltest.ReplPassword, pool(ca.CertPEM)); err != nil {
		t.Errorf("a verified TLS connection as the replication account: %v", err)
	}
	if _, err := dialAs(e, 0, "ordinal", "operator-pw", nil); err == nil {
		t.Error("a plain connection as the operator's account was accepted")
	}

	src := e.source(0)
	src.TLS = &mysql.SourceTLS{CAFile: files[1].ca}
	e.must(e.clients[1].ConfigureReplica(e.ctx, src))
	e.must(e.clients[1].StartReplication(e.ctx))
	e.eventually("the replica replicates over TLS", func() error {
		if r := e.status(1).Replication; r == nil || !r.IORunning || !r.SQLRunning || !r.TLS {
			return fmt.Errorf("replication %+v", r)
		}
		return nil
	})
	e.writeRows(0, 5)
	e.waitRows(1, 5)

	// A renewed server certificate of the same CA: reloaded live, replication untouched.
	renewed, err := ca.IssueServer(names, now, certs.LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	files[0].write(t, ca.CertPEM, renewed)
	e.must(e.clients[0].ReloadTLS(e.ctx))
	m0 := e.cluster.Members[0]
	served, err := mysql.ServedCertificate(e.ctx, mysql.Config{Flavor: mysql.MariaDB, Host: m0.Host, Port: m0.Port,
		User: "ordinal", Password: "operator-pw", TLS: &tls.Config{RootCAs: pool(ca.CertPEM), ServerName: m0.Host, MinVersion: tls.VersionTLS12}})
	if err != nil || served.SerialNumber.Cmp(mustCert(t, renewed).SerialNumber) != 0 {
		t.Errorf("after FLUSH SSL the server serves %v (%v), want the renewed certificate", serial(served), err)
	}
	// The replica reloads too: that must not write to its binary log (an errant transaction).
	e.must(e.clients[1].ReloadTLS(e.ctx))
	e.writeRows(0, 5)
	e.waitRows(1, 10)
	if r := e.status(1).Replication; !r.IORunning || !r.TLS {
		t.Errorf("replication after the reload: %+v", r)
	}
	if p, r := e.status(0).Executed, e.status(1).Executed; !r.SubsetOf(p) {
		t.Errorf("after reloading its certificate the replica holds %s beyond the primary's %s", r, p)
	}

	// A new CA: both are trusted during the overlap, the source serves a certificate of the new one,
	// and the replica's next connection verifies it.
	next, err := certs.NewCA("cluster CA 2", now, certs.CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	fromNext, err := next.IssueServer(names, now, certs.LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	bundle := certs.Bundle(ca.CertPEM, next.CertPEM)
	files[1].write(t, bundle, first)
	files[0].write(t, bundle, fromNext)
	e.must(e.clients[0].ReloadTLS(e.ctx))
	e.must(e.clients[1].StopReplication(e.ctx))
	e.must(e.clients[1].StartReplication(e.ctx))
	e.eventually("the replica reconnects to the source's certificate of the new CA", func() error {
		if r := e.status(1).Replication; r == nil || !r.IORunning || !r.TLS {
			return fmt.Errorf("replication %+v", r)
		}
		return nil
	})
	e.writeRows(0, 5)
	e.waitRows(1, 15)
	if _, err := dialAs(e, 0, "ordinal", "operator-pw", pool(ca.CertPEM)); err == nil {
		t.Error("a client trusting only the old CA accepted the new CA's certificate")
	}
}

func mustCert(t *testing.T, p certs.Pair) *x509.Certificate {
	t.Helper()
	c, err := certs.ParseCert(p.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func serial(c *x509.Certificate) string {
	if c == nil {
		return "no certificate"
	}
	return c.SerialNumber.String()
}
