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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MySQLClusterSpec is what the user asks for. The operator never writes it: every default lives in
// the schema so GitOps tools see no drift.
// +kubebuilder:validation:XValidation:rule="has(self.credentialsSecretName) == has(oldSelf.credentialsSecretName) && (!has(self.credentialsSecretName) || self.credentialsSecretName == oldSelf.credentialsSecretName)",message="credentialsSecretName cannot be added, changed or removed after creation: the servers' passwords live in that Secret"
// +kubebuilder:validation:XValidation:rule="!has(self.backup) && !has(self.restore) || !has(self.engine.flavor) || self.engine.flavor == 'mariadb'",message="backup and restore need engine.flavor mariadb: physical backups to an object store use mariadb-backup; MySQL would need Percona XtraBackup, which this build does not ship"
// +kubebuilder:validation:XValidation:rule="has(self.restore) == has(oldSelf.restore)",message="restore cannot be added or removed after creation: a cluster is restored only when it is created"
// +kubebuilder:validation:XValidation:rule="!has(self.user) || has(self.database)",message="user needs database: the application user gets every privilege on spec.database"
// +kubebuilder:validation:XValidation:rule="has(self.initSQL) == has(oldSelf.initSQL)",message="initSQL cannot be added or removed after creation: it runs once, when the cluster is bootstrapped"
// +kubebuilder:validation:XValidation:rule="!has(self.initSQL) || !has(self.restore)",message="initSQL cannot be combined with restore: a restored cluster takes its data from the backup"
// +kubebuilder:validation:XValidation:rule="!has(self.timeZone) || has(oldSelf.timeZone)",message="timeZone cannot be added after creation: the time zone tables are loaded when a member's datadir is initialised (docs/applications.md)"
// +kubebuilder:validation:XValidation:rule="!has(self.timeZone) || !has(self.config) || !self.config.exists(k, k.lowerAscii().replace('-', '_') in ['default_time_zone', 'loose_default_time_zone'])",message="config must not set default_time_zone when timeZone is set: timeZone sets it"
type MySQLClusterSpec struct {
	// Replicas is the number of members: one primary and replicas-1 replicas.
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=99
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Engine selects the database server.
	// +kubebuilder:default={}
	// +optional
	Engine Engine `json:"engine,omitempty"`

	// Storage describes each member's persistent volume.
	// +kubebuilder:default={}
	// +optional
	Storage Storage `json:"storage,omitempty"`

	// Resources of the database container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// Config holds my.cnf settings for the [mysqld] section, merged over the operator's defaults.
	// Settings the operator owns (server_id, gtid_mode, log_bin, read_only, …) are refused.
	// +kubebuilder:validation:MaxProperties=200
	// +kubebuilder:validation:XValidation:rule="self.all(k, !(k.lowerAscii().replace('-', '_') in ['server_id', 'gtid_mode', 'enforce_gtid_consistency', 'gtid_strict_mode', 'gtid_domain_id', 'log_bin', 'log_slave_updates', 'log_replica_updates', 'read_only', 'super_read_only', 'report_host', 'report_port', 'datadir', 'port', 'socket', 'bind_address', 'relay_log', 'relay_log_recovery', 'skip_log_bin', 'skip_networking', 'binlog_format', 'user', 'pid_file', 'rpl_semi_sync_master_enabled', 'rpl_semi_sync_source_enabled', 'rpl_semi_sync_slave_enabled', 'rpl_semi_sync_replica_enabled', 'rpl_semi_sync_master_wait_no_slave', 'rpl_semi_sync_source_wait_no_replica', 'rpl_semi_sync_source_wait_for_replica_count', 'rpl_semi_sync_master_wait_point', 'rpl_semi_sync_source_wait_point', 'rpl_semi_sync_master_timeout', 'rpl_semi_sync_source_timeout', 'ssl_ca', 'ssl_capath', 'ssl_cert', 'ssl_key', 'require_secure_transport']))",message="config must not set settings the operator owns: server_id, gtid_mode, enforce_gtid_consistency, gtid_strict_mode, gtid_domain_id, log_bin, log_slave_updates, log_replica_updates, read_only, super_read_only, report_host, report_port, datadir, port, socket, bind_address, relay_log, relay_log_recovery, skip_log_bin, skip_networking, binlog_format, user, pid_file, rpl_semi_sync_master_enabled, rpl_semi_sync_source_enabled, rpl_semi_sync_slave_enabled, rpl_semi_sync_replica_enabled, rpl_semi_sync_master_wait_no_slave, rpl_semi_sync_source_wait_no_replica, rpl_semi_sync_source_wait_for_replica_count, rpl_semi_sync_master_wait_point, rpl_semi_sync_source_wait_point, rpl_semi_sync_master_timeout, rpl_semi_sync_source_timeout, ssl_ca, ssl_capath, ssl_cert, ssl_key, require_secure_transport (spec.tls sets them)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.lowerAscii().replace('-', '_').matches('^(loose|skip|disable|enable|maximum)_(server_id|gtid_mode|enforce_gtid_consistency|gtid_strict_mode|gtid_domain_id|log_bin|log_slave_updates|log_replica_updates|read_only|super_read_only|report_host|report_port|datadir|port|socket|bind_address|relay_log|relay_log_recovery|skip_log_bin|skip_networking|binlog_format|user|pid_file|rpl_semi_sync_master_enabled|rpl_semi_sync_source_enabled|rpl_semi_sync_slave_enabled|rpl_semi_sync_replica_enabled|rpl_semi_sync_master_wait_no_slave|rpl_semi_sync_source_wait_no_replica|rpl_semi_sync_source_wait_for_replica_count|rpl_semi_sync_master_wait_point|rpl_semi_sync_source_wait_point|rpl_semi_sync_master_timeout|rpl_semi_sync_source_timeout|ssl_ca|ssl_capath|ssl_cert|ssl_key|require_secure_transport)$'))",message="config must not set settings the operator owns through an option prefix (loose-, skip-, disable-, enable-, maximum-)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Za-z0-9_.-]+$'))",message="config keys must be my.cnf option names: letters, digits, '_', '-' and '.'"
	// +optional
	Config map[string]ConfigValue `json:"config,omitempty"`

	// CredentialsSecretName names an existing Secret with the keys root-password, replication-password
	// and operator-password. When empty the operator generates NAME-credentials once and never overwrites it.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +optional
	CredentialsSecretName string `json:"credentialsSecretName,omitempty"`

	// Pod customises the members' pods.
	// +optional
	Pod PodOverrides `json:"pod,omitempty"`

	// PrimaryService customises the read/write Service NAME-primary.
	// +optional
	PrimaryService ServiceOverrides `json:"primaryService,omitempty"`

	// ReplicasService customises the read-only Service NAME-replicas.
	// +optional
	ReplicasService ServiceOverrides `json:"replicasService,omitempty"`

	// Replication tunes how replicas follow the primary.
	// +kubebuilder:default={}
	// +optional
	Replication Replication `json:"replication,omitempty"`

	// Failover tunes automatic promotion of a replica when the primary is lost.
	// +kubebuilder:default={}
	// +optional
	Failover Failover `json:"failover,omitempty"`

	// PodManagementPolicy is the StatefulSet's: OrderedReady starts and stops members in ordinal order;
	// Parallel lets a higher ordinal be replaced while a lower one is not ready (see docs).
	// +kubebuilder:default=OrderedReady
	// +kubebuilder:validation:Enum=OrderedReady;Parallel
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="podManagementPolicy cannot change: the StatefulSet field is immutable"
	// +optional
	PodManagementPolicy string `json:"podManagementPolicy,omitempty"`

	// PersistentVolumeClaimRetentionPolicy says whether member PVCs are kept when the cluster is deleted
	// or scaled down. Both default to Retain: data is only deleted when the user asks.
	// +kubebuilder:default={}
	// +optional
	PersistentVolumeClaimRetentionPolicy PVCRetentionPolicy `json:"persistentVolumeClaimRetentionPolicy,omitempty"`

	// PodDisruptionBudget limits voluntary evictions of members.
	// +kubebuilder:default={}
	// +optional
	PodDisruptionBudget PodDisruptionBudget `json:"podDisruptionBudget,omitempty"`

	// Backup configures base backups to an object store, their schedule, retention and
	// verification, and continuous binary log archiving (docs/backups.md).
	// +optional
	Backup *Backup `json:"backup,omitempty"`

	// Database is created on the primary when the cluster is ready (CREATE DATABASE IF NOT EXISTS);
	// the operator never drops it.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_]+$`
	// +kubebuilder:validation:XValidation:rule="!(self.lowerAscii() in ['mysql', 'information_schema', 'performance_schema', 'sys', 'ordinal'])",message="database must not be a system schema or the operator's (mysql, information_schema, performance_schema, sys, ordinal)"
	// +optional
	Database string `json:"database,omitempty"`

	// User is an application account with every privilege on Database, created on the primary
	// with its password in the Secret NAME-app (generated once, never overwritten) or
	// user.passwordSecretName (docs/applications.md).
	// +optional
	User *ApplicationUser `json:"user,omitempty"`

	// InitSQL scripts run once, in order, when the cluster is bootstrapped: on the first member's
	// new datadir, after the operator's accounts and before any client can connect. Their
	// statements are replicated. A failing script fails the member's init container with the
	// SQL error; the datadir is initialised again on the next try.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="initSQL cannot change after creation: it runs once, when the cluster is bootstrapped"
	// +optional
	InitSQL []InitSQLSource `json:"initSQL,omitempty"`

	// TimeZone is a named time zone (e.g. Europe/Berlin) for default_time_zone. Each member
	// loads the time zone tables when its datadir is initialised, so it can only be set when the
	// cluster is created (and changed or removed later).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$`
	// +optional
	TimeZone string `json:"timeZone,omitempty"`

	// InheritedMetadata labels and annotations go on every object the operator creates for the
	// cluster (StatefulSet, pods, claims, Services, Secrets, ConfigMap, PodDisruptionBudget,
	// Jobs). Changing them rolls the members, like any change of the pod template.
	// +optional
	InheritedMetadata *InheritedMetadata `json:"inheritedMetadata,omitempty"`

	// TLS encrypts replication, the operator's connections and the clients that ask for it, with
	// certificates the operator issues and rotates (docs/security.md). On by default.
	// +kubebuilder:default={}
	// +optional
	TLS TLS `json:"tls,omitempty"`

	// Restore creates the cluster from a backup (docs/backups.md). It is read only when the cluster
	// is created and cannot change afterwards.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="restore cannot change: it is read only when the cluster is created"
	// +optional
	Restore *Restore `json:"restore,omitempty"`
}

