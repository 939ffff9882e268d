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

package mysql

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// ReloadTLS makes the server read its certificate, key and CA files again (MariaDB FLUSH SSL,
// MySQL ALTER INSTANCE RELOAD TLS): a renewed certificate is served to new connections without a
// restart; established connections, replication among them, keep theirs.
func (c *Client) ReloadTLS(ctx context.Context) error {
	return c.s.exec(ctx, c.cfg.Flavor.reloadTLS())
}

// RequireTLS makes the replication and operator accounts refuse connections without TLS (on), or
// accept them again (off). Like the accounts' creation it runs with sql_log_bin=0 on one
// connection, on every member: an account change must leave no GTID (on a replica it would be
// errant).
func (c *Client) RequireTLS(ctx context.Context, on bool) error {
	return c.onOneConnection(ctx, func(s session) error {
		if err := s.exec(ctx, statement("SET SESSION sql_log_bin = 0")); err != nil {
			return err
		}
		return execOn(ctx, s, requireTLSStmts(on))
	})
}

// requireTLSStmts is the same on both flavors.
func requireTLSStmts(on bool) []stmt {
	req := "NONE"
	if on {
		req = "SSL"
	}
	var out []stmt
	for _, acc := range []string{AccountReplication, AccountOperator} {
		out = append(out, statement(fmt.Sprintf("ALTER USER '%s'@'%%' REQUIRE %s", acc, req)))
	}
	return out
}

// ServedCertificate is the certificate the server presents to a new connection with cfg (whose TLS
// must be set, and is verified as usual): after ReloadTLS it tells whether the server took the
// renewed certificate. MariaDB's Ssl_server_not_after describes only the session's own TLS, so the
// handshake, not SQL, is asked.
func ServedCertificate(ctx context.Context, cfg Config) (*x509.Certificate, error) {
	if cfg.TLS == nil {
		return nil, fmt.Errorf("mysql %s: no TLS configuration to connect with", cfg.Addr())
	}
	var served *x509.Certificate
	tc := cfg.TLS.Clone()
	verify := tc.VerifyConnection
	tc.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) > 0 {
			served = cs.PeerCertificates[0]
		}
		if verify != nil {
			return verify(cs)
		}
		return nil
	}
	cfg.TLS = tc
	connector, err := mysqldriver.NewConnector(cfg.withDefaults().driverConfig())
	if err != nil {
		return nil, fmt.Errorf("mysql %s: %w", cfg.Addr(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.withDefaults().ConnectTimeout)
	defer cancel()
	conn, err := connector.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("mysql %s: %w", cfg.Addr(), err)
	}
	_ = conn.Close()
	return served, nil
}
