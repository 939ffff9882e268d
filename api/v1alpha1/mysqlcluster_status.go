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

// Condition types. Ready, Reconciling and Stalled follow kstatus so GitOps tools can tell when a
// change has rolled out; Available and Degraded describe the database itself.
const (
	// ConditionReady is True when every desired member is up and serving.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the operator is moving the world towards the spec.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the operator cannot make progress without the user.
	ConditionStalled = "Stalled"
	// ConditionAvailable is True when a writable primary serves the primary Service.
	ConditionAvailable = "Available"
	// ConditionDegraded is True when some member is unhealthy, lagging or diverged.
	ConditionDegraded = "Degraded"
	// ConditionBackupsReady is True when spec.backup works: the schedule parses and the primary
	// archives its binary logs to the store. Only present when spec.backup is set.
	ConditionBackupsReady = "BackupsReady"
)

// Member roles, also the values of the LabelRole pod label.
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
	RoleUnknown = "unknown"
)

// MySQLClusterStatus is rebuilt from the observed world on every reconcile.
type MySQLClusterStatus struct {
	// ObservedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Reconciling, Stalled, Available, Degraded.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// CurrentPrimary is the pod that is the primary. It is written only after a promotion succeeded.
	// +optional
	CurrentPrimary string `json:"currentPrimary,omitempty"`

	// CompletedSwitchover is the last switchover-to annotation value that has been carried out; the
	// annotation is a one-off request, so a value left in git does not switch back after a failover.
	// +optional
	CompletedSwitchover string `json:"completedSwitchover,omitempty"`

	// PrimaryUnreachableSince is when currentPrimary was last seen answering before it stopped; it is
	// kept here so a new operator leader continues the failover delay instead of restarting it. It is
	// cleared once the primary has answered without a gap for a failover delay, or another member is
	// promoted.
	// +optional
	PrimaryUnreachableSince *metav1.Time `json:"primaryUnreachableSince,omitempty"`
	// Replicas is the number of member pods that exist (the scale subresource's status).
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// ReadyMembers is the number of members that are ready.
	// +optional
	ReadyMembers int32 `json:"readyMembers,omitempty"`

	// MembersSummary is "ready/desired", for kubectl get.
	// +optional
	MembersSummary string `json:"membersSummary,omitempty"`

	// Selector is the pods' label selector, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty"`

	// Members has one entry per ordinal.
	// +listType=map
	// +listMapKey=name
	// +optional
	Members []MemberStatus `json:"members,omitempty"`

	// Backup is the state of backups and binary log archiving, when spec.backup is set.
	// +optional
	Backup *BackupStatus `json:"backup,omitempty"`

	// Config says how spec.config reached the running servers (docs/operations.md).
	// +optional
	Config *ConfigStatus `json:"config,omitempty"`

	// TLS reports the cluster's certificates and how far encryption has reached, when spec.tls is on.
	// +optional
	TLS *TLSStatus `json:"tls,omitempty"`
}

// TLSStatus describes the certificates the members serve (docs/security.md).
type TLSStatus struct {
	// CANotAfter is when the CA that signs the members' certificate expires.
	// +optional
	CANotAfter *metav1.Time `json:"caNotAfter,omitempty"`
	// CertificateNotAfter is when the members' server certificate expires.
	// +optional
	CertificateNotAfter *metav1.Time `json:"certificateNotAfter,omitempty"`
	// NextRenewal is when the operator renews a certificate next (the server certificate at two
	// thirds of its life, the CA at two thirds of its own).
	// +optional
	NextRenewal *metav1.Time `json:"nextRenewal,omitempty"`
	// MembersServingCurrent are the members that serve the current server certificate; the others
	// are reloading it (or restarting to serve TLS at all).
	// +optional
	MembersServingCurrent []string `json:"membersServingCurrent,omitempty"`
	// AccountsRequireTLS is true once the replication and operator accounts refuse plain
	// connections: every member serves TLS and every replica replicates over it.
	// +optional
	AccountsRequireTLS bool `json:"accountsRequireTLS,omitempty"`
}