// TLS configures encryption (docs/security.md).
// +kubebuilder:validation:XValidation:rule="!has(self.secretName) || !has(self.enabled) || self.enabled",message="tls.secretName needs tls.enabled: the members serve that Secret's certificate only with TLS on"
// +kubebuilder:validation:XValidation:rule="!has(self.requireSecureTransport) || !self.requireSecureTransport || !has(self.enabled) || self.enabled",message="tls.requireSecureTransport needs tls.enabled: without TLS no client could connect"
// +kubebuilder:validation:XValidation:rule="!has(self.issuerRef) || !has(self.secretName)",message="tls.issuerRef and tls.secretName cannot both be set: the members serve either your Secret or the certificate cert-manager issues"
// +kubebuilder:validation:XValidation:rule="!has(self.issuerRef) || !has(self.enabled) || self.enabled",message="tls.issuerRef needs tls.enabled: the members serve the certificate cert-manager issues only with TLS on"
type TLS struct {
	// Enabled: each member serves TLS with a certificate from a CA the operator creates for the
	// cluster (Secrets NAME-ca and NAME-tls; the CA is published in the ConfigMap NAME-ca),
	// replicas and the operator connect over verified TLS, and the replication and operator
	// accounts refuse plain connections. Certificates are renewed and reloaded without restarts.
	// Turning it on or off restarts the members one at a time.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// SecretName names a kubernetes.io/tls Secret of your own (tls.crt, tls.key, ca.crt) the
	// members serve instead of certificates from the operator's CA. Its certificate must cover
	// every member's name NAME-i.NAME.NS.svc; you renew it, and the members reload it when it
	// changes. Changing this restarts the members one at a time.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +optional
	SecretName string `json:"secretName,omitempty"`

	// IssuerRef asks a cert-manager Issuer or ClusterIssuer for the members' certificate: the
	// operator creates a Certificate NAME-cert-manager-tls naming every member and Service, and the
	// members serve the Secret of the same name that cert-manager writes and renews (reloaded
	// without restarts). cert-manager must be installed; the operator does not need it otherwise.
	// Changing this restarts the members one at a time.
	// +optional
	IssuerRef *IssuerRef `json:"issuerRef,omitempty"`

	// RequireSecureTransport refuses every client connection without TLS (require_secure_transport;
	// the Unix socket counts as secure), not only the replication and operator accounts'. Clients
	// must then connect with TLS. The servers read it at start: changing it restarts the members
	// one at a time.
	// +optional
	RequireSecureTransport bool `json:"requireSecureTransport,omitempty"`
}

