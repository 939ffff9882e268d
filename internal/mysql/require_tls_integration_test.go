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
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// clusterAccounts are the passwords CreateAccounts gets; root keeps mysqltest's, so the test's
// root clients go on logging in (as root@'%' once CreateAccounts dropped root@'127.%').
var clusterAccounts = mysql.Accounts{RootPassword: mysqltest.RootPassword,
	ReplicationPassword: mysqltest.ReplPassword, OperatorPassword: "operator-pw"}

// rootSocket is a Client for root@localhost over member i's Unix socket (as ordinal init is).
func rootSocket(e *env, i int) *mysql.Client {
	c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Socket: e.cluster.Members[i].Socket,
		User: mysqltest.RootUser, Password: mysqltest.RootPassword})
	e.must(err)
	e.t.Cleanup(func() { c.Close() })
	return c
}

// execUnlogged runs qs on member i with the binary log off (a member's local change), as root
// over the socket before CreateAccounts, as ordinal after it: CreateAccounts leaves READ_ONLY
// ADMIN, which writes through the read-only fence, to the operator's account only.
func execUnlogged(e *env, i int, asOperator bool, qs ...string) {
	e.t.Helper()
	m := e.cluster.Members[i]
	db := m.SocketDB(e.t, mysqltest.RootUser, mysqltest.RootPassword)
	if asOperator {
		db = m.DB(e.t, mysql.AccountOperator, clusterAccounts.OperatorPassword)
	}
	conn, err := db.Conn(e.ctx)
	e.must(err)
	defer conn.Close()
	for _, q := range append([]string{"SET SESSION sql_log_bin = 0"}, qs...) {
		if _, err := conn.ExecContext(e.ctx, q); err != nil {
			e.t.Fatalf("member %d: %s: %v", i, q, err)
		}
	}
}

// createAccounts drops mysqltest's 'repl'@'127.%', which would serve the test's loopback logins
// as repl instead of 'repl'@'%', and runs CreateAccounts on member i.
func createAccounts(e *env, i int) {
	e.t.Helper()
	execUnlogged(e, i, false, "DROP USER 'repl'@'127.%'")
	e.must(rootSocket(e, i).CreateAccounts(e.ctx, clusterAccounts))
}

// socketUser logs in as ordinal over member i's Unix socket and returns CURRENT_USER().
func socketUser(e *env, i int) (string, error) {
	db := e.cluster.Members[i].SocketDB(e.t, mysql.AccountOperator, clusterAccounts.OperatorPassword)
	var user string
	err := db.QueryRowContext(e.ctx, "SELECT CURRENT_USER()").Scan(&user)
	return user, err
}

// checkSocketLogin fails the test unless a socket login as ordinal on member i is ordinal@localhost.
func checkSocketLogin(e *env, i int, when string) {
	e.t.Helper()
	if user, err := socketUser(e, i); err != nil || user != "ordinal@localhost" {
		e.t.Errorf("%s: a socket login as ordinal on member %d is %q (%v), want ordinal@localhost", when, i, user, err)
	}
}

// checkSameGrants fails the test unless ordinal@localhost has the password and grants of
// ordinal@'%' on member i (SHOW GRANTS shows the password hash).
func checkSameGrants(e *env, i int) {
	e.t.Helper()
	db := e.cluster.Members[i].SocketDB(e.t, mysqltest.RootUser, mysqltest.RootPassword)
	grants := func(host string) string {
		rows, err := db.QueryContext(e.ctx, "SHOW GRANTS FOR 'ordinal'@'"+host+"'")
		e.must(err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var g string
			e.must(rows.Scan(&g))
			out = append(out, strings.ReplaceAll(g, "`@`"+host+"`", "`@`HOST`"))
		}
		e.must(rows.Err())
		return strings.Join(out, "; ")
	}
	if local, all := grants("localhost"), grants("%"); local != all || !strings.Contains(local, "ALL PRIVILEGES") {
		e.t.Errorf("member %d: ordinal@localhost has %q, ordinal@'%%' %q", i, local, all)
	}
}

// Both ways the cluster's accounts are made give ordinal@localhost, which serves socket logins as
// ordinal, and leave no GTID.
func TestAccountsServeOperatorSocketLogins(t *testing.T) {
	e := newEnv(t, 1)
	createAccounts(e, 0)
	checkSocketLogin(e, 0, "after CreateAccounts")
	checkSameGrants(e, 0)

	// A datadir restored from a backup taken before the account existed.
	execUnlogged(e, 0, true, "DROP USER 'ordinal'@'localhost'")
	if user, err := socketUser(e, 0); err != nil || user != "ordinal@%" {
		t.Fatalf("without ordinal@localhost a socket login as ordinal is %q (%v), want ordinal@%%", user, err)
	}
	// As ordinal: CreateAccounts left root without READ_ONLY ADMIN, so root may neither write
	// through the fence nor grant ALL PRIVILEGES (a restore runs with --skip-grant-tables).
	e.must(operatorClient(e, 0, nil).ResetAccounts(e.ctx, clusterAccounts))
	checkSocketLogin(e, 0, "after ResetAccounts")
	checkSameGrants(e, 0)
	if executed := e.status(0).Executed; !executed.IsEmpty() {
		t.Errorf("creating and resetting the accounts left GTIDs %v", executed)
	}
}

