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
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Labels and annotations the operator reads or writes.
const (
	// LabelRole marks a member pod primary or replica; the Services select on it.
	LabelRole = "mysql.ordinal.dev/role"
	// LabelServing marks a replica that is healthy and close enough to the primary to serve reads.
	LabelServing = "mysql.ordinal.dev/serving"
	// LabelCluster carries the MySQLCluster name on every object the operator creates.
	LabelCluster = "mysql.ordinal.dev/cluster"
	// LabelBackup names the MySQLBackup a verification Job checks.
	LabelBackup = "mysql.ordinal.dev/backup"
	// LabelScheduled marks a MySQLBackup the schedule created (retention deletes only those, and
	// the user's own once they are older than the policy allows).
	LabelScheduled = "mysql.ordinal.dev/scheduled"
	// AnnotationSwitchoverTo asks for a planned switchover to the named member (GitOps-safe: no spec change).
	AnnotationSwitchoverTo = "mysql.ordinal.dev/switchover-to"
	// AnnotationRotateCertificates (an RFC 3339 time) asks for the CA and server certificate
	// issued before that time to be replaced; the replaced CA stays trusted until it expires.
	AnnotationRotateCertificates = "mysql.ordinal.dev/rotate-certificates"
	// AnnotationRestartConfig on the pod template names every setting of the rendered my.cnf that
	// takes effect only on a restart, with a short hash of its value ("key=hash,…"): it changes, and
	// so restarts the members, exactly when such a setting does (docs/operations.md).
	AnnotationRestartConfig = "mysql.ordinal.dev/restart-config"
	// AnnotationLiveConfig on a member pod names the settings the operator applied to its running
	// server with SET GLOBAL, in the same form; it is absent on a pod the operator has not reached.
	AnnotationLiveConfig = "mysql.ordinal.dev/live-config"
	// AnnotationTemplateHash on the StatefulSet is the hash of its pod template without the agent's
	// image: equal hashes mean an operator upgrade changed nothing the pods need.
	AnnotationTemplateHash = "mysql.ordinal.dev/template-hash"
	// AnnotationSpecGeneration on the StatefulSet is the MySQLCluster generation it was built from:
	// a template change at the same generation is the operator's own (an upgrade), not the user's.
	AnnotationSpecGeneration = "mysql.ordinal.dev/spec-generation"
	// AnnotationApplied on every object the operator applies is the hash of what it applied: while
	// it equals what the operator would apply and no other writer touched the object since, the
	// object holds it, and the operator skips comparing field by field (docs/architecture.md).
	AnnotationApplied = "mysql.ordinal.dev/applied"
	// AnnotationSeedSnapshot on a member's PVC names the VolumeSnapshot it is being restored from
	// (spec.storage.seedFromVolumeSnapshot); the operator deletes that snapshot, and the
	// annotation, once the claim is bound.
	AnnotationSeedSnapshot = "mysql.ordinal.dev/seed-snapshot"
)

// Keys of the credentials Secret.
const (
	SecretKeyRootPassword        = "root-password"
	SecretKeyReplicationPassword = "replication-password"
	SecretKeyOperatorPassword    = "operator-password"
)

// CredentialKeys are the keys every credentials Secret must hold.
var CredentialKeys = []string{SecretKeyRootPassword, SecretKeyReplicationPassword, SecretKeyOperatorPassword}

// Default versions per flavor: the current LTS releases.
const (
	DefaultMySQLVersion   = "8.4"
	DefaultMariaDBVersion = "11.4"
)

// HeadlessServiceName is the governing Service of the StatefulSet; pods are PODNAME.HEADLESS.
func (c *MySQLCluster) HeadlessServiceName() string { return c.Name }

// StatefulSetName is the StatefulSet that runs the members.
func (c *MySQLCluster) StatefulSetName() string { return c.Name }

// PrimaryServiceName is the read/write Service.
func (c *MySQLCluster) PrimaryServiceName() string { return c.Name + "-primary" }

// ReplicasServiceName is the read-only Service.
func (c *MySQLCluster) ReplicasServiceName() string { return c.Name + "-replicas" }

// ConfigMapName holds the rendered my.cnf.
func (c *MySQLCluster) ConfigMapName() string { return c.Name + "-config" }