// IssuerRef names a cert-manager issuer (docs/security.md#cert-manager).
type IssuerRef struct {
	// Name of the Issuer (in the cluster's namespace) or ClusterIssuer.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Kind is Issuer (in the cluster's namespace) or ClusterIssuer.
	// +kubebuilder:default=Issuer
	// +kubebuilder:validation:Enum=Issuer;ClusterIssuer
	// +optional
	Kind string `json:"kind,omitempty"`

	// Group is the issuer's API group: cert-manager.io, or an external issuer's.
	// +kubebuilder:default=cert-manager.io
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Group string `json:"group,omitempty"`
}

// ConfigValue is one my.cnf value.
// +kubebuilder:validation:MaxLength=4096
// +kubebuilder:validation:XValidation:rule="!self.contains('\\n')",message="config values must be a single line"
type ConfigValue string

// ConfigMap returns the config overrides as plain strings;
// spec.timeZone is default_time_zone (the schema refuses both).
func (s *MySQLClusterSpec) ConfigMap() map[string]string {
	if s.Config == nil && s.TimeZone == "" {
		return nil
	}
	out := make(map[string]string, len(s.Config)+1)
	for k, v := range s.Config {
		out[k] = string(v)
	}
	if s.TimeZone != "" {
		out["default_time_zone"] = s.TimeZone
	}
	return out
}

