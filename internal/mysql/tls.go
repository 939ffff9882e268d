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
	"fmt"
	"time"
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

// ServedCertificateExpiry is when the certificate the server presents to new TLS connections
// expires (Ssl_server_not_after, on both flavors); zero when it serves no TLS. After ReloadTLS it
// tells whether the server took the renewed certificate.
func (c *Client) ServedCertificateExpiry(ctx context.Context) (time.Time, error) {
	q := statement("SHOW GLOBAL STATUS LIKE 'Ssl_server_not_after'")
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return time.Time{}, err
	}
	if len(rows) == 0 {
		return time.Time{}, nil
	}
	t, err := parseOpenSSLTime(rows[0].str("Value"))
	if err != nil {
		return time.Time{}, c.fail(q, err)
	}
	return t, nil
}

// parseOpenSSLTime reads OpenSSL's printed time ("Dec  1 12:00:00 2027 GMT"); "" is zero.
func parseOpenSSLTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("Jan _2 15:04:05 2006 MST", v)
	if err != nil {
		return time.Time{}, fmt.Errorf("certificate expiry %q: %w", v, err)
	}
	return t.UTC(), nil
}
