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

// Package topology is the operator's decision engine: given a [Snapshot] of a
// cluster (what every server answered, what its pod looks like, what the user
// asked for), [Decide] returns the single next [Step] — bootstrap, fence,
// repoint, fail over, switch over, seed, restart or wait — and [Roles],
// [Members] and [ClusterHealth] derive labels and status from the same
// snapshot.
//
// Everything here is pure and deterministic: no Kubernetes types, no
// database/sql, no clock. The rules mirror docs/topology.md line for line;
// read that page first.
package topology
