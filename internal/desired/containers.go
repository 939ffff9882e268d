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
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
)

// runAs is the unprivileged uid and gid of every container (the database images' mysql user).
const runAs = int64(999)

// toolsContainer runs first, from the operator image (distroless: no database tools): it copies
// the ordinal binary into the tools volume, so init and the agent can run it in the database image.
// It needs neither the environment (no credentials) nor any other volume. It takes
// spec.pod.agentResources when set, so that a pod can be Guaranteed.
func toolsContainer(c *v1alpha1.MySQLCluster, opts Options) corev1.Container {
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("10m"),
			corev1.ResourceMemory: resource.MustParse("32Mi"),
		},
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
	}
	if r := agentResources(c); r != nil {
		res = *r
	}
	return corev1.Container{
		Name:                     ContainerTools,
		Image:                    opts.OperatorImage,
		ImagePullPolicy:          opts.OperatorImagePullPolicy,
		Command:                  []string{OperatorBinary, "install-tools", ToolsDir},
		Resources:                res,
		VolumeMounts:             []corev1.VolumeMount{{Name: VolumeTools, MountPath: ToolsDir}},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext:          containerSecurityContext(),
	}
}

// initContainer runs "ordinal init" in the database image, which has the engine's own tools
// (mariadb-install-db, mariadb-backup; mysqld --initialize): it renders the member's
// my.cnf and initialises or seeds the datadir.
func initContainer(c *v1alpha1.MySQLCluster) corev1.Container {
	m := mounts(true, false, c.TLSEnabled())
	if len(c.Spec.InitSQL) > 0 {
		m = append(m, corev1.VolumeMount{Name: VolumeInitSQL, MountPath: InitSQLDir, ReadOnly: true})
	}
	return corev1.Container{
		Name:            ContainerInit,
		Image:           c.Image(),
		ImagePullPolicy: dbImagePolicy(c),
		Command:         []string{AgentBinary, "init"},
		// Only init restores, so only init sees the store's credentials.
		Env: append(append(env(c), restoreEnv(c)...), dayOneEnv(c)...),
		// Seeding a datadir is as heavy as running the server, so init gets the same resources.
		Resources:                *c.Spec.Resources.DeepCopy(),
		VolumeMounts:             m,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext:          containerSecurityContext(),
	}
}

func mysqlContainer(c *v1alpha1.MySQLCluster) corev1.Container {
	server := "mysqld"
	if c.Flavor() == v1alpha1.FlavorMariaDB {
		server = "mariadbd"
	}
	return corev1.Container{
		Name:            ContainerMySQL,
		Image:           c.Image(),
		ImagePullPolicy: dbImagePolicy(c),
		Command:         []string{server, "--defaults-file=" + MemberConfigPath},
		Env:             env(c),
		Ports:           []corev1.ContainerPort{containerPort(PortNameMySQL, PortMySQL)},
		Resources:       *c.Spec.Resources.DeepCopy(),
		VolumeMounts:    mounts(false, true, c.TLSEnabled()),
		// A restarted member serves (and the StatefulSet starts the next ordinal) within about a
		// second of its server answering: the primary Service only reaches a ready pod, and after a
		// full restart writes wait until the next ordinal is up to acknowledge them.
		ReadinessProbe:           probe(c, "/readyz", 2, 3, 3),
		LivenessProbe:            probe(c, "/livez", 10, 5, 6),
		StartupProbe:             probe(c, "/livez", 1, 5, 3600), // up to an hour of crash recovery
		Lifecycle:                &corev1.Lifecycle{PreStop: preStopHook()},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext:          containerSecurityContext(),
	}
}

// preStopHook runs "ordinal prestop" (the copy in the tools volume, which this container mounts)
// before the server gets SIGTERM: a primary keeps serving until the operator has fenced it in a
// switchover, so deleting or evicting the primary's pod is no failover. A replica returns at once.
// The hook reads the credentials from the container's environment and always exits 0.
func preStopHook() *corev1.LifecycleHandler {
	return &corev1.LifecycleHandler{Exec: &corev1.ExecAction{
		Command: []string{AgentBinary, "prestop", "--timeout=" + preStopTimeout.String()},
	}}
}

func agentContainer(c *v1alpha1.MySQLCluster) corev1.Container {
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("50m"),
			corev1.ResourceMemory: resource.MustParse("64Mi"),
		},
		// Room for the engine's backup tool the agent runs when it donates a copy of the datadir.
		Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
	}
	if r := agentResources(c); r != nil {
		res = *r
	}
	return corev1.Container{
		Name:                     ContainerAgent,
		Image:                    c.Image(),
		ImagePullPolicy:          dbImagePolicy(c),
		Command:                  []string{AgentBinary, "agent"},
		Env:                      env(c),
		Ports:                    agentPorts(),
		Resources:                res,
		VolumeMounts:             mounts(false, true, c.AgentTLS()),
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext:          containerSecurityContext(),
	}
}

