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
	"fmt"
	"testing"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// TestEnsureAppUser: the application's database and account are created on the primary and
// replicated; the account reaches its database only (a '_' in the name is no wildcard); running
// again changes only the password.
func TestEnsureAppUser(t *testing.T) {
	e := newEnv(t, 2)
	e.bootstrap(0)
	u := mysql.AppUser{Database: "shop_db", Name: "web", Host: "%", Password: "first"}
	e.must(e.clients[0].EnsureAppUser(e.ctx, u))
	app := e.cluster.Members[0].DB(t, "web", "first")
	e.exec(app, "CREATE TABLE shop_db.orders (id INT PRIMARY KEY)")
	e.exec(app, "INSERT INTO shop_db.orders VALUES (1)")
	for _, q := range []string{"CREATE DATABASE shopXdb", "CREATE TABLE mysql.x (id INT)", "CREATE DATABASE other"} {
		if _, err := app.ExecContext(e.ctx, q); mysql.ErrorNumber(err) != 1044 && mysql.ErrorNumber(err) != 1142 {
			t.Errorf("%s as the application user: %v, want access denied", q, err)
		}
	}
	// The replica has the account and the row (reads only: it is fenced).
	e.eventually("the replica has the application's row", func() error {
		var n int
		err := e.cluster.Members[1].DB(t, "web", "first").QueryRowContext(e.ctx, "SELECT COUNT(*) FROM shop_db.orders").Scan(&n)
		if err == nil && n != 1 {
			err = fmt.Errorf("%d rows", n)
		}
		return err
	})

	u.Password = "second"
	e.must(e.clients[0].EnsureAppUser(e.ctx, u))
	if err := e.cluster.Members[0].DB(t, "web", "first").PingContext(e.ctx); mysql.ErrorNumber(err) != 1045 {
		t.Errorf("old password after the change: %v, want access denied", err)
	}
	var n int
	e.must(e.cluster.Members[0].DB(t, "web", "second").QueryRowContext(e.ctx, "SELECT COUNT(*) FROM shop_db.orders").Scan(&n))
	if n != 1 {
		t.Errorf("rows after the password change = %d, want 1 (the database is kept)", n)
	}
	exists, err := e.clients[1].AppUserExists(e.ctx, "web", "%")
	e.must(err)
	if !exists {
		t.Error("the replica has no account web@%")
	}
}
