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
	"errors"
	"fmt"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// ReloadTLS makes the server read its certificate, key and CA files again (MariaDB FLUSH SSL,
// MySQL ALTER INSTANCE RELOAD TLS): a renewed certificate is served to new connections without a
// restart; established connections, replication among them, keep theirs.
func (c *Client) ReloadTLS(ctx context.Context) error {
	return c.s.exec(ctx, c.cfg.Flavor.reloadTLS())
}

// tlsAccounts are the accounts RequireTLS changes and AccountsRequireTLS reads, all at '%'.
var tlsAccounts = []string{AccountReplication, AccountOperator}

// RequireTLS makes the replication and operator accounts at '%' refuse connections without TLS
// (on), or accept them again (off). It first makes sure 'ordinal'@'localhost' exists with
// operatorPassword and its grants, so socket logins inside the pods keep working (clusters
// created before that account was part of the accounts lack it). Run it on the primary only,
// binary log on: replication carries the change to every member as the primary's own
// transactions, which no member holds as errant. On MySQL the primary's fence must be down.
func (c *Client) RequireTLS(ctx context.Context, on bool, operatorPassword string) error {
	sts, err := requireTLSStmts(on, operatorPassword)
	if err != nil {
		return fmt.Errorf("mysql %s: %w", c.Addr(), err)
	}
	return c.execAll(ctx, sts)
}

// requireTLSStmts is the same on both flavors. IF NOT EXISTS keeps an existing
// 'ordinal'@'localhost' as it is, on the primary and on every replica applying the statement.
func requireTLSStmts(on bool, operatorPassword string) ([]stmt, error) {
	if operatorPassword == "" {
		return nil, errors.New("require TLS: no operator password for " + operatorLocal)
	}
	req := "NONE"
	if on {
		req = "SSL"
	}
	out := []stmt{
		statement("CREATE USER IF NOT EXISTS "+operatorLocal+" IDENTIFIED BY ?", operatorPassword),
		statement(fmt.Sprintf(operatorGrants, operatorLocal)),
	}
	for _, acc := range tlsAccounts {
		out = append(out, statement(fmt.Sprintf("ALTER USER '%s'@'%%' REQUIRE %s", acc, req)))
	}
	return out, nil
}

// AccountsRequireTLS tells whether the replication and the operator account at '%' both require
// TLS (ssl_type ANY, what REQUIRE SSL sets); false when either does not or is missing. One short
// read of the account table, bounded by the statement timeout.
func (c *Client) AccountsRequireTLS(ctx context.Context) (bool, error) {
	rows, err := c.s.query(ctx, c.cfg.Flavor.accountsTLS())
	if err != nil {
		return false, err
	}
	requiring := map[string]bool{}
	for _, r := range rows {
		if r.str("ssl_type") == "ANY" {
			requiring[r.str("user")] = true
		}
	}
	for _, acc := range tlsAccounts {
		if !requiring[acc] {
			return false, nil
		}
	}
	return true, nil
}

// accountsTLSQuery reads the ssl_type of tlsAccounts at '%': empty, ANY, X509 or SPECIFIED.
var accountsTLSQuery = statement("SELECT User AS user, ssl_type AS ssl_type FROM mysql.user " +
	"WHERE Host = '%' AND User IN ('" + strings.Join(tlsAccounts, "', '") + "')")

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
