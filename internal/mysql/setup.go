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
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// This file holds what the programs inside a database pod (internal/instance) need besides
// Instance: creating the accounts of a fresh datadir, pinging, and positioning a seeded member.

// Accounts a fresh datadir gets (docs/pod.md).
const (
	AccountRoot        = "root"
	AccountReplication = "repl"
	AccountOperator    = "ordinal"
)

// Accounts holds the passwords of the accounts ordinal init creates.
type Accounts struct {
	RootPassword        string
	ReplicationPassword string
	OperatorPassword    string
}

func (a Accounts) validate() error {
	if a.RootPassword == "" || a.ReplicationPassword == "" || a.OperatorPassword == "" {
		return errors.New("create accounts: every password must be set")
	}
	return nil
}

// extraAccounts lists what the install tools create besides root@localhost: password-less root
// accounts for 127.0.0.1, ::1 and the host name (MariaDB with normal root authentication) and
// anonymous accounts, which would shadow the '%' accounts on local connections.
var extraAccounts = statement("SELECT User AS user, Host AS host FROM mysql.user " +
	"WHERE (User = 'root' AND Host <> 'localhost') OR User = ''")

// operatorLocal is the operator's account for Unix-socket logins inside a pod (agent, prestop
// hook, metrics, archiving, backups): a socket login matches 'localhost' before '%', and
// 'ordinal'@'%' may REQUIRE SSL, which refuses socket logins. It has the password and grants of
// 'ordinal'@'%' (on MariaDB it also keeps READ_ONLY ADMIN: revokeReadOnlyAdmin spares the
// operator's user at every host) and never requires TLS.
const operatorLocal = "'" + AccountOperator + "'@'localhost'"

// operatorGrants are the grants of both operator accounts, %s being the account.
const operatorGrants = "GRANT ALL PRIVILEGES ON *.* TO %s WITH GRANT OPTION"

// accountStmts creates root (localhost and '%'), the replication account and the operator's
// accounts ('%' and localhost). MySQL's replication account may also donate a clone (BACKUP_ADMIN).
func accountStmts(f Flavor, a Accounts) []stmt {
	return []stmt{
		statement("ALTER USER 'root'@'localhost' IDENTIFIED BY ?", a.RootPassword),
		statement("CREATE USER 'root'@'%' IDENTIFIED BY ?", a.RootPassword),
		statement("GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION"),
		statement("CREATE USER '"+AccountReplication+"'@'%' IDENTIFIED BY ?", a.ReplicationPassword),
		statement("GRANT " + replGrants(f) + " ON *.* TO '" + AccountReplication + "'@'%'"),
		statement("CREATE USER '"+AccountOperator+"'@'%' IDENTIFIED BY ?", a.OperatorPassword),
		statement(fmt.Sprintf(operatorGrants, "'"+AccountOperator+"'@'%'")),
		statement("CREATE USER "+operatorLocal+" IDENTIFIED BY ?", a.OperatorPassword),
		statement(fmt.Sprintf(operatorGrants, operatorLocal)),
	}
}

// replGrants are the replication account's privileges; on MySQL it also donates clones.
func replGrants(f Flavor) string {
	if f.Name() == MySQL.Name() {
		return "REPLICATION SLAVE, REPLICATION CLIENT, BACKUP_ADMIN"
	}
	return "REPLICATION SLAVE, REPLICATION CLIENT"
}

// CreateAccounts sets up the accounts of a freshly initialised datadir, connected as root without
// a password. Everything runs on one connection with sql_log_bin=0: creating accounts must leave no
// GTID, or every fresh member would look as if it held data of its own.
func (c *Client) CreateAccounts(ctx context.Context, a Accounts) error {
	if err := a.validate(); err != nil {
		return fmt.Errorf("mysql %s: %w", c.Addr(), err)
	}
	return c.onOneConnection(ctx, func(s session) error {
		if err := s.exec(ctx, statement("SET SESSION sql_log_bin = 0")); err != nil {
			return err
		}
		rows, err := s.query(ctx, extraAccounts)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := s.exec(ctx, statement("DROP USER ?@?", r.str("user"), r.str("host"))); err != nil {
				return err
			}
		}
		for _, st := range accountStmts(c.cfg.Flavor, a) {
			if err := s.exec(ctx, st); err != nil {
				return err
			}
		}
		return revokeReadOnlyAdmin(ctx, c.cfg.Flavor, s)
	})
}