// Engine selects the server flavor and version, or an explicit image.
type Engine struct {
	// Flavor is mysql (MySQL 8.4/8.0) or mariadb (MariaDB 10.11/11.4).
	// +kubebuilder:default=mysql
	// +kubebuilder:validation:Enum=mysql;mariadb
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="engine.flavor cannot change: a datadir cannot move between MySQL and MariaDB"
	// +optional
	Flavor Flavor `json:"flavor,omitempty"`

	// Version of the server, e.g. "8.4" or "11.4". Empty means the flavor's default LTS (8.4, 11.4).
	// +kubebuilder:validation:Pattern=`^[0-9]+\.[0-9]+(\.[0-9]+)?$`
	// +optional
	Version string `json:"version,omitempty"`

	// Image overrides the database image derived from flavor and version.
	// +kubebuilder:validation:MinLength=1
	// +optional
	Image string `json:"image,omitempty"`

	// ImagePullPolicy of the database image (init, mysql and agent containers, backup
	// verification Jobs). Empty leaves Kubernetes' default.
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
}

// Flavor is a database engine.
type Flavor string

const (
	// FlavorMySQL is Oracle MySQL.
	FlavorMySQL Flavor = "mysql"
	// FlavorMariaDB is MariaDB Server.
	FlavorMariaDB Flavor = "mariadb"
)

