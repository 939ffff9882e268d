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

import (
	"time"

	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// Store says where a cluster's backups and binary logs live. The operator reads the credentials
// from the user's Secret and sends them with each call, so the pod template does not change
// when backups are configured.
type Store struct {
	Endpoint  string `json:"endpoint"`
	Bucket    string `json:"bucket"`
	Prefix    string `json:"prefix"`
	Region    string `json:"region,omitempty"`
	AccessKey string `json:"accessKey,omitempty"`
	SecretKey string `json:"secretKey,omitempty"`
	// CA is a PEM bundle to trust for https endpoints.
	CA       string `json:"ca,omitempty"`
	Insecure bool   `json:"insecure,omitempty"`
}

// Config is the object store client's configuration of s.
func (s Store) Config() objstore.Config {
	var ca []byte
	if s.CA != "" {
		ca = []byte(s.CA)
	}
	return objstore.Config{Endpoint: s.Endpoint, Bucket: s.Bucket, Prefix: s.Prefix, Region: s.Region,
		AccessKey: s.AccessKey, SecretKey: s.SecretKey, CA: ca, Insecure: s.Insecure}
}

// StoreBackupRequest is the body of POST /v1/store-backups.
type StoreBackupRequest struct {
	// Name is the backup's name (the MySQLBackup's); its objects go under base/<Name>/.
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Cluster   string `json:"cluster"`
	Store     Store  `json:"store"`
	// Checksums asks for per-table checksums at the backup point, for verification: a replica's
	// applier is paused for the backup so the checksums and the backup see the same data.
	Checksums bool `json:"checksums,omitempty"`
}

// Phases of a store backup job.
const (
	JobRunning   = "Running"
	JobSucceeded = "Succeeded"
	JobFailed    = "Failed"
)

// BackupJob is the answer of both store-backup calls: the agent's current or last backup. An
// agent that restarted knows none (Name ""): the operator treats a Running backup it no longer
// sees as failed.
type BackupJob struct {
	Name    string    `json:"name"`
	Phase   string    `json:"phase"`
	Started time.Time `json:"started"`
	// Bytes is how much has been written to the store so far (compressed).
	Bytes int64 `json:"bytes"`
	// Error says why a Failed backup failed; Reason classifies a store error (objstore.Reason).
	Error  string `json:"error,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Manifest is the written manifest of a Succeeded backup.
	Manifest *backup.Manifest `json:"manifest,omitempty"`
}

// ArchiveRequest is the body of PUT /v1/archive.
type ArchiveRequest struct {
	Namespace string `json:"namespace"`
	Cluster   string `json:"cluster"`
	Store     Store  `json:"store"`
	// Interval is the longest a committed transaction waits before it is archived.
	Interval time.Duration `json:"interval"`
}

// ArchiveStatus is the answer of PUT /v1/archive.
type ArchiveStatus struct {
	// Active says the member is archiving: it is writable (the primary) and has a store.
	Active bool `json:"active"`
	// LastFile is the last binary log file archived by this member, LastState the GTID state at
	// its end and LastTime when it was closed; empty until the first file.
	LastFile  string    `json:"lastFile,omitempty"`
	LastState string    `json:"lastState,omitempty"`
	LastTime  time.Time `json:"lastTime,omitempty"`
	// Error is the last failure (cleared by the next success); Reason classifies a store error.
	Error  string `json:"error,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// RestoreSource is the JSON of the pod environment variable ORDINAL_RESTORE (docs/pod.md): where a
// restore's backups are and what to recover. The store's keys come from Secrets, never from here.
type RestoreSource struct {
	Store  Store      `json:"store"`
	Backup string     `json:"backup,omitempty"`
	Time   *time.Time `json:"time,omitempty"`
	GTID   string     `json:"gtid,omitempty"`
	Latest bool       `json:"latest,omitempty"`
}