// PodDisruptionBudgetName is the members' PodDisruptionBudget.
func (c *MySQLCluster) PodDisruptionBudgetName() string { return c.Name }

// ServiceAccountName is the members' ServiceAccount.
func (c *MySQLCluster) ServiceAccountName() string { return c.Name }

// CredentialsSecretName is the user's Secret when given, else the generated NAME-credentials.
func (c *MySQLCluster) CredentialsSecretName() string {
	if c.Spec.CredentialsSecretName != "" {
		return c.Spec.CredentialsSecretName
	}
	return c.GeneratedSecretName()
}

// GeneratedSecretName is the Secret the operator creates when the user brings none.
func (c *MySQLCluster) GeneratedSecretName() string { return c.Name + "-credentials" }

// CASecretName holds the CA that signs the members' certificate; only the operator reads it.
func (c *MySQLCluster) CASecretName() string { return c.Name + "-ca" }

// TLSSecretName holds the members' server certificate and the trusted CAs; the pods mount it.
func (c *MySQLCluster) TLSSecretName() string { return c.Name + "-tls" }

// CertManagerName names the cert-manager Certificate of spec.tls.issuerRef and the Secret
// cert-manager writes for it. A name of its own, not NAME-tls: switching between the operator's CA
// and an issuer then restarts the members onto the other Secret, and neither writer overwrites the
// other's certificate under a running member.
func (c *MySQLCluster) CertManagerName() string { return c.Name + "-cert-manager-tls" }

// ServingTLSSecretName is the Secret the members mount: the user's (spec.tls.secretName),
// cert-manager's (spec.tls.issuerRef) or the operator's NAME-tls.
func (c *MySQLCluster) ServingTLSSecretName() string {
	switch {
	case c.Spec.TLS.SecretName != "":
		return c.Spec.TLS.SecretName
	case c.Spec.TLS.IssuerRef != nil:
		return c.CertManagerName()
	}
	return c.TLSSecretName()
}

// OperatorIssuesTLS reports whether the members' certificate comes from the operator's own CA
// rather than from the user (spec.tls.secretName) or cert-manager (spec.tls.issuerRef).
func (c *MySQLCluster) OperatorIssuesTLS() bool {
	return c.Spec.TLS.SecretName == "" && c.Spec.TLS.IssuerRef == nil
}

// AgentTLS reports whether the members' agents serve mutual TLS: with the operator's certificates,
// whose CA also signs the operator's client certificate. With a user's or cert-manager's
// certificate the operator holds no key the agents could trust, and the agent API stays on HTTP
// with password authentication.
func (c *MySQLCluster) AgentTLS() bool { return c.TLSEnabled() && c.OperatorIssuesTLS() }

// MemberHosts are every member's stable DNS name (PodHost), which replicas and the operator verify.
func (c *MySQLCluster) MemberHosts() []string {
	out := make([]string, 0, c.DesiredReplicas())
	for i := range int(c.DesiredReplicas()) {
		out = append(out, c.PodHost(i))
	}
	return out
}

// CAConfigMapName publishes the trusted CAs (key ca.crt) for applications to mount.
func (c *MySQLCluster) CAConfigMapName() string { return c.Name + "-ca" }

// TLSEnabled reports whether the members serve TLS (spec.tls.enabled, on unless turned off).
func (c *MySQLCluster) TLSEnabled() bool {
	return c.Spec.TLS.Enabled == nil || *c.Spec.TLS.Enabled
}

// ServerNames are the names the members' certificate covers: the stable DNS names of the first
// members ordinals (spec.replicas, or more while a scale-down has members left to remove: a
// member serving a certificate without its own name could not be verified) and the Services', in
// the short and fully qualified forms clients use.
func (c *MySQLCluster) ServerNames(members int) []string {
	forms := func(host string) []string {
		return []string{host + "." + c.Namespace + ".svc", host + "." + c.Namespace + ".svc.cluster.local", host + "." + c.Namespace, host}
	}
	var names []string
	for i := range max(members, int(c.DesiredReplicas())) {
		names = append(names, forms(c.PodName(i)+"."+c.HeadlessServiceName())...)
	}
	for _, svc := range []string{c.PrimaryServiceName(), c.ReplicasServiceName(), c.HeadlessServiceName()} {
		names = append(names, forms(svc)...)
	}
	return names
}

