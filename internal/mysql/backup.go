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
	"strconv"
	"strings"
)

// This file holds what physical backups to an object store need (internal/instance): the
// applier pause that lets a replica's checksums and its backup see the same data, the
// per-table checksums and checks of verification, and the account reset of a restore.

// Table names one table.
type Table struct {
	Schema, Name string
}

func (t Table) String() string { return t.Schema + "." + t.Name }

// quoted is the table as an identifier: backticks doubled, so any name is safe.
func (t Table) quoted() string { return quoteIdent(t.Schema) + "." + quoteIdent(t.Name) }

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// userTables lists every table that holds user data: the system schemas are the server's own
// and differ between two servers holding the same data. MariaDB's system-versioned tables are
// user tables too.
var userTables = statement("SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES " +
	"WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') " +
	"AND TABLE_SCHEMA NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema') " +
	"ORDER BY TABLE_SCHEMA, TABLE_NAME")

// UserTables lists the tables outside the system schemas, by schema then name.
func (c *Client) UserTables(ctx context.Context) ([]Table, error) {
	rows, err := c.s.query(ctx, userTables)
	if err != nil {
		return nil, err
	}
	out := make([]Table, 0, len(rows))
	for _, r := range rows {
		out = append(out, Table{Schema: r.str("s"), Name: r.str("t")})
	}
	return out, nil
}

// TableChecksum is one table's row count and CHECKSUM TABLE.
type TableChecksum struct {
	Table
	Rows     int64
	Checksum uint64
}

// ChecksumTables counts the rows of each table and takes its CHECKSUM TABLE (a full read of
// an InnoDB table): open the client with a StatementTimeout and ReadTimeout to match the data.
func (c *Client) ChecksumTables(ctx context.Context, tables []Table) ([]TableChecksum, error) {
	out := make([]TableChecksum, 0, len(tables))
	for _, t := range tables {
		sum, err := c.checksum(ctx, t)
		if err != nil {
			return nil, err
		}
		q := statement("SELECT COUNT(*) AS n FROM " + t.quoted())
		rows, err := c.s.query(ctx, q)
		if err != nil {
			return nil, err
		}
		n, err := firstRow(rows).num("n")
		if err != nil || len(rows) != 1 {
			return nil, c.fail(q, fmt.Errorf("row count of %s: %d rows, %v", t, len(rows), err))
		}
		out = append(out, TableChecksum{Table: t, Rows: n, Checksum: sum})
	}
	return out, nil
}

func (c *Client) checksum(ctx context.Context, t Table) (uint64, error) {
	q := statement("CHECKSUM TABLE " + t.quoted())
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return 0, err
	}
	// The server answers NULL, not an error, for a table that vanished since it was listed.
	v := firstRow(rows)["Checksum"]
	if len(rows) != 1 || !v.Valid {
		return 0, c.fail(q, fmt.Errorf("no checksum for %s (dropped meanwhile?)", t))
	}
	sum, err := strconv.ParseUint(v.String, 10, 64)
	if err != nil {
		return 0, c.fail(q, fmt.Errorf("checksum of %s: %w", t, err))
	}
	return sum, nil
}

// CheckTables runs CHECK TABLE on each table and returns what it found wrong, one message per
// table ("" for none). A table is wrong when the server reports an error for it, or ends with a
// status other than OK.
func (c *Client) CheckTables(ctx context.Context, tables []Table) ([]string, error) {
	var problems []string
	for _, t := range tables {
		rows, err := c.s.query(ctx, statement("CHECK TABLE "+t.quoted()))
		if err != nil {
			return nil, err
		}
		if msg := checkProblem(rows); msg != "" {
			problems = append(problems, t.String()+": "+msg)
		}
	}
	return problems, nil
}

