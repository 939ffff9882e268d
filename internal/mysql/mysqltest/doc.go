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

// Package mysqltest starts real mariadbd processes for integration tests.
//
// [Start] runs n servers, member i listening only on 127.0.0.(11+i) at a
// free port, each with its own datadir, socket, binary log, server_id
// (11+i, so GTIDs read 0-11-5), gtid_strict_mode, log_slave_updates,
// ROW binlogs and read_only=ON, as the operator's pods do. Servers are
// stopped (SIGTERM, then SIGKILL) and their directories removed when the
// test ends.
//
// Datadirs are copied from a template made once per mariadbd version by
// mariadb-install-db and cached under $TMPDIR/ordinal-mysqltest (about
// 22 MB); the template already holds the users below, created without
// binary logging so that no member starts with a GTID of its own:
//
//	root / RootPassword   all privileges, from 127.% and the socket
//	repl / ReplPassword   REPLICATION SLAVE
//	app  / AppPassword    all privileges on database app only: no
//	                      READ_ONLY ADMIN, so the read-only fence stops it
//
// The servers run as root (--user=root): the tests run as root and mariadbd
// refuses root otherwise. Nothing in the package needs a network beyond
// loopback.
package mysqltest