// readOnlyAdmins lists the MariaDB accounts (not roles, not the internal mariadb.sys) that could
// hold READ_ONLY ADMIN, which lets a session write through read_only=ON. The operator's own
// account keeps it: MariaDB requires it to move the fence, and the operator writes no data.
// Revoking a global privilege an account lacks is not an error.
var readOnlyAdmins = statement("SELECT User AS user, Host AS host FROM mysql.global_priv " +
	"WHERE User <> '' AND Host <> '' AND User NOT IN ('mariadb.sys', '" + AccountOperator + "')")

// revokeReadOnlyAdmin takes READ_ONLY ADMIN from every account but the operator's on MariaDB, so
// the read-only fence holds for root and applications alike (MySQL's super_read_only already does). Replication threads
// are not sessions and still apply.
func revokeReadOnlyAdmin(ctx context.Context, f Flavor, s session) error {
	if f.Name() != MariaDB.Name() {
		return nil
	}
	rows, err := s.query(ctx, readOnlyAdmins)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := s.exec(ctx, statement("REVOKE READ_ONLY ADMIN ON *.* FROM ?@?", r.str("user"), r.str("host"))); err != nil {
			return err
		}
	}
	return nil
}

// Ping runs a trivial query: the server accepts the account and answers.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.s.query(ctx, statement("SELECT 1"))
	return err
}

// GTIDBinlogState returns MariaDB's gtid_binlog_state as the server prints it.
func (c *Client) GTIDBinlogState(ctx context.Context) (string, error) {
	if c.cfg.Flavor.Name() != MariaDB.Name() {
		return "", fmt.Errorf("mysql %s: gtid_binlog_state is MariaDB-only", c.Addr())
	}
	q := statement("SELECT @@GLOBAL.gtid_binlog_state AS state")
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return "", err
	}
	if len(rows) != 1 {
		return "", c.fail(q, fmt.Errorf("got %d rows, want 1", len(rows)))
	}
	return rows[0].str("state"), nil
}

// SetSeededPosition records, on a MariaDB member just restored from a backup (its binary log is
// empty), which transactions it holds: the binary log state (so the member is seen to hold data
// and can be compared with the others) and the replica position (so replication resumes exactly
// after the backup). Both are MariaDB GTID lists; MySQL members are seeded by clone, which
// carries gtid_executed itself.
func (c *Client) SetSeededPosition(ctx context.Context, binlogState, slavePos string) error {
	sts, err := seededPositionStmts(c.cfg.Flavor, binlogState, slavePos)
	if err != nil {
		return fmt.Errorf("mysql %s: %w", c.Addr(), err)
	}
	return c.execAll(ctx, sts)
}

func seededPositionStmts(f Flavor, binlogState, slavePos string) ([]stmt, error) {
	if f.Name() != MariaDB.Name() {
		return nil, errors.New("set seeded position: MariaDB-only (clone carries gtid_executed)")
	}
	for _, s := range []string{binlogState, slavePos} {
		if _, err := gtid.ParseMariaDB(s); err != nil {
			return nil, fmt.Errorf("set seeded position: %w", err)
		}
	}
	// gtid_slave_pos first: its InnoDB commit flushes the redo log, which RESET MASTER otherwise
	// waited for up to a second (InnoDB's background flush) on a datadir seeded from a replica.
	// RESET MASTER leaves gtid_slave_pos as it is.
	return []stmt{
		statement("SET GLOBAL gtid_slave_pos = ?", slavePos),
		statement("RESET MASTER"),
		statement("SET GLOBAL gtid_binlog_state = ?", binlogState),
	}, nil
}

