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
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// dayOne sets every day-one field on c (docs/applications.md).
func dayOne(c *v1alpha1.MySQLCluster) {
	c.Spec.Database = "shop"
	c.Spec.User = &v1alpha1.ApplicationUser{Name: "web"}
	c.Spec.TimeZone = "Europe/Berlin"
	c.Spec.InitSQL = []v1alpha1.InitSQLSource{{ConfigMapKeyRef: &v1alpha1.KeyRef{Name: "shop-init", Key: "schema.sql"}}}
	c.Spec.InheritedMetadata = &v1alpha1.InheritedMetadata{Labels: map[string]string{"team": "shop"}}
	c.Spec.Engine.ImagePullPolicy = corev1.PullIfNotPresent
	c.Spec.Pod.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}}
}

var _ = Describe("the day-one settings of the MySQLCluster schema", func() {
	It("accepts every day-one setting and defaults the user's host to '%'", func(ctx SpecContext) {
		c := mariadbCluster(newNamespace(ctx))
		dayOne(c)
		Expect(k8s.Create(ctx, c)).To(Succeed())
		Expect(c.Spec.User.Host).To(Equal("%"))
		// A named zone may change or go later: every zone's tables are loaded.
		c.Spec.TimeZone = "America/New_York"
		Expect(k8s.Update(ctx, c)).To(Succeed())
		c.Spec.TimeZone = ""
		Expect(k8s.Update(ctx, c)).To(Succeed())
	})

	DescribeTable("refuses a new cluster with a day-one setting that cannot work, naming the field",
		func(ctx SpecContext, mutate mutation, field, message string) {
			c := mariadbCluster(newNamespace(ctx))
			dayOne(c)
			mutate(c)
			expectRefused(k8s.Create(ctx, c), field, message)
		},
		Entry("a user named like the operator's account", func(c *v1alpha1.MySQLCluster) { c.Spec.User.Name = "ordinal" },
			"spec.user.name", "must not be one of the operator's or the engine's accounts"),
		Entry("a user named root in capitals", func(c *v1alpha1.MySQLCluster) { c.Spec.User.Name = "ROOT" },
			"spec.user.name", "must not be one of the operator's or the engine's accounts"),
		Entry("a user name that needs quoting", func(c *v1alpha1.MySQLCluster) { c.Spec.User.Name = "web'app" },
			"spec.user.name", "should match"),
		Entry("a user without a database", func(c *v1alpha1.MySQLCluster) { c.Spec.Database = "" },
			"spec", "user needs database"),
		Entry("the operator's schema as the database", func(c *v1alpha1.MySQLCluster) { c.Spec.Database = "ordinal" },
			"spec.database", "must not be a system schema"),
		Entry("an initSQL entry with both sources", func(c *v1alpha1.MySQLCluster) {
			c.Spec.InitSQL[0].SecretKeyRef = &v1alpha1.KeyRef{Name: "s", Key: "k"}
		}, "spec.initSQL[0]", "exactly one of configMapKeyRef and secretKeyRef"),
		Entry("initSQL with a restore", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Restore = &v1alpha1.Restore{Store: s3Store("prod/db")}
		}, "spec", "initSQL cannot be combined with restore"),
		Entry("default_time_zone in config next to timeZone", func(c *v1alpha1.MySQLCluster) {
			c.Spec.Config = map[string]v1alpha1.ConfigValue{"default-time-zone": "+02:00"}
		}, "spec", "config must not set default_time_zone when timeZone is set"),
		Entry("a time zone that is no zone name", func(c *v1alpha1.MySQLCluster) { c.Spec.TimeZone = "../etc/passwd" },
			"spec.timeZone", "should match"),
		Entry("the operator's label inherited", func(c *v1alpha1.MySQLCluster) {
			c.Spec.InheritedMetadata.Labels[v1alpha1.LabelRole] = "primary"
		}, "spec.inheritedMetadata.labels", "must not set the operator's labels"),
		Entry("the operator's annotation inherited", func(c *v1alpha1.MySQLCluster) {
			c.Spec.InheritedMetadata.Annotations = map[string]string{v1alpha1.AnnotationSwitchoverTo: "db-1"}
		}, "spec.inheritedMetadata.annotations", "must not set the operator's annotations"),
		Entry("an unknown pull policy", func(c *v1alpha1.MySQLCluster) { c.Spec.Engine.ImagePullPolicy = "Sometimes" },
			"spec.engine.imagePullPolicy", "Unsupported value"),
	)

	DescribeTable("refuses a day-one change that cannot work, naming the field",
		func(ctx SpecContext, mutate mutation, field, message string) {
			c := mariadbCluster(newNamespace(ctx))
			dayOne(c)
			c.Spec.TimeZone = ""
			Expect(k8s.Create(ctx, c)).To(Succeed())
			mutate(c)
			expectRefused(k8s.Update(ctx, c), field, message)
		},
		Entry("a time zone added after creation", func(c *v1alpha1.MySQLCluster) { c.Spec.TimeZone = "Europe/Berlin" },
			"spec", "timeZone cannot be added after creation"),
		Entry("an initSQL change", func(c *v1alpha1.MySQLCluster) { c.Spec.InitSQL[0].ConfigMapKeyRef.Key = "other.sql" },
			"spec.initSQL", "initSQL cannot change after creation"),
		Entry("initSQL removed", func(c *v1alpha1.MySQLCluster) { c.Spec.InitSQL = nil },
			"spec", "initSQL cannot be added or removed after creation"),
		Entry("a renamed user", func(c *v1alpha1.MySQLCluster) { c.Spec.User.Name = "web2" },
			"spec.user.name", "user.name cannot change"),
	)

	It("accepts an application user added to an existing cluster", func(ctx SpecContext) {
		c := mariadbCluster(newNamespace(ctx))
		Expect(k8s.Create(ctx, c)).To(Succeed())
		c.Spec.Database, c.Spec.User = "shop", &v1alpha1.ApplicationUser{Name: "web", PasswordSecretName: "web-password"}
		c.Spec.Pod.AgentResources = &corev1.ResourceRequirements{}
		c.Spec.Replicas = ptr.To[int32](1)
		Expect(k8s.Update(ctx, c)).To(Succeed())
	})
})