// ConfigStatus reports the settings of spec.config that the running servers do not have yet.
// Settings a server accepts at run time are applied live (SET GLOBAL) on every member; the others
// take effect when the members restart, which the operator does in order.
type ConfigStatus struct {
	// PendingRestart lists the settings that changed and take effect only once every member has
	// restarted; the members are being restarted in order.
	// +optional
	PendingRestart []string `json:"pendingRestart,omitempty"`
	// MembersPendingRestart are the members still running with the previous settings.
	// +optional
	MembersPendingRestart []string `json:"membersPendingRestart,omitempty"`
	// Rejected says which settings a server refused at run time, and why. They stay in the rendered
	// config; correct or remove them in spec.config.
	// +optional
	Rejected string `json:"rejected,omitempty"`
}

// MemberStatus is what the operator last observed about one member.
type MemberStatus struct {
	// Name of the member's pod.
	Name string `json:"name"`
	// Role is primary, replica or unknown.
	// +optional
	Role string `json:"role,omitempty"`
	// Ready is the pod's readiness.
	// +optional
	Ready bool `json:"ready,omitempty"`
	// GTIDExecuted is the member's executed GTID set.
	// +optional
	GTIDExecuted string `json:"gtidExecuted,omitempty"`
	// GTIDReceived is what the member holds beyond GTIDExecuted: received into its relay log but not
	// yet applied. It is remembered so a replica lacking it is never promoted while this member is down.
	// +optional
	GTIDReceived string `json:"gtidReceived,omitempty"`
	// LagSeconds is how far a replica's applier is behind its source.
	// +optional
	LagSeconds *int64 `json:"lagSeconds,omitempty"`
	// Errant is true when the member has transactions the primary lacks: it is fenced, not rejoined.
	// +optional
	Errant bool `json:"errant,omitempty"`
	// ErrantTransactions are the transactions an errant member has that the primary lacks.
	// +optional
	ErrantTransactions string `json:"errantTransactions,omitempty"`
	// KeptAside says where the binary logs holding a re-seeded member's errant transactions were kept
	// (on the member's own volume), so a person can inspect, recover or discard them (docs/pod.md).
	// +optional
	KeptAside string `json:"keptAside,omitempty"`
	// Serving is true when the member receives client traffic through a Service.
	// +optional
	Serving bool `json:"serving,omitempty"`
	// SemiSync is the member's semi-synchronous replication as it answered: on the primary
	// "waiting, N replicas acknowledging" or "off"; on a replica "acknowledging",
	// "enabled, not acknowledging" or "off". Empty when the member did not answer.
	// +optional
	SemiSync string `json:"semiSync,omitempty"`
	// Message explains an unhealthy member.
	// +optional
	Message string `json:"message,omitempty"`
}

// MySQLCluster is a replicated MySQL or MariaDB cluster: one primary and GTID replicas, one
// StatefulSet member per ordinal.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.replicas,selectorpath=.status.selector
// +kubebuilder:resource:shortName=mysql;myc,categories=ordinal
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Primary",type=string,JSONPath=`.status.currentPrimary`
// +kubebuilder:printcolumn:name="Members",type=string,JSONPath=`.status.membersSummary`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 52",message="metadata.name must be at most 52 characters: pod, Service and PVC names are derived from it"
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must start with a letter and contain only lowercase letters, digits and '-': it names Services"
type MySQLCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec MySQLClusterSpec `json:"spec,omitempty"`
	// +optional
	Status MySQLClusterStatus `json:"status,omitempty"`
}

// MySQLClusterList is a list of MySQLCluster.
// +kubebuilder:object:root=true
type MySQLClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MySQLCluster `json:"items"`
}

func init() {
	SchemeBuilder.Register(&MySQLCluster{}, &MySQLClusterList{})
}
