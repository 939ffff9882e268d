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

// Package mysql is the only package of the operator that speaks SQL.
//
// A [Client] is a bounded connection pool to one server (TCP host:port or a
// Unix socket). Every call runs under a context deadline (Config's
// StatementTimeout unless the caller's is earlier) on top of the driver's
// dial, read and write timeouts, so a frozen server cannot hang the
// operator. Errors name the member and the statement, never its arguments
// (they may hold passwords), and wrap the driver error with %w.
//
// A [Flavor] hides the SQL differences between MariaDB 10.11/11.4 and MySQL
// 8.0.26+/8.4: replication statements (CHANGE MASTER … MASTER_USE_GTID vs
// CHANGE REPLICATION SOURCE … SOURCE_AUTO_POSITION), the read-only fence
// (read_only vs super_read_only), semi-sync variable names, GTID waits and
// the status columns. Flavors are sealed: the statements each one issues are
// built by pure functions, which the unit tests assert exactly.
//
// [Instance] is the small interface the rest of the operator uses; *Client
// implements it, and package fake provides an in-memory implementation for
// other packages' unit tests. Package mysqltest starts real mariadbd
// processes on 127.0.0.x for integration tests:
//
//	go test -tags integration ./internal/mysql/...
//
// The read-only fence is set with SET GLOBAL only, never persisted: every
// server starts read-only from its configuration, so a restarted primary
// stays fenced until the operator decides otherwise.
package mysql
