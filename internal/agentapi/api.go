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

package agentapi

import "net/http"

// APIVersion is the version of the calls this build serves and makes.
const APIVersion = "v1"

// MetricsPort is the agent's Prometheus port (container port "metrics" in the pod, GET /metrics,
// no credentials; docs/pod.md): the pod builder declares it and the agent binds it on the pod IP.
// It is no part of the versioned API: the series are named like mysqld_exporter's.
const MetricsPort = 9104

// Endpoint is one call of the agent API.
type Endpoint struct {
	Method string
	// Name is the path without the version prefix, e.g. "/seed".
	Name string
	// Legacy says agents of v0.1 served it unprefixed (see the package doc).
	Legacy bool
}

// The calls.
var (
	// Seed (operator only) asks the member to re-create its datadir from a donor on its next start.
	Seed = Endpoint{Method: http.MethodPost, Name: "/seed", Legacy: true}
	// Backup (replication account, agent to agent) streams the donor's datadir.
	Backup = Endpoint{Method: http.MethodGet, Name: "/backup", Legacy: true}
	// Quarantine (operator only) lists what re-seeds kept aside.
	Quarantine = Endpoint{Method: http.MethodGet, Name: "/quarantine", Legacy: true}
	// Version (no credentials: it reveals nothing) names the agent's build and API versions.
	Version = Endpoint{Method: http.MethodGet, Name: "/version"}
	// StartStoreBackup (operator only) starts a physical backup of the member into the object
	// store; it answers at once (BackupJob) and the backup runs in the agent.
	StartStoreBackup = Endpoint{Method: http.MethodPost, Name: "/store-backups"}
	// StoreBackupStatus (operator only) reports the agent's current or last store backup.
	StoreBackupStatus = Endpoint{Method: http.MethodGet, Name: "/store-backups"}
	// Archive (operator only) sets how the member archives its binary logs while it is the
	// primary (ArchiveRequest) and answers how far it got (ArchiveStatus). Idempotent: the
	// operator sends it on every pass.
	Archive = Endpoint{Method: http.MethodPut, Name: "/archive"}
)

// Path is the versioned path of e.
func (e Endpoint) Path() string { return "/" + APIVersion + e.Name }

// Patterns are the http.ServeMux patterns an agent registers for e: the versioned one and, for
// calls v0.1 had, the legacy one.
func (e Endpoint) Patterns() []string {
	p := []string{e.Method + " " + e.Path()}
	if e.Legacy {
		p = append(p, e.Method+" "+e.Name)
	}
	return p
}

// VersionInfo is the answer of GET /v1/version.
type VersionInfo struct {
	// Agent is the build of the agent binary (internal/version).
	Agent string `json:"agent"`
	// APIs are the API versions it serves, e.g. ["v1"].
	APIs []string `json:"apis"`
}

// SeedRequest is the body of POST /v1/seed.
type SeedRequest struct {
	// Donor is host:port of the donor member's agent.
	Donor string `json:"donor"`
	// KeepAside, when set, says why this member's binary logs must be kept before its datadir is
	// wiped, e.g. "errant: 0-101-57".
	KeepAside string `json:"keepAside,omitempty"`
	// DonorTLS says whether the donor's agent serves HTTPS (its pod mounts the cluster's
	// certificates): the member then fetches the backup over mutual TLS, else over plain HTTP.
	// The operator sends it only to agents that serve TLS themselves: an agent of an earlier
	// build refuses fields it does not know. Absent, the member decides by itself (see the
	// instance package's seed).
	DonorTLS *bool `json:"donorTLS,omitempty"`
}

// The donor's response to GET /v1/backup.
const (
	// HeaderBinlogState is the donor's gtid_binlog_state just before the backup started.
	HeaderBinlogState = "Ordinal-Gtid-Binlog-State"
	// TrailerBackupStatus is "ok" when the backup tool finished successfully, else why not. A
	// response without it (the donor died mid-stream) is a failed backup too.
	TrailerBackupStatus = "Ordinal-Backup-Status"
	// BackupStatusOK is the trailer's value for a complete backup.
	BackupStatusOK = "ok"
)