// CloneFrom copies the donor's whole datadir into dataDir (a directory the server creates) with
// MySQL's clone plugin; the connected server is only the recipient of the copy, its own data stays
// as it is. donor.User needs BACKUP_ADMIN on the donor. The copy takes as long as the datadir is
// large: open the client with a StatementTimeout and ReadTimeout to match. MySQL only.
func (c *Client) CloneFrom(ctx context.Context, donor Source, dataDir string) error {
	sts, err := cloneStmts(c.cfg.Flavor, donor, dataDir)
	if err != nil {
		return fmt.Errorf("mysql %s: %w", c.Addr(), err)
	}
	return c.execAll(ctx, sts)
}

func cloneStmts(f Flavor, donor Source, dataDir string) ([]stmt, error) {
	if f.Name() != MySQL.Name() {
		return nil, errors.New("clone: MySQL-only (MariaDB members are seeded with mariadb-backup)")
	}
	if err := donor.validate(); err != nil {
		return nil, fmt.Errorf("clone: %w", err)
	}
	if dataDir == "" {
		return nil, errors.New("clone: no target directory")
	}
	out := []stmt{statement("SET GLOBAL clone_valid_donor_list = ?", net.JoinHostPort(donor.Host, strconv.Itoa(donor.Port)))}
	if donor.TLS == nil {
		return append(out, statement("CLONE INSTANCE FROM ?@?:? IDENTIFIED BY ? DATA DIRECTORY = ?",
			donor.User, donor.Host, donor.Port, donor.Password, dataDir)), nil
	}
	// The replication account requires TLS once the cluster serves it; the donor is verified with
	// the recipient's CAs.
	return append(out,
		statement("SET GLOBAL clone_ssl_ca = ?", donor.TLS.CAFile),
		statement("CLONE INSTANCE FROM ?@?:? IDENTIFIED BY ? DATA DIRECTORY = ? REQUIRE SSL",
			donor.User, donor.Host, donor.Port, donor.Password, dataDir)), nil
}

// onOneConnection runs fn on a single connection, so session variables hold for all of it; the
// connection is closed afterwards, never pooled.
func (c *Client) onOneConnection(ctx context.Context, fn func(s session) error) error {
	if c.db == nil { // unit tests: the recorder is one session already
		return fn(c.s)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.StatementTimeout)
	conn, err := c.db.Conn(ctx)
	cancel()
	if err != nil {
		return fmt.Errorf("mysql %s: get a connection: %w", c.Addr(), err)
	}
	defer conn.Close()
	// The session's settings (sql_log_bin=0) must not reach the pool: the connection is discarded.
	defer func() { _ = conn.Raw(func(any) error { return driver.ErrBadConn }) }()
	return fn(&connSession{conn: conn, cfg: c.cfg})
}

// connSession is dbSession on one connection.
type connSession struct {
	conn *sql.Conn
	cfg  Config
}

func (s *connSession) exec(ctx context.Context, st stmt) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StatementTimeout)
	defer cancel()
	if _, err := s.conn.ExecContext(ctx, st.sql, st.args...); err != nil {
		return &StatementError{Addr: s.cfg.Addr(), Statement: st.sql, Err: err}
	}
	return nil
}

func (s *connSession) query(ctx context.Context, st stmt) ([]row, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StatementTimeout)
	defer cancel()
	rows, err := s.conn.QueryContext(ctx, st.sql, st.args...)
	if err != nil {
		return nil, &StatementError{Addr: s.cfg.Addr(), Statement: st.sql, Err: err}
	}
	defer rows.Close()
	out, err := scanRows(rows)
	if err != nil {
		return nil, &StatementError{Addr: s.cfg.Addr(), Statement: st.sql, Err: err}
	}
	return out, nil
}