// agentPorts: the API (operator, peers, probes) and the per-server metrics (Prometheus).
func agentPorts() []corev1.ContainerPort {
	return []corev1.ContainerPort{containerPort(PortNameAgent, PortAgent), containerPort(PortNameMetrics, PortMetrics)}
}

func containerPort(name string, port int32) corev1.ContainerPort {
	return corev1.ContainerPort{Name: name, ContainerPort: port, Protocol: corev1.ProtocolTCP}
}

// probe calls the agent. The port is a number: a named port would be looked up in the probed
// container, and the agent port belongs to the agent container. With TLS the agent serves HTTPS
// only (the pod mounts the certificates with the same template): the kubelet neither verifies
// the server's certificate nor presents one, and the agent's probe endpoints need none.
func probe(c *v1alpha1.MySQLCluster, path string, period, timeout, failures int32) *corev1.Probe {
	scheme := corev1.URISchemeHTTP
	if c.AgentTLS() {
		scheme = corev1.URISchemeHTTPS
	}
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path:   path,
			Port:   intstr.FromInt32(PortAgent),
			Scheme: scheme,
		}},
		PeriodSeconds:    period,
		TimeoutSeconds:   timeout,
		FailureThreshold: failures,
		SuccessThreshold: 1,
	}
}

// mounts are in name order. Only init sees the ConfigMap; it alone writes the tools volume. withTLS
// mounts the certificates: init's temporary server and the server load them, and the agent serves
// mutual TLS with them when they are the operator's (AgentTLS).
func mounts(withConfig, toolsReadOnly, withTLS bool) []corev1.VolumeMount {
	m := []corev1.VolumeMount{}
	if withConfig {
		m = append(m, corev1.VolumeMount{Name: VolumeConfig, MountPath: ConfigDir, ReadOnly: true})
	}
	m = append(m,
		corev1.VolumeMount{Name: VolumeData, MountPath: mycnf.DataDir},
		corev1.VolumeMount{Name: VolumeRun, MountPath: mycnf.RunDir},
	)
	if withTLS {
		m = append(m, corev1.VolumeMount{Name: VolumeTLS, MountPath: mycnf.TLSDir, ReadOnly: true})
	}
	return append(m,
		corev1.VolumeMount{Name: VolumeTmp, MountPath: TmpDir},
		corev1.VolumeMount{Name: VolumeTools, MountPath: ToolsDir, ReadOnly: toolsReadOnly},
	)
}

// env is the same for every container, in the order of docs/pod.md.
func env(c *v1alpha1.MySQLCluster) []corev1.EnvVar {
	field := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path},
		}}
	}
	secret := func(name, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: c.CredentialsSecretName()},
			Key:                  key,
		}}}
	}
	return []corev1.EnvVar{
		field(EnvPodName, "metadata.name"),
		field(EnvPodNamespace, "metadata.namespace"),
		field(EnvPodIP, "status.podIP"),
		{Name: EnvClusterName, Value: c.Name},
		{Name: EnvServiceName, Value: c.HeadlessServiceName()},
		{Name: EnvFlavor, Value: string(c.Flavor())},
		{Name: EnvServerIDBase, Value: strconv.FormatUint(uint64(c.ServerIDBase()), 10)},
		secret(EnvRootPassword, v1alpha1.SecretKeyRootPassword),
		secret(EnvReplicationPassword, v1alpha1.SecretKeyReplicationPassword),
		secret(EnvOperatorPassword, v1alpha1.SecretKeyOperatorPassword),
	}
}

// podSecurityContext meets the restricted Pod Security Standard.
func podSecurityContext() *corev1.PodSecurityContext {
	yes, id := true, runAs
	// OnRootMismatch: a large datadir is not walked on every start once its root has the right group.
	change := corev1.FSGroupChangeOnRootMismatch
	return &corev1.PodSecurityContext{
		RunAsNonRoot:        &yes,
		RunAsUser:           &id,
		RunAsGroup:          &id,
		FSGroup:             &id,
		FSGroupChangePolicy: &change,
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// containerSecurityContext: the root filesystem is read-only because the server, the agent and
// init write only to their volumes (datadir, socket dir, /tmp, tools).
func containerSecurityContext() *corev1.SecurityContext {
	yes, no := true, false
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: &no,
		ReadOnlyRootFilesystem:   &yes,
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}
