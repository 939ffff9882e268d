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

package desired

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
)

// Options are the operator-wide settings the builders need besides the cluster itself.
type Options struct {
	// OperatorImage runs the tools init container (its binary is /ordinal). Required.
	OperatorImage string
	// OperatorImagePullPolicy of the tools container; empty leaves the apiserver's default.
	OperatorImagePullPolicy corev1.PullPolicy
}

// Names of the pod's containers, ports and volumes (docs/pod.md).
const (
	ContainerTools = "tools"
	ContainerInit  = "init"
	ContainerMySQL = "mysql"
	ContainerAgent = "agent"
	// ContainerVerify restores and checks a backup in a verification Job.
	ContainerVerify = "verify"

	PortNameMySQL   = "mysql"
	PortNameAgent   = "agent"
	PortNameMetrics = "metrics"
	PortMySQL       = mycnf.Port
	PortAgent       = 8080
	PortMetrics     = agentapi.MetricsPort

	VolumeData   = "data"
	VolumeConfig = "config"
	VolumeTools  = "tools"
	VolumeRun    = "run"
	VolumeTmp    = "tmp"
	VolumeTLS    = "tls"
)

// Paths inside the pod.
const (
	// ConfigKey is the ConfigMap key holding the cluster-wide my.cnf.
	ConfigKey = "my.cnf"
	// ConfigDir is where the ConfigMap is mounted (init container only).
	ConfigDir = "/etc/ordinal/config"
	// ToolsDir is the emptyDir where the tools container copies the ordinal binary and init writes
	// the member's my.cnf.
	ToolsDir = "/opt/ordinal"
	// MemberConfigPath is the final per-member option file the server runs with.
	MemberConfigPath = ToolsDir + "/my.cnf"
	// AgentBinary is the ordinal binary as copied by the tools container, run by init and the agent.
	AgentBinary = ToolsDir + "/ordinal"
	// OperatorBinary is the ordinal binary inside the operator image.
	OperatorBinary = "/ordinal"
	// TmpDir is the writable /tmp of every container.
	TmpDir = "/tmp"
)

// Environment variables every container gets (docs/pod.md).
const (
	EnvPodName             = "POD_NAME"
	EnvPodNamespace        = "POD_NAMESPACE"
	EnvPodIP               = "POD_IP"
	EnvClusterName         = "CLUSTER_NAME"
	EnvServiceName         = "SERVICE_NAME"
	EnvFlavor              = "MYSQL_FLAVOR"
	EnvServerIDBase        = "SERVER_ID_BASE"
	EnvRootPassword        = "ROOT_PASSWORD"
	EnvReplicationPassword = "REPLICATION_PASSWORD"
	EnvOperatorPassword    = "OPERATOR_PASSWORD"
)

// Environment of a restore: init of a restored cluster's first member, and backup verification.
const (
	// EnvRestore is JSON: {"store": {endpoint, bucket, prefix, region, insecure}, "backup", "time",
	// "gtid", "latest"}; the credentials and CA come from the store's Secrets.
	EnvRestore          = "ORDINAL_RESTORE"
	EnvRestoreAccessKey = "ORDINAL_RESTORE_ACCESS_KEY"
	EnvRestoreSecretKey = "ORDINAL_RESTORE_SECRET_KEY"
	EnvRestoreCA        = "ORDINAL_RESTORE_CA"
)
