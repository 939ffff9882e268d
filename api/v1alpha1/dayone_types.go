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
)

// Day-one settings: what an application needs from a new cluster (docs/applications.md).

// Keys of the application Secret NAME-app.
const (
	AppSecretKeyUsername = "username"
	AppSecretKeyPassword = "password"
	AppSecretKeyDatabase = "database"
	AppSecretKeyHost     = "host"
	AppSecretKeyPort     = "port"
	AppSecretKeyURI      = "uri"
	AppSecretKeyJDBCURL  = "jdbc-url"
)

// ApplicationUser is an account for applications, with every privilege on spec.database.
type ApplicationUser struct {
	// Name of the account: letters, digits and '_', at most 32 characters. The operator's own
	// accounts (root, repl, ordinal) and the engines' system accounts are refused.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_]+$`
	// +kubebuilder:validation:XValidation:rule="!(self.lowerAscii() in ['root', 'repl', 'ordinal', 'mysql', 'mariadb', 'public', 'pmm'])",message="user.name must not be one of the operator's or the engine's accounts: root, repl, ordinal, mysql, mariadb, public, pmm"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="user.name cannot change: the operator creates accounts but never renames or drops them"
	Name string `json:"name"`

	// Host the account may connect from, in the server's notation ('%' is anywhere).
	// +kubebuilder:default="%"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_.%:/-]+$`
	// +optional
	Host string `json:"host,omitempty"`

	// PasswordSecretName names an existing Secret whose key "password" is the account's password.
	// When empty the operator generates the Secret NAME-app once and never overwrites it. Either
	// way, a change of the password in the Secret is applied to the account (ALTER USER).
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	// +optional
	PasswordSecretName string `json:"passwordSecretName,omitempty"`
}

// InitSQLSource is one SQL script, from a ConfigMap or a Secret key.
// +kubebuilder:validation:XValidation:rule="has(self.configMapKeyRef) != has(self.secretKeyRef)",message="each initSQL entry names exactly one of configMapKeyRef and secretKeyRef"
type InitSQLSource struct {
	// ConfigMapKeyRef is a key of a ConfigMap in the cluster's namespace.
	// +optional
	ConfigMapKeyRef *KeyRef `json:"configMapKeyRef,omitempty"`
	// SecretKeyRef is a key of a Secret in the cluster's namespace (scripts that hold passwords).
	// +optional
	SecretKeyRef *KeyRef `json:"secretKeyRef,omitempty"`
}

// KeyRef names a key of a ConfigMap or Secret in the cluster's namespace.
type KeyRef struct {
	// Name of the ConfigMap or Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name"`
	// Key holding the script.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// InheritedMetadata is added to every object the operator creates for a cluster.
type InheritedMetadata struct {
	// Labels added to every child object (and the pods). The operator's and the StatefulSet's own
	// keys are refused; selectors never use these labels.
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('mysql.ordinal.dev/') && !k.startsWith('app.kubernetes.io/') && k != 'statefulset.kubernetes.io/pod-name' && k != 'apps.kubernetes.io/pod-index' && k != 'controller-revision-hash')",message="inheritedMetadata.labels must not set the operator's labels (mysql.ordinal.dev/*, app.kubernetes.io/*) or the StatefulSet's"
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations added to every child object (and the pods). The operator's own keys are refused.
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('mysql.ordinal.dev/'))",message="inheritedMetadata.annotations must not set the operator's annotations (mysql.ordinal.dev/*)"
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// AppSecretName is the Secret that holds the application user's connection settings: the
// generated NAME-app, or spec.user.passwordSecretName.
func (c *MySQLCluster) AppSecretName() string {
	if c.Spec.User != nil && c.Spec.User.PasswordSecretName != "" {
		return c.Spec.User.PasswordSecretName
	}
	return c.GeneratedAppSecretName()
}

// GeneratedAppSecretName is the Secret the operator generates for the application user.
func (c *MySQLCluster) GeneratedAppSecretName() string { return c.Name + "-app" }

// AppUserHost is the application user's host pattern ('%' when not set).
func (c *MySQLCluster) AppUserHost() string {
	if c.Spec.User == nil || c.Spec.User.Host == "" {
		return "%"
	}
	return c.Spec.User.Host
}

// ImagePullPolicy is the pull policy of the database image ("" leaves Kubernetes' default).
func (c *MySQLCluster) ImagePullPolicy() corev1.PullPolicy { return c.Spec.Engine.ImagePullPolicy }
