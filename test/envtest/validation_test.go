//go:build envtest

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

package envtest

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

type mutation func(*v1alpha1.MySQLCluster)

// The apiserver itself refuses these specs (CEL and schema rules in the CRD): no webhook, no operator.
var _ = Describe("the MySQLCluster schema", func() {
	DescribeTable("refuses a new cluster that cannot work, naming the field",
		func(ctx SpecContext, mutate mutation, field, message string) {
			c := mariadbCluster(newNamespace(ctx))
			mutate(c)
			expectRefused(k8s.Create(ctx, c), field, message)
		},
		Entry("no members", func(c *v1alpha1.MySQLCluster) { c.Spec.Replicas = ptr.To[int32](0) },
			"spec.replicas", "greater than or equal to 1"),
		Entry("an unknown flavor", func(c *v1alpha1.MySQLCluster) { c.Spec.Engine.Flavor = "postgres" },
			"spec.engine.flavor", "Unsupported value"),
		Entry("a version that is not a version", func(c *v1alpha1.MySQLCluster) { c.Spec.Engine.Version = "latest" },
			"spec.engine.version", "should match"),
		Entry("server_id in config", func(c *v1alpha1.MySQLCluster) { c.Spec.Config = map[string]v1alpha1.ConfigValue{"server_id": "7"} },
			"spec.config", "must not set settings the operator owns"),
		Entry("log-bin spelled with a dash", func(c *v1alpha1.MySQLCluster) { c.Spec.Config = map[string]v1alpha1.ConfigValue{"Log-Bin": "OFF"} },
			"spec.config", "must not set settings the operator owns"),
		Entry("server_id behind the loose- prefix", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Config = map[string]v1alpha1.ConfigValue{"loose-server-id": "7"}
		}, "spec.config", "through an option prefix"),
		Entry("read_only in config", func(c *v1alpha1.MySQLCluster) { c.Spec.Config = map[string]v1alpha1.ConfigValue{"read_only": "OFF"} },
			"spec.config", "must not set settings the operator owns"),
		Entry("a certificate file in config (spec.tls sets them)", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Config = map[string]v1alpha1.ConfigValue{"ssl-cert": "/mine.pem"}
		}, "spec.config", "spec.tls sets them"),
		Entry("a user's certificate with TLS off", func(c *v1alpha1.MySQLCluster) {
			c.Spec.TLS = v1alpha1.TLS{Enabled: ptr.To(false), SecretName: "mine"}
		}, "spec.tls", "tls.secretName needs tls.enabled"),
		Entry("a cert-manager issuer with TLS off", func(c *v1alpha1.MySQLCluster) {
			c.Spec.TLS = v1alpha1.TLS{Enabled: ptr.To(false), IssuerRef: &v1alpha1.IssuerRef{Name: "ca"}}
		}, "spec.tls", "tls.issuerRef needs tls.enabled"),
		Entry("both a user's Secret and a cert-manager issuer", func(c *v1alpha1.MySQLCluster) {
			c.Spec.TLS = v1alpha1.TLS{SecretName: "mine", IssuerRef: &v1alpha1.IssuerRef{Name: "ca"}}
		}, "spec.tls", "tls.issuerRef and tls.secretName cannot both be set"),
		Entry("an issuer kind cert-manager does not have", func(c *v1alpha1.MySQLCluster) {
			c.Spec.TLS = v1alpha1.TLS{IssuerRef: &v1alpha1.IssuerRef{Name: "ca", Kind: "Issuers"}}
		}, "spec.tls.issuerRef.kind", "Unsupported value"),
		Entry("TLS required of every client with TLS off", func(c *v1alpha1.MySQLCluster) {
			c.Spec.TLS = v1alpha1.TLS{Enabled: ptr.To(false), RequireSecureTransport: true}
		}, "spec.tls", "without TLS no client could connect"),
		Entry("a config key that is not an option name", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Config = map[string]v1alpha1.ConfigValue{"max connections": "1"}
		},
			"spec.config", "config keys must be my.cnf option names"),
		Entry("a multi-line config value", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Config = map[string]v1alpha1.ConfigValue{"max_connections": "1\nread_only=OFF"}
		},
			"spec.config[max_connections]", "single line"),
		Entry("an empty volume", func(c *v1alpha1.MySQLCluster) { c.Spec.Storage.Size = ptr.To(resource.MustParse("0")) },
			"spec.storage.size", "greater than zero"),
		Entry("an unknown replication mode", func(c *v1alpha1.MySQLCluster) { c.Spec.Replication.Mode = "sync" },
			"spec.replication.mode", "Unsupported value"),
		Entry("a zero lag bound", func(c *v1alpha1.MySQLCluster) { c.Spec.Replication.MaxLagSeconds = -1 },
			"spec.replication.maxLagSeconds", "greater than or equal to 1"),
		Entry("a failover delay of zero", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Failover.Delay = &metav1.Duration{}
		}, "spec.failover.delay", "between 1s and 1h"),
		Entry("the operator's labels on pods", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Pod.Labels = map[string]string{v1alpha1.LabelRole: "primary"}
		}, "spec.pod.labels", "must not set the operator's labels"),
		Entry("an ExternalName primary Service", func(c *v1alpha1.MySQLCluster) { c.Spec.PrimaryService.Type = "ExternalName" },
			"spec.primaryService.type", "Unsupported value"),
		Entry("a PodDisruptionBudget that allows nothing", func(c *v1alpha1.MySQLCluster) {
			c.Spec.PodDisruptionBudget.MaxUnavailable = ptr.To[int32](0)
		}, "spec.podDisruptionBudget.maxUnavailable", "greater than or equal to 1"),
		Entry("a name too long for its pods", func(c *v1alpha1.MySQLCluster) { c.Name = strings.Repeat("m", 53) },
			"metadata.name", "at most 52 characters"),
		Entry("a name that cannot name a Service", func(c *v1alpha1.MySQLCluster) { c.Name = "0mysql" },
			"metadata.name", "must start with a letter"),
		Entry("backups of a MySQL cluster", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Engine.Flavor = v1alpha1.FlavorMySQL
			c.Spec.Backup = &v1alpha1.Backup{Store: s3Store("")}
		}, "spec", "backup and restore need engine.flavor mariadb"),
		Entry("a store endpoint with the bucket in its path", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Backup = &v1alpha1.Backup{Store: s3Store("")}
			c.Spec.Backup.Store.Endpoint = "https://s3.example.com/backups"
		}, "spec.backup.store.endpoint", "without a path"),
		Entry("an archive interval of zero", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Backup = &v1alpha1.Backup{Store: s3Store(""), ArchiveInterval: &metav1.Duration{}}
		}, "spec.backup.archiveInterval", "between 1s and 1h"),
		Entry("a restore without the source's prefix", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Restore = &v1alpha1.Restore{Store: s3Store("")}
		}, "spec.restore", "restore.store.prefix is required"),
		Entry("a point in time with both a time and a GTID", func(c *v1alpha1.MySQLCluster) {
			now := metav1.Now()
			c.Spec.Restore = &v1alpha1.Restore{Store: s3Store("prod/db"), PointInTime: &v1alpha1.PointInTime{Time: &now, GTID: "0-1-5"}}
		}, "spec.restore", "takes time or gtid, not both"),
		Entry("a point in time that names nothing", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Restore = &v1alpha1.Restore{Store: s3Store("prod/db"), PointInTime: &v1alpha1.PointInTime{}}
		}, "spec.restore.pointInTime", "exactly one of time, gtid or latest"),
		Entry("a GTID that is not one", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Restore = &v1alpha1.Restore{Store: s3Store("prod/db"), PointInTime: &v1alpha1.PointInTime{GTID: "last"}}
		}, "spec.restore.pointInTime.gtid", "should match"),
	)

	DescribeTable("refuses a change that cannot work, naming the field",
		func(ctx SpecContext, mutate mutation, field, message string) {
			c := mariadbCluster(newNamespace(ctx))
			c.Spec.Storage.StorageClassName = ptr.To("standard")
			c.Spec.CredentialsSecretName = "creds"
			Expect(k8s.Create(ctx, c)).To(Succeed())
			mutate(c)
			expectRefused(k8s.Update(ctx, c), field, message)
		},
		Entry("a flavor change", func(c *v1alpha1.MySQLCluster) { c.Spec.Engine.Flavor = v1alpha1.FlavorMySQL },
			"spec.engine.flavor", "engine.flavor cannot change"),
		Entry("a storage shrink", func(c *v1alpha1.MySQLCluster) { c.Spec.Storage.Size = ptr.To(resource.MustParse("512Mi")) },
			"spec.storage.size", "storage.size cannot shrink"),
		Entry("a storage class change", func(c *v1alpha1.MySQLCluster) { c.Spec.Storage.StorageClassName = ptr.To("fast") },
			"spec.storage", "storage.storageClassName cannot change"),
		Entry("a storage class removal", func(c *v1alpha1.MySQLCluster) { c.Spec.Storage.StorageClassName = nil },
			"spec.storage", "storage.storageClassName cannot change"),
		Entry("a credentials Secret change", func(c *v1alpha1.MySQLCluster) { c.Spec.CredentialsSecretName = "other" },
			"spec", "credentialsSecretName cannot be added, changed or removed"),
		Entry("a pod management policy change", func(c *v1alpha1.MySQLCluster) { c.Spec.PodManagementPolicy = "Parallel" },
			"spec.podManagementPolicy", "podManagementPolicy cannot change"),
		Entry("a restore added after creation", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Restore = &v1alpha1.Restore{Store: s3Store("prod/db")}
		}, "spec", "restore cannot be added or removed after creation"),
	)

	It("fills every default in the schema, so GitOps tools see no drift", func(ctx SpecContext) {
		c := &v1alpha1.MySQLCluster{ObjectMeta: metav1.ObjectMeta{Namespace: newNamespace(ctx), Name: "defaults"}}
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Expect(c.Spec.Replicas).To(HaveValue(Equal(int32(3))))
		Expect(c.Spec.Engine.Flavor).To(Equal(v1alpha1.FlavorMySQL))
		Expect(c.Spec.Storage.Size.String()).To(Equal("10Gi"))
		Expect(c.Spec.Replication.Mode).To(Equal(v1alpha1.ReplicationSemiSync))
		Expect(c.Spec.Replication.MaxLagSeconds).To(Equal(int32(30)))
		Expect(c.Spec.Failover.Enabled).To(HaveValue(BeTrue()))
		Expect(c.Spec.Failover.Delay.Duration.String()).To(Equal("5s"))
		Expect(c.Spec.PodManagementPolicy).To(Equal("OrderedReady"))
		Expect(c.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted).To(Equal("Retain"))
		Expect(c.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled).To(Equal("Retain"))
		Expect(c.Spec.PodDisruptionBudget.Enabled).To(HaveValue(BeTrue()))
	})

	It("accepts a storage grow and a scale through the scale subresource", func(ctx SpecContext) {
		c := mariadbCluster(newNamespace(ctx))
		Expect(k8s.Create(ctx, c)).To(Succeed())
		c.Spec.Storage.Size = ptr.To(resource.MustParse("2Gi"))
		Expect(k8s.Update(ctx, c)).To(Succeed())
		scale := &autoscalingv1.Scale{}
		Expect(k8s.SubResource("scale").Get(ctx, c, scale)).To(Succeed())
		scale.Spec.Replicas = 5
		Expect(k8s.SubResource("scale").Update(ctx, c, client.WithSubResourceBody(scale))).To(Succeed())
		Expect(get(ctx, &v1alpha1.MySQLCluster{}, c.Namespace, c.Name).Spec.Replicas).To(HaveValue(Equal(int32(5))))
	})
})

// expectRefused checks the apiserver refused the write as invalid with a message naming the field.
func expectRefused(err error, field, message string) {
	GinkgoHelper()
	Expect(err).To(HaveOccurred(), "the apiserver accepted a spec that cannot work")
	Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want an Invalid error, got %v", err)
	Expect(err.Error()).To(ContainSubstring(field), "the message names the field")
	Expect(err.Error()).To(ContainSubstring(message))
}

// s3Store is a valid store with prefix.
func s3Store(prefix string) v1alpha1.ObjectStore {
	return v1alpha1.ObjectStore{Endpoint: "https://s3.example.com", Bucket: "backups", Prefix: prefix, CredentialsSecretName: "s3"}
}
