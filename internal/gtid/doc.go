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

// Package gtid is pure GTID set arithmetic for MySQL and MariaDB.
//
// A [Set] is an immutable value: a flavor plus, per key, a sorted list of
// disjoint, non-adjacent closed intervals of sequence numbers.
//
// # MySQL
//
// Keys are source UUIDs (lower case), or "uuid:tag" for MySQL 8.4 tagged
// GTIDs. The text form is the one of gtid_executed:
// "uuid:1-5:7-9,uuid2:1-3", tagged "uuid:1-5:tag:1-3". Whitespace and
// newlines around tokens are tolerated, as MySQL prints ",\n" between UUIDs.
//
// # MariaDB
//
// A MariaDB position (gtid_binlog_state, gtid_current_pos, gtid_slave_pos,
// Gtid_IO_Pos) lists "domain-server-seq" triples: per (domain, server_id),
// the last sequence number. With gtid_strict_mode sequence numbers grow
// monotonically per domain, so a triple is represented uniformly as key
// "domain-server" with the interval [1, seq]. The representation over-claims
// (a server that took over at seq 101 did not write 1..100), which is why
// [Set.Count] is an upper bound for MariaDB sets, but it is exactly what the
// subset test needs.
//
// Compare gtid_binlog_state values, not gtid_current_pos: the binlog state
// keeps one entry per domain AND server, which makes divergence detectable.
// An old primary with state {0-1-101} that returns after a new primary
// (server 2) wrote 0-2-101 on top of 0-1-100 has {0-1-[1,101]}, which is not a
// subset of the new primary's {0-1-[1,100], 0-2-[1,101]}: its 0-1-101 is an
// errant transaction. gtid_current_pos keeps only the last GTID per domain,
// so "0-1-100" would not be a subset of "0-2-101" even though nothing diverged.
//
// The canonical MariaDB form prints "d-s-seq" for a key whose only interval
// starts at 1. Other shapes, which appear after [Set.Subtract], print as
// "d-s:a-b:c" (the MySQL interval syntax on a "domain-server" key); the
// parser accepts both, so Parse(String()) round-trips.
//
// # Mixing flavors
//
// The zero Set is empty and has no flavor; an empty set mixes freely. Two
// non-empty sets of different flavors share no element: SubsetOf and Equal
// report false, Subtract returns the receiver unchanged, and Union panics,
// because its result cannot be represented and a caller that mixes the
// flavors of one cluster has a bug.
package gtid
