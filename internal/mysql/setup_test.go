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

var accounts = Accounts{RootPassword: "r'oot", ReplicationPassword: "re pl", OperatorPassword: "op"}

func TestCreateAccounts(t *testing.T) {
	for _, f := range []Flavor{MariaDB, MySQL} {
		c, rec := testClient(f)
		rec.rows["SELECT User AS user"] = []row{mkRow("user", "root", "host", "127.0.0.1"), mkRow("user", "", "host", "localhost")}
		if err := c.CreateAccounts(context.Background(), accounts); err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		repl := "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'"
		if f == MySQL {
			repl = "GRANT REPLICATION SLAVE, REPLICATION CLIENT, BACKUP_ADMIN ON *.* TO 'repl'@'%'"
		}
		want := []string{
			"SET SESSION sql_log_bin = 0",
			extraAccounts.sql,
			"DROP USER ?@? [root 127.0.0.1]",
			"DROP USER ?@? [ localhost]",
			"ALTER USER 'root'@'localhost' IDENTIFIED BY ? [r'oot]",
			"CREATE USER 'root'@'%' IDENTIFIED BY ? [r'oot]",
			"GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION",
			"CREATE USER 'repl'@'%' IDENTIFIED BY ? [re pl]",
			repl,
			"CREATE USER 'ordinal'@'%' IDENTIFIED BY ? [op]",
			"GRANT ALL PRIVILEGES ON *.* TO 'ordinal'@'%' WITH GRANT OPTION",
			"CREATE USER 'ordinal'@'localhost' IDENTIFIED BY ? [op]",
			"GRANT ALL PRIVILEGES ON *.* TO 'ordinal'@'localhost' WITH GRANT OPTION",
		}
		if f == MariaDB { // the recorder answers both account queries with the same rows
			want = append(want, readOnlyAdmins.sql,
				"REVOKE READ_ONLY ADMIN ON *.* FROM ?@? [root 127.0.0.1]",
				"REVOKE READ_ONLY ADMIN ON *.* FROM ?@? [ localhost]")
		}
		if !slices.Equal(rec.calls, want) {
			t.Errorf("%s:\n got %q\nwant %q", f.Name(), rec.calls, want)
		}
	}
}

func TestCreateAccountsNeedsEveryPassword(t *testing.T) {
	c, rec := testClient(MariaDB)
	err := c.CreateAccounts(context.Background(), Accounts{RootPassword: "x", ReplicationPassword: "y"})
	if err == nil || len(rec.calls) != 0 {
		t.Fatalf("err %v, calls %q: a missing password must fail before any statement", err, rec.calls)
	}
}

func TestSetSeededPosition(t *testing.T) {
	c, rec := testClient(MariaDB)
	if err := c.SetSeededPosition(context.Background(), "0-11-5,0-12-9", "0-12-9"); err != nil {
		t.Fatal(err)
	}
	want := []string{"SET GLOBAL gtid_slave_pos = ? [0-12-9]", "RESET MASTER", "SET GLOBAL gtid_binlog_state = ? [0-11-5,0-12-9]"}
	if !slices.Equal(rec.calls, want) {
		t.Errorf("got %q, want %q", rec.calls, want)
	}
	for _, bad := range [][2]string{{"0-11", "0-11-5"}, {"0-11-5", "x"}} {
		c, rec := testClient(MariaDB)
		if err := c.SetSeededPosition(context.Background(), bad[0], bad[1]); err == nil || len(rec.calls) != 0 {
			t.Errorf("%q: err %v, calls %q", bad, err, rec.calls)
		}
	}
	c, rec = testClient(MySQL)
	if err := c.SetSeededPosition(context.Background(), "", ""); err == nil || len(rec.calls) != 0 {
		t.Errorf("MySQL: err %v, calls %q", err, rec.calls)
	}
}

func TestPingAndBinlogState(t *testing.T) {
	c, rec := testClient(MariaDB)
	rec.rows["SELECT @@GLOBAL.gtid_binlog_state"] = []row{mkRow("state", "0-11-7")}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	state, err := c.GTIDBinlogState(context.Background())
	if err != nil || state != "0-11-7" {
		t.Fatalf("state %q, err %v", state, err)
	}
	if rec.calls[0] != "SELECT 1" || !strings.HasPrefix(rec.calls[1], "SELECT @@GLOBAL.gtid_binlog_state") {
		t.Errorf("calls %q", rec.calls)
	}
	if _, err := func() (string, error) { c, _ := testClient(MySQL); return c.GTIDBinlogState(context.Background()) }(); err == nil {
		t.Error("MySQL has no gtid_binlog_state")
	}
}

func TestCloneFrom(t *testing.T) {
	c, rec := testClient(MySQL)
	donor := Source{Host: "db-0.db.ns.svc", Port: 3306, User: "repl", Password: "p'w"}
	if err := c.CloneFrom(context.Background(), donor, "/var/lib/mysql/.ordinal-clone"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"SET GLOBAL clone_valid_donor_list = ? [db-0.db.ns.svc:3306]",
		"CLONE INSTANCE FROM ?@?:? IDENTIFIED BY ? DATA DIRECTORY = ? [repl db-0.db.ns.svc 3306 p'w /var/lib/mysql/.ordinal-clone]",
	}
	if !slices.Equal(rec.calls, want) {
		t.Errorf("got %q, want %q", rec.calls, want)
	}
	c, rec = testClient(MySQL)
	donor.TLS = &SourceTLS{CAFile: "/etc/mysql/tls/ca.crt"}
	if err := c.CloneFrom(context.Background(), donor, "/var/lib/mysql/.ordinal-clone"); err != nil {
		t.Fatal(err)
	}
	want = []string{
		"SET GLOBAL clone_valid_donor_list = ? [db-0.db.ns.svc:3306]",
		"SET GLOBAL clone_ssl_ca = ? [/etc/mysql/tls/ca.crt]",
		"CLONE INSTANCE FROM ?@?:? IDENTIFIED BY ? DATA DIRECTORY = ? REQUIRE SSL [repl db-0.db.ns.svc 3306 p'w /var/lib/mysql/.ordinal-clone]",
	}
	if !slices.Equal(rec.calls, want) {
		t.Errorf("over TLS: got %q, want %q", rec.calls, want)
	}
	donor.TLS = nil
	for name, tc := range map[string]struct {
		f     Flavor
		donor Source
		dir   string
	}{
		"mariadb":  {MariaDB, donor, "/d"},
		"no host":  {MySQL, Source{Port: 3306, User: "repl"}, "/d"},
		"no dir":   {MySQL, donor, ""},
		"bad port": {MySQL, Source{Host: "h", Port: 0, User: "repl"}, "/d"},
	} {
		c, rec := testClient(tc.f)
		if err := c.CloneFrom(context.Background(), tc.donor, tc.dir); err == nil || len(rec.calls) != 0 {
			t.Errorf("%s: err %v, calls %q", name, err, rec.calls)
		}
	}
}