// RequireTLS on the primary reaches the replica by replication, without an errant transaction:
// on both, plain logins as repl and ordinal are refused, verified TLS and socket logins work,
// replication goes on over TLS; RequireTLS(false) reverts it.
func TestRequireTLSOnThePrimaryReachesTheReplica(t *testing.T) {
	e, ca, files := newTLSEnv(t)
	op := make([]*mysql.Client, 2) // the operator's connections: ordinal over verified TLS
	for i := range 2 {
		createAccounts(e, i)
		// A cluster made before ordinal@localhost existed: RequireTLS creates it.
		execUnlogged(e, i, true, "DROP USER 'ordinal'@'localhost'")
		op[i] = operatorClient(e, i, ca.CertPEM)
	}
	e.must(op[0].SetReadOnly(e.ctx, false))
	src := e.source(0)
	src.TLS = &mysql.SourceTLS{CAFile: files[1].ca}
	e.must(op[1].ConfigureReplica(e.ctx, src))
	e.must(op[1].StartReplication(e.ctx))
	waitReplicatingOverTLS(e)

	requireTLS(e, op[0], true)
	for i := range 2 {
		checkRequired(e, op[i], i, true, pool(ca.CertPEM))
		checkSocketLogin(e, i, "with REQUIRE SSL")
	}
	// The replica reconnects as repl, which now requires TLS.
	e.must(op[1].StopReplication(e.ctx))
	e.must(op[1].StartReplication(e.ctx))
	waitReplicatingOverTLS(e)
	e.writeRows(0, 3)
	e.waitRows(1, 3)

	requireTLS(e, op[0], false)
	for i := range 2 {
		checkRequired(e, op[i], i, false, pool(ca.CertPEM))
		checkSocketLogin(e, i, "with REQUIRE NONE")
	}
}

// newTLSEnv starts two members serving one certificate of a new CA.
func newTLSEnv(t *testing.T) (*env, *certs.Authority, []tlsFiles) {
	now := time.Now()
	ca, err := certs.NewCA("cluster CA", now, certs.CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.IssueServer([]string{"127.0.0.11", "127.0.0.12"}, now, certs.LeafValidity)
	if err != nil {
		t.Fatal(err)
	}
	files := []tlsFiles{newTLSFiles(t), newTLSFiles(t)}
	for _, f := range files {
		f.write(t, ca.CertPEM, server)
	}
	e := newEnvWith(t, 2, mysqltest.Options{ExtraArgs: renderedReplicationArgs(t),
		MemberArgs: [][]string{files[0].args(), files[1].args()}})
	return e, ca, files
}

// operatorClient connects to member i as ordinal over TLS verified with caPEM, or in plain text
// when caPEM is nil.
func operatorClient(e *env, i int, caPEM []byte) *mysql.Client {
	m := e.cluster.Members[i]
	cfg := mysql.Config{Flavor: mysql.MariaDB, Host: m.Host, Port: m.Port, StatementTimeout: 5 * time.Second,
		User: mysql.AccountOperator, Password: clusterAccounts.OperatorPassword}
	if caPEM != nil {
		cfg.TLS = &tls.Config{RootCAs: pool(caPEM), ServerName: m.Host, MinVersion: tls.VersionTLS12}
	}
	c, err := mysql.Open(cfg)
	e.must(err)
	e.t.Cleanup(func() { c.Close() })
	return c
}

func waitReplicatingOverTLS(e *env) {
	e.t.Helper()
	e.eventually("the replica replicates over TLS", func() error {
		if r := e.status(1).Replication; r == nil || !r.IORunning || !r.SQLRunning || !r.TLS {
			return fmt.Errorf("replication %+v", r)
		}
		return nil
	})
}

// requireTLS runs RequireTLS on the primary, checks that it logged its four statements, waits
// until the replica has applied them and checks that the replica has nothing the primary lacks
// (no errant transaction).
func requireTLS(e *env, op *mysql.Client, on bool) {
	e.t.Helper()
	before := e.status(0).Executed
	e.must(op.RequireTLS(e.ctx, on, clusterAccounts.OperatorPassword))
	primary := e.status(0).Executed
	if n := primary.Subtract(before).Count(); n != 4 {
		e.t.Errorf("RequireTLS(%v) logged %d transactions (%v, before %v), want 4", on, n, primary, before)
	}
	e.waitExecuted(1, primary)
	if replica := e.status(1).Executed; !replica.SubsetOf(e.status(0).Executed) {
		e.t.Errorf("replica executed %v, primary %v: want a subset", replica, primary)
	}
}

// checkRequired checks on member i what AccountsRequireTLS says and which logins are accepted
// when the accounts require TLS (required) or not.
func checkRequired(e *env, op *mysql.Client, i int, required bool, roots *x509.CertPool) {
	e.t.Helper()
	if got, err := op.AccountsRequireTLS(e.ctx); err != nil || got != required {
		e.t.Errorf("member %d: AccountsRequireTLS = %v, %v; want %v", i, got, err, required)
	}
	for _, acc := range [][2]string{{"repl", mysqltest.ReplPassword}, {"ordinal", clusterAccounts.OperatorPassword}} {
		_, err := dialAs(e, i, acc[0], acc[1], nil)
		if required && mysql.ErrorNumber(err) != 1045 {
			e.t.Errorf("member %d: a plain login as %s: %v, want access denied (1045)", i, acc[0], err)
		}
		if !required && err != nil {
			e.t.Errorf("member %d: a plain login as %s: %v", i, acc[0], err)
		}
		if _, err := dialAs(e, i, acc[0], acc[1], roots); err != nil {
			e.t.Errorf("member %d: a verified TLS login as %s: %v", i, acc[0], err)
		}
	}
}
