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

// Package backup is what a backup is, independent of where it runs: the layout of a cluster's
// objects in the store, the manifests written next to base backups and archived binary logs, and
// the pure decisions over them (which backup and binary logs a point-in-time restore needs, what
// retention deletes, when a schedule is due), and reading a store's catalog of manifests. No
// Kubernetes, no SQL: the agent, init and the operator share it.
//
// A cluster's prefix in the store holds:
//
//	base/<backup>/backup.xb.gz     the physical backup: a gzip-compressed xbstream
//	base/<backup>/manifest.json    written last: a backup without it is incomplete
//	binlog/<archived-at>-<member>-<file>        one archived binary log file, whole
//	binlog/<archived-at>-<member>-<file>.json   its manifest, written after it
package backup
