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
	"errors"
	"testing"
)

// requireTLSWant is what RequireTLS issues on both flavors with the password "o'p".
func requireTLSWant(req string) []string {
	return []string{
		"CREATE USER IF NOT EXISTS 'ordinal'@'localhost' IDENTIFIED BY ? [o'p]",
		"GRANT ALL PRIVILEGES ON *.* TO 'ordinal'@'localhost' WITH GRANT OPTION",
		"ALTER USER 'repl'@'%' REQUIRE " + req,
		"ALTER USER 'ordinal'@'%' REQUIRE " + req,
	}
}

const accountsTLSWant = "SELECT User AS user, ssl_type AS ssl_type FROM mysql.user " +
	"WHERE Host = '%' AND User IN ('repl', 'ordinal')"

func TestRequireTLSNeedsOperatorPassword(t *testing.T) {
	for _, f := range []Flavor{MariaDB, MySQL} {
		c, rec := testClient(f)
		if err := c.RequireTLS(context.Background(), true, ""); err == nil || len(rec.calls) != 0 {
			t.Errorf("%s: err %v, calls %q: an empty password must fail before any statement", f.Name(), err, rec.calls)
		}
	}
}

func TestAccountsRequireTLS(t *testing.T) {
	both := []row{mkRow("user", "repl", "ssl_type", "ANY"), mkRow("user", "ordinal", "ssl_type", "ANY")}
	cases := []struct {
		name string
		rows []row
		want bool
	}{
		{"both require SSL", both, true},
		{"the operator's does not", []row{both[0], mkRow("user", "ordinal", "ssl_type", "")}, false},
		{"the replication account's requires X509", []row{mkRow("user", "repl", "ssl_type", "X509"), both[1]}, false},
		{"the replication account is missing", both[1:], false},
		{"no account", nil, false},
	}
	for _, f := range []Flavor{MariaDB, MySQL} {
		for _, tc := range cases {
			c, rec := testClient(f)
			rec.rows["SELECT User AS user, ssl_type"] = tc.rows
			got, err := c.AccountsRequireTLS(context.Background())
			if err != nil || got != tc.want {
				t.Errorf("%s %s: %v, %v; want %v", f.Name(), tc.name, got, err, tc.want)
			}
		}
	}
	c, rec := testClient(MariaDB)
	boom := errors.New("boom")
	rec.errs["SELECT User AS user, ssl_type"] = boom
	if got, err := c.AccountsRequireTLS(context.Background()); !errors.Is(err, boom) || got {
		t.Errorf("a failed read: %v, %v", got, err)
	}
}
