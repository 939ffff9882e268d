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

// MySQLBackupSpec asks for one base backup of a cluster into the cluster's store.
type MySQLBackupSpec struct {
	// Cluster is the MySQLCluster (same namespace) to back up; it must have spec.backup.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="cluster cannot change"
	Cluster string `json:"cluster"`
}

// Backup phases.
const (
	BackupPending   = "Pending"
	BackupRunning   = "Running"
	BackupSucceeded = "Succeeded"
	BackupFailed    = "Failed"
)

// Verification phases.
const (
	VerificationRunning  = "Running"
	VerificationVerified = "Verified"
	VerificationFailed   = "Failed"
)

// Condition types of a MySQLBackup besides Ready (kstatus: True once it succeeded).
const (
	// ConditionComplete is True once the backup is whole in the store.
	ConditionComplete = "Complete"
	// ConditionFailed is True once every attempt failed.
	ConditionFailed = "Failed"
	// ConditionVerified is True once a restore of the backup was checked, False when the check failed.
	ConditionVerified = "Verified"
)

// MySQLBackupStatus says what happened.
type MySQLBackupStatus struct {
	// ObservedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase is Pending, Running, Succeeded or Failed.
	// +optional
	Phase string `json:"phase,omitempty"`
	// Member is the member the backup is (was) taken from.
	// +optional
	Member string `json:"member,omitempty"`
	// Attempts are the failed attempts, one per member tried.
	// +optional
	Attempts []BackupAttempt `json:"attempts,omitempty"`
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// CompletionTime is the backup point: nothing committed after it is in the backup.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Duration is how long the backup took.
	// +optional
	Duration string `json:"duration,omitempty"`
	// Size is the stored (compressed) size in bytes.
	// +optional
	Size int64 `json:"size,omitempty"`
	// GTIDPosition is what the backup holds.
	// +optional
	GTIDPosition string `json:"gtidPosition,omitempty"`
	// ServerVersion is the version of the server the backup was taken of.
	// +optional
	ServerVersion string `json:"serverVersion,omitempty"`
	// Key is where the backup's data lies in the bucket.
	// +optional
	Key string `json:"key,omitempty"`
	// Error says why the backup failed.
	// +optional
	Error string `json:"error,omitempty"`
	// Verification is the result of restoring the backup into a throwaway Job.
	// +optional
	Verification *Verification `json:"verification,omitempty"`
	// Conditions: Ready, Complete, Failed, Verified.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// BackupAttempt is one failed attempt.
type BackupAttempt struct {
	Member string `json:"member"`
	Error  string `json:"error"`
}

// Verification is the check of one backup.
type Verification struct {
	// Phase is Running, Verified or Failed.
	Phase string `json:"phase"`
	// Job is the Job that restores and checks the backup.
	// +optional
	Job string `json:"job,omitempty"`
	// Message says what was checked, or what failed.
	// +optional
	Message string `json:"message,omitempty"`
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
}

// MySQLBackup is one base backup of a MySQLCluster into its object store. Deleting it keeps the
// data in the store; retention deletes both.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mysqlbackup,categories=ordinal
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.spec.cluster`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Verified",type=string,JSONPath=`.status.verification.phase`
// +kubebuilder:printcolumn:name="Size",type=integer,JSONPath=`.status.size`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MySQLBackup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   MySQLBackupSpec   `json:"spec,omitempty"`
	Status MySQLBackupStatus `json:"status,omitempty"`
}

// MySQLBackupList is a list of MySQLBackup.
// +kubebuilder:object:root=true
type MySQLBackupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MySQLBackup `json:"items"`
}

func init() {
	SchemeBuilder.Register(&MySQLBackup{}, &MySQLBackupList{})
}
