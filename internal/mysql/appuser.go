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
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// AppUser is an application's database and account (spec.database, spec.user): the account gets
// every privilege on the database and nothing else.
type AppUser struct {
	// Database is created when missing; never dropped.
	Database string
	// Name, Host and Password of the account; an empty Name creates only the database.
	Name, Host, Password string
}

// appUserLockWait (seconds) bounds each statement's wait for a metadata lock.
const appUserLockWait = 5

// identifier is what the schema allows for database and account names: nothing to escape in a
// backquoted identifier.
var identifier = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

func (u AppUser) validate() error {
	if !identifier.MatchString(u.Database) {
		return fmt.Errorf("database name %q: want 1-64 letters, digits or '_'", u.Database)
	}
	if u.Name == "" {
		return nil
	}
	if !identifier.MatchString(u.Name) || u.Host == "" {
		return fmt.Errorf("account %q@%q: want a name of letters, digits or '_' and a host", u.Name, u.Host)
	}
	if u.Password == "" {
		return errors.New("account " + u.Name + ": empty password")
	}
	return nil
}

// appUserStmts are idempotent: running them again changes nothing but the password, which is set
// on every run so that a changed password in the Secret reaches the account. They are the same
// on both engines; in GRANT a database name's '_' is a wildcard on both, so it is escaped.
func appUserStmts(u AppUser) []stmt {
	sts := []stmt{
		// A DDL waiting for a lock (a backup's, a long transaction's) fails instead of queueing
		// everything behind it for the default year.
		statement("SET SESSION lock_wait_timeout = " + strconv.Itoa(appUserLockWait)),
		statement("CREATE DATABASE IF NOT EXISTS `" + u.Database + "`"),
	}
	if u.Name == "" {
		return sts
	}
	grantDB := strings.ReplaceAll(u.Database, "_", `\_`)
	return append(sts,
		statement("CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?", u.Name, u.Host, u.Password),
		statement("ALTER USER ?@? IDENTIFIED BY ?", u.Name, u.Host, u.Password),
		statement("GRANT ALL PRIVILEGES ON `"+grantDB+"`.* TO ?@?", u.Name, u.Host),
	)
}

// EnsureAppUser creates the application's database and account on a writable primary, or brings
// the account's password and privileges up to date. The statements are binary-logged, so the
// replicas get them too.
func (c *Client) EnsureAppUser(ctx context.Context, u AppUser) error {
	if err := u.validate(); err != nil {
		return fmt.Errorf("mysql %s: %w", c.Addr(), err)
	}
	return c.onOneConnection(ctx, func(s session) error { return execOn(ctx, s, appUserStmts(u)) })
}

// AppUserExists reports whether the account exists (tests and diagnostics).
func (c *Client) AppUserExists(ctx context.Context, name, host string) (bool, error) {
	rows, err := c.s.query(ctx, statement("SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host = ?", name, host))
	if err != nil {
		return false, err
	}
	return len(rows) == 1 && rows[0].str("n") != "0", nil
}
