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

// Package fake is an in-memory [mysql.Instance] for other packages' unit
// tests: no SQL, no goroutines, no sleeping.
//
// A [Cluster] holds members by address (host:port) and implements
// [mysql.Opener]. Each member tracks its fence, replication source and
// threads, executed and retrieved GTID sets, semi-sync flags and purged
// binary logs. Writes ([Instance.Write]) and replication
// ([Cluster.Replicate]) happen only when the test says so, which lets it
// stage lag, divergence and failures precisely. A member can be made
// unreachable, or a single operation made to fail; every call is recorded.
//
// The model: a replica's IO thread copies its source's executed set into its
// retrieved set; its SQL thread applies retrieved into executed. A source
// that purged binary logs a replica still needs makes the IO thread stop
// with error 1236; an unreachable source leaves it "Connecting" with 2003.
// For MariaDB, CurrentPos equals Executed (the fake does not reduce it to
// one GTID per domain). RequireTLS commits transactions of the member's own
// like the real statements; a replica whose SQL thread applies its source's
// transactions takes the source's AccountsRequireTLS with them.
package fake
