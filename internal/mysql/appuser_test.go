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
	"slices"
	"testing"
)

func TestEnsureAppUser(t *testing.T) {
	for _, f := range []Flavor{MariaDB, MySQL} {
		c, rec := testClient(f)
		u := AppUser{Database: "shop_db", Name: "app", Host: "%", Password: "p'w"}
		if err := c.EnsureAppUser(context.Background(), u); err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		want := []string{
			"SET SESSION lock_wait_timeout = 5",
			"CREATE DATABASE IF NOT EXISTS `shop_db`",
			"CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ? [app % p'w]",
			"ALTER USER ?@? IDENTIFIED BY ? [app % p'w]",
			"GRANT ALL PRIVILEGES ON `shop\\_db`.* TO ?@? [app %]", // '_' is a wildcard in GRANT
		}
		if !slices.Equal(rec.calls, want) {
			t.Errorf("%s:\n got %q\nwant %q", f.Name(), rec.calls, want)
		}
	}
}

func TestEnsureAppUserDatabaseOnly(t *testing.T) {
	c, rec := testClient(MariaDB)
	if err := c.EnsureAppUser(context.Background(), AppUser{Database: "shop"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"SET SESSION lock_wait_timeout = 5", "CREATE DATABASE IF NOT EXISTS `shop`"}; !slices.Equal(rec.calls, want) {
		t.Errorf("got %q, want %q", rec.calls, want)
	}
}

func TestEnsureAppUserRefusesWhatCouldInject(t *testing.T) {
	for _, u := range []AppUser{
		{Database: "a`b"},
		{Database: ""},
		{Database: "shop", Name: "x'y", Host: "%", Password: "p"},
		{Database: "shop", Name: "app", Host: "", Password: "p"},
		{Database: "shop", Name: "app", Host: "%", Password: ""},
	} {
		c, rec := testClient(MySQL)
		if err := c.EnsureAppUser(context.Background(), u); err == nil || len(rec.calls) > 0 {
			t.Errorf("%+v: err %v, calls %q; want a refusal before any statement", u, err, rec.calls)
		}
	}
}