// checkProblem reads CHECK TABLE's rows: notes and warnings (e.g. an engine without CHECK) are
// not corruption; errors are, and so is a final status other than OK.
func checkProblem(rows []row) string {
	var errs []string
	for _, r := range rows {
		typ, text := strings.ToLower(r.str("Msg_type")), r.str("Msg_text")
		switch {
		case typ == "error":
			errs = append(errs, text)
		case typ == "status" && text != "OK" && text != "Table is already up to date":
			errs = append(errs, text)
		}
	}
	return strings.Join(errs, "; ")
}

// applierSQL is how each flavor stops and starts only the SQL (applier) thread; the IO thread
// keeps receiving, so a paused replica still acknowledges commits (semi-sync) and its relay
// log holds everything a failover needs.
func applierSQL(f Flavor, start bool) stmt {
	word, verb := "SLAVE", "STOP"
	if f.Name() == MySQL.Name() {
		word = "REPLICA"
	}
	if start {
		verb = "START"
	}
	return statement(verb + " " + word + " SQL_THREAD")
}

// StopApplier stops the replica's SQL thread: its data stops changing.
func (c *Client) StopApplier(ctx context.Context) error {
	return c.s.exec(ctx, applierSQL(c.cfg.Flavor, false))
}

// StartApplier starts the replica's SQL thread again; starting a running one is no error.
func (c *Client) StartApplier(ctx context.Context) error {
	return c.s.exec(ctx, applierSQL(c.cfg.Flavor, true))
}

// resetAccountStmts gives the cluster's accounts this cluster's passwords on a restored datadir,
// which carries the source cluster's. FLUSH PRIVILEGES first: on a server started with
// --skip-grant-tables (the only way in without the source's passwords) it loads the grant
// tables, without which account statements are refused. Accounts missing from the backup are
// created with the grants init gives a fresh datadir.
func resetAccountStmts(f Flavor, a Accounts) []stmt {
	out := []stmt{statement("FLUSH PRIVILEGES")}
	for _, acc := range []struct{ user, host, password, grants string }{
		{AccountRoot, "localhost", a.RootPassword, "GRANT ALL PRIVILEGES ON *.* TO %s WITH GRANT OPTION"},
		{AccountRoot, "%", a.RootPassword, "GRANT ALL PRIVILEGES ON *.* TO %s WITH GRANT OPTION"},
		{AccountReplication, "%", a.ReplicationPassword, "GRANT " + replGrants(f) + " ON *.* TO %s"},
		{AccountOperator, "%", a.OperatorPassword, operatorGrants},
		{AccountOperator, "localhost", a.OperatorPassword, operatorGrants}, // see operatorLocal
	} {
		name := "'" + acc.user + "'@'" + acc.host + "'"
		out = append(out,
			statement("CREATE USER IF NOT EXISTS "+name+" IDENTIFIED BY ?", acc.password),
			// REQUIRE NONE: the restoring cluster requires TLS again once its members serve it
			// (a backup of a TLS cluster must not lock a plain one out).
			statement("ALTER USER "+name+" IDENTIFIED BY ? REQUIRE NONE", acc.password),
			statement(fmt.Sprintf(acc.grants, name)))
	}
	return out
}

// ResetAccounts sets this cluster's passwords on the accounts of a restored datadir (see
// resetAccountStmts), on one connection with sql_log_bin=0: the change must leave no GTID of
// its own, or the restored member would hold a transaction the backup lacks. On MariaDB the
// read-only fence is restored as on a fresh datadir (only the operator keeps READ_ONLY ADMIN).
func (c *Client) ResetAccounts(ctx context.Context, a Accounts) error {
	if err := a.validate(); err != nil {
		return fmt.Errorf("mysql %s: %w", c.Addr(), err)
	}
	return c.onOneConnection(ctx, func(s session) error {
		if err := s.exec(ctx, statement("SET SESSION sql_log_bin = 0")); err != nil {
			return err
		}
		if err := execOn(ctx, s, resetAccountStmts(c.cfg.Flavor, a)); err != nil {
			return err
		}
		return revokeReadOnlyAdmin(ctx, c.cfg.Flavor, s)
	})
}