// Storage describes each member's volume.
// +kubebuilder:validation:XValidation:rule="has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",message="storage.storageClassName cannot change: existing volumes keep their class"
type Storage struct {
	// Size of each member's volume.
	// +kubebuilder:default="10Gi"
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="storage.size must be greater than zero"
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).compareTo(quantity(string(oldSelf))) >= 0",message="storage.size cannot shrink: volumes only grow"
	// +optional
	Size *resource.Quantity `json:"size,omitempty"`

	// StorageClassName of each member's volume; empty uses the cluster's default class.
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`

	// VolumeClaimTemplate adds settings to the claim template (access modes, selector, …).
	// size and storageClassName above take precedence over its resources and class.
	// +optional
	VolumeClaimTemplate *ClaimTemplate `json:"volumeClaimTemplate,omitempty"`

	// SeedFromVolumeSnapshot gives each member added to a cluster that holds data a volume
	// restored from a VolumeSnapshot of a serving member's volume, instead of an empty volume that
	// the new member fills by streaming a backup from a donor: the storage makes the copy (with
	// most CSI drivers much faster, and without reading through the donor's server). Needs a CSI
	// driver with snapshots for the members' storage class and the snapshot.storage.k8s.io API.
	// Members re-seeded later (errant, or missing purged binary logs) keep their volume and still
	// stream.
	// +optional
	SeedFromVolumeSnapshot *VolumeSnapshotSeed `json:"seedFromVolumeSnapshot,omitempty"`
}

// VolumeSnapshotSeed is how new members' volumes are copied from a serving member's.
type VolumeSnapshotSeed struct {
	// VolumeSnapshotClassName of the snapshots taken; its driver must be the one of the members'
	// storage class.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	VolumeSnapshotClassName string `json:"volumeSnapshotClassName"`
}

// ClaimTemplate is the user-settable part of a member's PersistentVolumeClaim.
type ClaimTemplate struct {
	// Metadata labels and annotations for each claim.
	// +optional
	Metadata EmbeddedMetadata `json:"metadata,omitempty"`
	// Spec of each claim.
	// +optional
	Spec corev1.PersistentVolumeClaimSpec `json:"spec,omitempty"`
}

// EmbeddedMetadata is the labels and annotations a user may add to a generated object.
type EmbeddedMetadata struct {
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// PodOverrides customise the members' pods.
type PodOverrides struct {
	// Labels added to each pod; the operator's own keys are refused.
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('mysql.ordinal.dev/') && !k.startsWith('app.kubernetes.io/') && k != 'statefulset.kubernetes.io/pod-name' && k != 'apps.kubernetes.io/pod-index' && k != 'controller-revision-hash')",message="pod.labels must not set the operator's labels (mysql.ordinal.dev/*, app.kubernetes.io/*) or the StatefulSet's"
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations added to each pod.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
	// Affinity replaces the default, which prefers members on different nodes and zones.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// +optional
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
	// ImagePullSecrets for the database and operator images (private registries).
	// +optional
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`
	// AgentResources replace the agent sidecar's default resources (and the tools init
	// container's). With requests equal to limits here and in spec.resources the pods get the
	// Guaranteed QoS class.
	// +optional
	AgentResources *corev1.ResourceRequirements `json:"agentResources,omitempty"`
}

// ServiceOverrides customise a client-facing Service.
type ServiceOverrides struct {
	// Type of the Service.
	// +kubebuilder:default=ClusterIP
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;LoadBalancer
	// +optional
	Type corev1.ServiceType `json:"type,omitempty"`
	// Annotations added to the Service (load balancer settings, …).
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Replication tunes how replicas follow the primary.
type Replication struct {
	// Mode is semiSync (a commit is acknowledged only once a replica has it: no acknowledged write is
	// lost on failover) or async.
	// +kubebuilder:default=semiSync
	// +kubebuilder:validation:Enum=semiSync;async
	// +optional
	Mode ReplicationMode `json:"mode,omitempty"`

	// MaxLagSeconds removes a replica from the replicas Service while it lags more than this.
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=1
	// +optional
	MaxLagSeconds int32 `json:"maxLagSeconds,omitempty"`
}

// ReplicationMode is how commits wait for replicas.
type ReplicationMode string

const (
	// ReplicationSemiSync waits for one replica to receive each transaction before acknowledging it.
	ReplicationSemiSync ReplicationMode = "semiSync"
	// ReplicationAsync acknowledges commits without waiting for replicas.
	ReplicationAsync ReplicationMode = "async"
)

// Failover tunes automatic promotion.
type Failover struct {
	// Enabled lets the operator promote a replica when the primary is lost.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// Delay is how long the primary must not have answered (counted from its last answer) before
	// failover starts. The default, 5s, keeps the write pause of a lost node near 10s; a primary
	// restarting in place within it is not failed over.
	// +kubebuilder:default="5s"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('1h')",message="failover.delay must be between 1s and 1h"
	// +optional
	Delay *metav1.Duration `json:"delay,omitempty"`
}

// PVCRetentionPolicy mirrors the StatefulSet's policy with safe defaults.
type PVCRetentionPolicy struct {
	// WhenDeleted applies when the MySQLCluster is deleted.
	// +kubebuilder:default=Retain
	// +kubebuilder:validation:Enum=Retain;Delete
	// +optional
	WhenDeleted string `json:"whenDeleted,omitempty"`
	// WhenScaled applies to the PVCs of members removed by a scale-down.
	// +kubebuilder:default=Retain
	// +kubebuilder:validation:Enum=Retain;Delete
	// +optional
	WhenScaled string `json:"whenScaled,omitempty"`
}

// PodDisruptionBudget settings.
type PodDisruptionBudget struct {
	// Enabled creates the PodDisruptionBudget NAME.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// MaxUnavailable members during voluntary disruptions.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +optional
	MaxUnavailable *int32 `json:"maxUnavailable,omitempty"`
}
