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

// Package workload is the load the e2e fault suite runs while it breaks a cluster, and the checks
// it makes afterwards. Three loops run against a MySQL/MariaDB cluster, each bounded in count and
// in time:
//
//   - a writer inserts rows with client-chosen ids through the primary Service (a fresh connection
//     per attempt, 1 s to connect, 2 s to read or write) and logs every acknowledged id, its time
//     and the member that acknowledged it;
//   - a prober records every 100 ms which members are writable (read_only via each pod IP, 300 ms
//     timeout), their semi-sync state, and which member the primary Service reaches;
//   - a few clients read, write and compare-and-set a small set of keys through the primary
//     Service; every operation is recorded with its start and end, an operation whose outcome is
//     not known (a timeout or a lost connection after the statement was sent) as indeterminate.
//
// Afterwards the pure functions of this package measure the write pause, look for ticks where two
// writable members were both routed to by the primary Service, and check the key history for
// linearizability with porcupine (a register per key, histories partitioned by key). VerifyRows
// checks every acknowledged row on every member. With Options.TLS the connections through the
// primary Service are encrypted and verify the server as an application would (the member probes
// stay plain). Nothing here imports Ginkgo; the e2e suite turns the results into assertions.
package workload
