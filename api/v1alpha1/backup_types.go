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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ObjectStore is an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, versitygw, ...).
type ObjectStore struct {
	// Endpoint is the S3 endpoint: a URL (https://s3.eu-west-1.amazonaws.com, http://minio.minio:9000)
	// or host:port (https).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:XValidation:rule="!self.contains('/') || self.matches('^https?://[^/]+/?$')",message="store.endpoint must be host:port or an http(s) URL without a path (the bucket and prefix are separate fields)"
	Endpoint string `json:"endpoint"`

	// Bucket must exist; the operator never creates it.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`
	Bucket string `json:"bucket"`

	// Prefix is where this cluster's objects go in the bucket; default NAMESPACE/NAME. Two clusters
	// must not share a prefix.
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/') && !self.contains('..')",message="store.prefix must be relative: no leading '/' and no '..'"
	// +optional
	Prefix string `json:"prefix,omitempty"`

	// Region, when the store needs one.
	// +optional
	Region string `json:"region,omitempty"`

	// CredentialsSecretName names a Secret in the cluster's namespace with the keys accessKeyID and
	// secretAccessKey.
	// +kubebuilder:validation:MinLength=1
	CredentialsSecretName string `json:"credentialsSecretName"`

	// CASecretName names a Secret whose key ca.crt holds the PEM CA bundle of an https endpoint
	// signed by a private CA.
	// +optional
	CASecretName string `json:"caSecretName,omitempty"`
}

// Keys of the store's credentials Secret and CA Secret.
const (
	StoreAccessKeyKey = "accessKeyID"
	StoreSecretKeyKey = "secretAccessKey"
	StoreCAKey        = "ca.crt"
)

// Backup configures backups of a cluster.
type Backup struct {
	// Store is where base backups and archived binary logs go.
	Store ObjectStore `json:"store"`

	// Schedule is a cron expression (5 fields, UTC; or @hourly, @daily, @every 6h) for base backups;
	// none are taken on a schedule when empty.
	// +optional
	Schedule string `json:"schedule,omitempty"`

	// Retention says which base backups the operator deletes (objects and MySQLBackup alike). It
	// never deletes the newest succeeded nor the newest verified backup, and keeps the archived
	// binary logs back to the oldest kept backup.
	// +kubebuilder:default={}
	// +optional
	Retention BackupRetention `json:"retention,omitempty"`

	// ArchiveInterval bounds the recovery point: the primary's binary log is archived at least
	// this often while it has new transactions.
	// +kubebuilder:default="5s"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('1h')",message="backup.archiveInterval must be between 1s and 1h"
	// +optional
	ArchiveInterval *metav1.Duration `json:"archiveInterval,omitempty"`

	// Verify restores every new backup into a throwaway Job and checks it (the server starts,
	// every table checks, row counts and checksums match the backup's manifest).
	// +kubebuilder:default=true
	// +optional
	Verify *bool `json:"verify,omitempty"`
}

// BackupRetention keeps backups by count and by age; zero does not limit.
type BackupRetention struct {
	// KeepLast is how many succeeded backups to keep.
	// +kubebuilder:default=7
	// +kubebuilder:validation:Minimum=0
	// +optional
	KeepLast int32 `json:"keepLast,omitempty"`

	// MaxAge deletes backups older than this.
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m')",message="backup.retention.maxAge must be at least 1m"
	// +optional
	MaxAge *metav1.Duration `json:"maxAge,omitempty"`
}

// Restore bootstraps a new cluster from a store: a base backup, rolled forward through the
// archived binary logs to a point in time when one is given. Read only when the cluster is
// created; NAME-0 is restored, the other members are seeded from it.
// +kubebuilder:validation:XValidation:rule="has(self.store.prefix)",message="restore.store.prefix is required: the prefix of the cluster the backups were taken of (by default NAMESPACE/NAME of that cluster)"
// +kubebuilder:validation:XValidation:rule="!(has(self.pointInTime) && has(self.pointInTime.time) && has(self.pointInTime.gtid))",message="restore.pointInTime takes time or gtid, not both"
type Restore struct {
	// Store holds the backups (often another cluster's: set its prefix).
	Store ObjectStore `json:"store"`

	// Backup names the base backup; default the newest one before the point in time.
	// +optional
	Backup string `json:"backup,omitempty"`

	// PointInTime rolls the base backup forward through the archived binary logs.
	// +optional
	PointInTime *PointInTime `json:"pointInTime,omitempty"`
}

// PointInTime is a restore target.
// +kubebuilder:validation:XValidation:rule="[has(self.time), has(self.gtid), has(self.latest) && self.latest].exists_one(x, x)",message="pointInTime takes exactly one of time, gtid or latest: true"
type PointInTime struct {
	// Time recovers every transaction committed at or before it (binary logs count whole seconds).
	// +optional
	Time *metav1.Time `json:"time,omitempty"`

	// GTID recovers up to and including this position (MariaDB: domain-server-sequence per domain).
	// +kubebuilder:validation:Pattern=`^[0-9]+-[0-9]+-[0-9]+(,[0-9]+-[0-9]+-[0-9]+)*$`
	// +optional
	GTID string `json:"gtid,omitempty"`

	// Latest recovers everything the store holds.
	// +optional
	Latest bool `json:"latest,omitempty"`
}

// BackupStatus is what the operator knows of a cluster's backups.
type BackupStatus struct {
	// LastScheduleTime is when the schedule last created a backup.
	// +optional
	LastScheduleTime *metav1.Time `json:"lastScheduleTime,omitempty"`

	// LastSucceeded names the newest succeeded backup.
	// +optional
	LastSucceeded string `json:"lastSucceeded,omitempty"`

	// Archive is how far binary log archiving got.
	// +optional
	Archive *ArchiveStatus `json:"archive,omitempty"`
}

// ArchiveStatus is the primary's binary log archiving.
type ArchiveStatus struct {
	// Member is the member that archives (the primary).
	Member string `json:"member,omitempty"`
	// LastFile is the last archived binary log file.
	// +optional
	LastFile string `json:"lastFile,omitempty"`
	// LastGTID is the GTID state at the end of the last archived file.
	// +optional
	LastGTID string `json:"lastGTID,omitempty"`
	// LastTime is when the last archived file was closed: every transaction committed before it is
	// in the store.
	// +optional
	LastTime *metav1.Time `json:"lastTime,omitempty"`
	// Error is the last archiving failure, cleared by the next success.
	// +optional
	Error string `json:"error,omitempty"`
}
