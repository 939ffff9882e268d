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
	"strings"
	"testing"
)

func TestApplierStatements(t *testing.T) {
	ctx := context.Background()
	for f, want := range map[Flavor][]string{
		MariaDB: {"STOP SLAVE SQL_THREAD", "START SLAVE SQL_THREAD"},
		MySQL:   {"STOP REPLICA SQL_THREAD", "START REPLICA SQL_THREAD"},
	} {
		c, rec := testClient(f)
		if err := c.StopApplier(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.StartApplier(ctx); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rec.calls, want) {
			t.Errorf("%s: %q, want %q", f.Name(), rec.calls, want)
		}
	}
}

func TestChecksumTables(t *testing.T) {
	for _, f := range []Flavor{MariaDB, MySQL} {
		c, rec := testClient(f)
		rec.rows["SELECT TABLE_SCHEMA"] = []row{mkRow("s", "app", "t", "t1"), mkRow("s", "we`ird", "t", "x y")}
		rec.queue["CHECKSUM TABLE"] = [][]row{{mkRow("Table", "app.t1", "Checksum", "4096123456")},
			{mkRow("Table", "we`ird.x y", "Checksum", "0")}}
		rec.queue["SELECT COUNT(*)"] = [][]row{{mkRow("n", "50")}, {mkRow("n", "0")}}
		tables, err := c.UserTables(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sums, err := c.ChecksumTables(context.Background(), tables)
		if err != nil {
			t.Fatal(err)
		}
		want := []TableChecksum{{Table{"app", "t1"}, 50, 4096123456}, {Table{"we`ird", "x y"}, 0, 0}}
		if !slices.Equal(sums, want) {
			t.Errorf("%s: %+v, want %+v", f.Name(), sums, want)
		}
		wantCalls := []string{userTables.sql, "CHECKSUM TABLE `app`.`t1`", "SELECT COUNT(*) AS n FROM `app`.`t1`",
			"CHECKSUM TABLE `we``ird`.`x y`", "SELECT COUNT(*) AS n FROM `we``ird`.`x y`"}
		if !slices.Equal(rec.calls, wantCalls) {
			t.Errorf("%s:\n got %q\nwant %q", f.Name(), rec.calls, wantCalls)
		}
	}
	// A table dropped between the listing and its checksum: the server answers NULL.
	c, rec := testClient(MariaDB)
	rec.rows["CHECKSUM TABLE"] = []row{mkRow("Table", "app.gone", "Checksum", "NULL")}
	if _, err := c.ChecksumTables(context.Background(), []Table{{"app", "gone"}}); err == nil ||
		!strings.Contains(err.Error(), "no checksum for app.gone") {
		t.Errorf("dropped table: %v", err)
	}
}

func TestCheckTables(t *testing.T) {
	c, rec := testClient(MariaDB)
	rec.queue["CHECK TABLE"] = [][]row{
		{mkRow("Table", "app.ok", "Op", "check", "Msg_type", "status", "Msg_text", "OK")},
		{mkRow("Table", "app.mem", "Op", "check", "Msg_type", "note", "Msg_text", "The storage engine for the table doesn't support check")},
		{mkRow("Table", "app.bad", "Op", "check", "Msg_type", "Error", "Msg_text", "Index for table 'bad' is corrupt"),
			mkRow("Table", "app.bad", "Op", "check", "Msg_type", "status", "Msg_text", "Corrupt")},
	}
	got, err := c.CheckTables(context.Background(), []Table{{"app", "ok"}, {"app", "mem"}, {"app", "bad"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"app.bad: Index for table 'bad' is corrupt; Corrupt"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	if !slices.Equal(rec.calls, []string{"CHECK TABLE `app`.`ok`", "CHECK TABLE `app`.`mem`", "CHECK TABLE `app`.`bad`"}) {
		t.Errorf("calls %q", rec.calls)
	}
}

func TestResetAccounts(t *testing.T) {
	for _, f := range []Flavor{MariaDB, MySQL} {
		c, rec := testClient(f)
		rec.rows["SELECT User AS user"] = []row{mkRow("user", "root", "host", "%")}
		if err := c.ResetAccounts(context.Background(), accounts); err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		repl := "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'"
		if f == MySQL {
			repl = "GRANT REPLICATION SLAVE, REPLICATION CLIENT, BACKUP_ADMIN ON *.* TO 'repl'@'%'"
		}
		want := []string{
			"SET SESSION sql_log_bin = 0",
			"FLUSH PRIVILEGES",
			"CREATE USER IF NOT EXISTS 'root'@'localhost' IDENTIFIED BY ? [r'oot]",
			"ALTER USER 'root'@'localhost' IDENTIFIED BY ? REQUIRE NONE [r'oot]",
			"GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION",
			"CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY ? [r'oot]",
			"ALTER USER 'root'@'%' IDENTIFIED BY ? REQUIRE NONE [r'oot]",
			"GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION",
			"CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY ? [re pl]",
			"ALTER USER 'repl'@'%' IDENTIFIED BY ? REQUIRE NONE [re pl]",
			repl,
			"CREATE USER IF NOT EXISTS 'ordinal'@'%' IDENTIFIED BY ? [op]",
			"ALTER USER 'ordinal'@'%' IDENTIFIED BY ? REQUIRE NONE [op]",
			"GRANT ALL PRIVILEGES ON *.* TO 'ordinal'@'%' WITH GRANT OPTION",
			"CREATE USER IF NOT EXISTS 'ordinal'@'localhost' IDENTIFIED BY ? [op]",
			"ALTER USER 'ordinal'@'localhost' IDENTIFIED BY ? REQUIRE NONE [op]",
			"GRANT ALL PRIVILEGES ON *.* TO 'ordinal'@'localhost' WITH GRANT OPTION",
		}
		if f == MariaDB {
			want = append(want, readOnlyAdmins.sql, "REVOKE READ_ONLY ADMIN ON *.* FROM ?@? [root %]")
		}
		if !slices.Equal(rec.calls, want) {
			t.Errorf("%s:\n got %q\nwant %q", f.Name(), rec.calls, want)
		}
	}
	c, _ := testClient(MariaDB)
	if err := c.ResetAccounts(context.Background(), Accounts{RootPassword: "r"}); err == nil {
		t.Error("missing passwords accepted")
	}
}
