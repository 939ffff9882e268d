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

// Package instance is what runs inside a database pod (docs/pod.md):
//
//   - "ordinal install-tools DIR" (first init container, operator image) copies the binary into
//     the shared tools volume, so the next two can run it inside the database image.
//   - "ordinal init" (second init container, database image) renders the member's my.cnf, then
//     re-creates the datadir from a donor when a seed marker asks for it, restores ordinal 0 of a
//     cluster with spec.restore from the object store (restore.go, replay.go), leaves an existing
//     server untouched, or initialises an empty datadir with the cluster's accounts.
//   - "ordinal agent" (sidecar, database image) serves /livez and /readyz for the kubelet and
//     the versioned agent API (internal/agentapi): the donor side of seeding (GET /v1/backup) for
//     peers, and the operator's POST /v1/seed, GET /v1/quarantine (what re-seeds kept aside: see
//     quarantine.go), GET /v1/version, the store backups (POST/GET /v1/store-backups:
//     storebackup.go) and binary log archiving while the member is the primary (PUT /v1/archive:
//     archive.go).
//   - "ordinal verify-backup" (a verification Job, database image) restores a backup into scratch
//     space and checks it (verify.go).
//   - "ordinal prestop" (the server container's preStop hook) keeps a terminating primary
//     serving until the operator has fenced it in a switchover, bounded by --timeout.
//
// Every path is a field of [Paths] and every wait is bounded ([Timeouts]), so the integration
// tests run the same code against real mariadbd processes in temporary directories:
//
//	go test -tags integration ./internal/instance/...
package instance