// RotateCertificatesBefore is the time the rotate-certificates annotation asks for: certificates
// issued before it are replaced. Zero when absent or not an RFC 3339 time.
func (c *MySQLCluster) RotateCertificatesBefore() time.Time {
	t, err := time.Parse(time.RFC3339, c.Annotations[AnnotationRotateCertificates])
	if err != nil {
		return time.Time{}
	}
	return t
}

// PodName is the member with the given ordinal.
func (c *MySQLCluster) PodName(ordinal int) string { return fmt.Sprintf("%s-%d", c.Name, ordinal) }

// PodHost is the member's stable DNS name, served by the headless Service.
func (c *MySQLCluster) PodHost(ordinal int) string {
	return fmt.Sprintf("%s.%s.%s.svc", c.PodName(ordinal), c.HeadlessServiceName(), c.Namespace)
}

// PVCName is the member's data claim, created from the StatefulSet's volumeClaimTemplates.
func (c *MySQLCluster) PVCName(ordinal int) string { return "data-" + c.PodName(ordinal) }

// SeedSnapshotName is the VolumeSnapshot a new member's volume is restored from (NAME-N-seed).
func (c *MySQLCluster) SeedSnapshotName(ordinal int) string { return c.PodName(ordinal) + "-seed" }

// Ordinal returns the ordinal of one of this cluster's pod names.
func (c *MySQLCluster) Ordinal(podName string) (int, bool) {
	rest, ok := strings.CutPrefix(podName, c.Name+"-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || strconv.Itoa(n) != rest {
		return 0, false
	}
	return n, true
}

// DesiredReplicas is spec.replicas with its schema default.
func (c *MySQLCluster) DesiredReplicas() int32 {
	if c.Spec.Replicas == nil {
		return 3
	}
	return *c.Spec.Replicas
}

// Flavor is the engine's flavor with its schema default.
func (c *MySQLCluster) Flavor() Flavor {
	if c.Spec.Engine.Flavor == "" {
		return FlavorMySQL
	}
	return c.Spec.Engine.Flavor
}

// Version is the engine version, or the flavor's default LTS.
func (c *MySQLCluster) Version() string {
	switch {
	case c.Spec.Engine.Version != "":
		return c.Spec.Engine.Version
	case c.Flavor() == FlavorMariaDB:
		return DefaultMariaDBVersion
	default:
		return DefaultMySQLVersion
	}
}

// Image is the database image: the explicit one, or the flavor's official image at Version.
func (c *MySQLCluster) Image() string {
	if c.Spec.Engine.Image != "" {
		return c.Spec.Engine.Image
	}
	return string(c.Flavor()) + ":" + c.Version()
}

// ServerIDBase is a per-cluster base for server_id (server_id = base + ordinal). It is derived from
// the namespace and name, so it survives the loss of the object, and spaced by 1000 so ordinals never
// collide with another cluster's base.
func (c *MySQLCluster) ServerIDBase() uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(c.Namespace + "/" + c.Name))
	return 1000 * (1 + h.Sum32()%4_000_000)
}

// FailoverEnabled is spec.failover.enabled with its schema default.
func (c *MySQLCluster) FailoverEnabled() bool {
	return c.Spec.Failover.Enabled == nil || *c.Spec.Failover.Enabled
}

// FailoverDelay is spec.failover.delay with its schema default.
func (c *MySQLCluster) FailoverDelay() time.Duration {
	if c.Spec.Failover.Delay == nil {
		return 5 * time.Second
	}
	return c.Spec.Failover.Delay.Duration
}

// StorageSize is spec.storage.size with its schema default.
func (c *MySQLCluster) StorageSize() resource.Quantity {
	if c.Spec.Storage.Size == nil {
		return resource.MustParse("10Gi")
	}
	return *c.Spec.Storage.Size
}

// ReplicationMode is spec.replication.mode with its schema default.
func (c *MySQLCluster) ReplicationMode() ReplicationMode {
	if c.Spec.Replication.Mode == "" {
		return ReplicationSemiSync
	}
	return c.Spec.Replication.Mode
}
