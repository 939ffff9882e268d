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

// Package simmember simulates MariaDB members at the SQL level for the
// operator-scale benchmark: a MySQL wire-protocol server (handshake v10,
// any password, COM_QUERY with text result sets, COM_PING, COM_INIT_DB,
// COM_QUIT) listening on each hollow pod's IP, answering every statement
// the operator's MariaDB flavor sends from a small per-member state
// (server_id, read_only, GTID positions, replication source and threads,
// semi-sync, the heartbeat table). Replication is simulated: a running
// replica takes its source's GTID position whenever it is read. There is
// no data, no disk and no replication traffic. Statements it does not know
// are answered with an error and counted, so a benchmark can require none.
package simmember
