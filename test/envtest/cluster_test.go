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
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

var _ = Describe("a MySQLCluster", func() {
	var ns string
	var cluster *v1alpha1.MySQLCluster

	BeforeEach(func(ctx SpecContext) {
		ns = newNamespace(ctx)
		cluster = mariadbCluster(ns)
		Expect(k8s.Create(ctx, cluster)).To(Succeed())
	})

	It("becomes every child a MySQL cluster needs, correctly shaped", func(ctx SpecContext) {
		sts := eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		Expect(sts.Spec.ServiceName).To(Equal("mysql"))
		Expect(*sts.Spec.Replicas).To(Equal(int32(3)))
		Expect(sts.Spec.PodManagementPolicy).To(Equal(appsv1.OrderedReadyPodManagement))
		Expect(sts.Spec.UpdateStrategy.Type).To(Equal(appsv1.OnDeleteStatefulSetStrategyType))
		Expect(sts.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted).To(Equal(appsv1.RetainPersistentVolumeClaimRetentionPolicyType))
		Expect(sts.Spec.VolumeClaimTemplates).To(HaveLen(1))
		Expect(sts.Spec.VolumeClaimTemplates[0].Name).To(Equal("data"))
		Expect(sts.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage().String()).To(Equal("1Gi"))
		expectRestrictedPod(&sts.Spec.Template.Spec)
		Expect(containerNames(sts.Spec.Template.Spec.InitContainers)).To(Equal([]string{"tools", "init"}))
		Expect(sts.Spec.Template.Spec.InitContainers[0].Image).To(Equal(operatorImage), "tools copies the operator binary")
		Expect(sts.Spec.Template.Spec.InitContainers[1].Image).To(Equal("mariadb:11.4"), "init needs the engine's tools")
		Expect(containerNames(sts.Spec.Template.Spec.Containers)).To(ConsistOf("mysql", "agent"))
		db := container(sts.Spec.Template.Spec.Containers, "mysql")
		Expect(db.Image).To(Equal("mariadb:11.4"))
		Expect(db.Command).To(ContainElement(ContainSubstring("mariadbd")), "the server starts directly, not through an entrypoint script")
		Expect(sts.Spec.Template.Annotations).To(HaveKey(v1alpha1.AnnotationRestartConfig))

		headless := eventuallyGet(ctx, &corev1.Service{}, ns, "mysql")
		Expect(headless.Spec.ClusterIP).To(Equal(corev1.ClusterIPNone))
		Expect(headless.Spec.PublishNotReadyAddresses).To(BeTrue())
		primary := eventuallyGet(ctx, &corev1.Service{}, ns, "mysql-primary")
		Expect(primary.Spec.Selector).To(HaveKey(appsv1.StatefulSetPodNameLabel), "the primary Service selects the recorded primary by pod name")
		Expect(primary.Spec.Selector).NotTo(HaveKey(v1alpha1.LabelRole), "never a label two pods could carry")
		replicas := eventuallyGet(ctx, &corev1.Service{}, ns, "mysql-replicas")
		Expect(replicas.Spec.Selector).To(HaveKeyWithValue(v1alpha1.LabelRole, v1alpha1.RoleReplica))
		Expect(replicas.Spec.Selector).To(HaveKeyWithValue(v1alpha1.LabelServing, "true"))

		cm := eventuallyGet(ctx, &corev1.ConfigMap{}, ns, "mysql-config")
		Expect(cm.Data["my.cnf"]).To(ContainSubstring("read_only"))
		eventuallyGet(ctx, &corev1.ServiceAccount{}, ns, "mysql")
		pdb := eventuallyGet(ctx, &policyv1.PodDisruptionBudget{}, ns, "mysql")
		Expect(pdb.Spec.MaxUnavailable.IntValue()).To(Equal(1))
		secret := eventuallyGet(ctx, &corev1.Secret{}, ns, "mysql-credentials")
		for _, k := range v1alpha1.CredentialKeys {
			Expect(secret.Data[k]).To(HaveLen(32), "generated %s", k)
		}
		for _, obj := range []client.Object{sts, headless, primary, replicas, cm, pdb} {
			Expect(metav1IsControlledBy(obj, cluster.Name)).To(BeTrue(), "%s is owned by the cluster", describe(obj))
		}
	})

	It("reports status the kstatus way and fills the scale subresource", func(ctx SpecContext) {
		eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		got := observed(ctx, cluster)
		Expect(got.Status.Selector).To(ContainSubstring("mysql.ordinal.dev/cluster=mysql"))
		Expect(got.Status.MembersSummary).To(MatchRegexp(`^\d+/3$`))
		ready := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionReady)
		Expect(ready).NotTo(BeNil())
		Expect(ready.Status).To(Equal(metav1.ConditionFalse), "no pod runs under envtest: not ready")
		Expect(ready.ObservedGeneration).To(Equal(got.Generation))
		Expect(meta.IsStatusConditionTrue(got.Status.Conditions, v1alpha1.ConditionReconciling)).To(BeTrue())
		Expect(meta.IsStatusConditionFalse(got.Status.Conditions, v1alpha1.ConditionStalled)).To(BeTrue())
	})

	It("propagates replicas, resources and config; only a restart-only setting changes the pod template", func(ctx SpecContext) {
		sts := eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		hashBefore := sts.Spec.Template.Annotations[v1alpha1.AnnotationRestartConfig]
		update(ctx, cluster, func(c *v1alpha1.MySQLCluster) {
			c.Spec.Replicas = ptr.To[int32](5)
			c.Spec.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("768Mi")}}
		})
		Eventually(func(g Gomega) {
			s := get(ctx, &appsv1.StatefulSet{}, ns, "mysql")
			g.Expect(*s.Spec.Replicas).To(Equal(int32(5)))
			g.Expect(container(s.Spec.Template.Spec.Containers, "mysql").Resources.Requests.Memory().String()).To(Equal("768Mi"))
			g.Expect(s.Spec.Template.Annotations[v1alpha1.AnnotationRestartConfig]).To(Equal(hashBefore), "no config change, no new hash")
		}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())

		update(ctx, cluster, func(c *v1alpha1.MySQLCluster) {
			c.Spec.Config = map[string]v1alpha1.ConfigValue{"max_connections": "321"}
		})
		Eventually(func(g Gomega) {
			g.Expect(get(ctx, &corev1.ConfigMap{}, ns, "mysql-config").Data["my.cnf"]).To(ContainSubstring("max_connections=321"))
		}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
		Consistently(func(g Gomega) {
			s := get(ctx, &appsv1.StatefulSet{}, ns, "mysql")
			g.Expect(s.Spec.Template.Annotations[v1alpha1.AnnotationRestartConfig]).To(Equal(hashBefore),
				"max_connections is applied live: the pods must not restart for it")
		}).WithContext(ctx).WithTimeout(3 * time.Second).Should(Succeed())

		update(ctx, cluster, func(c *v1alpha1.MySQLCluster) {
			c.Spec.Config = map[string]v1alpha1.ConfigValue{"max_connections": "321", "back_log": "90"}
		})
		Eventually(func(g Gomega) {
			s := get(ctx, &appsv1.StatefulSet{}, ns, "mysql")
			g.Expect(s.Spec.Template.Annotations[v1alpha1.AnnotationRestartConfig]).NotTo(Equal(hashBefore))
			g.Expect(s.Spec.Template.Annotations[v1alpha1.AnnotationRestartConfig]).To(ContainSubstring("back_log="))
		}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
	})

	It("keeps the agent the pods run through an operator upgrade, and brings the new one with the next change they need", func(ctx SpecContext) {
		const previous = "ghcr.io/ordinal-dev/ordinal:0.1.0"
		sts := eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		Expect(container(sts.Spec.Template.Spec.InitContainers, "tools").Image).To(Equal(operatorImage))
		// Let the first passes settle, so that none still acts on the template as first written.
		Eventually(func() int64 {
			before := writes.Load(ns)
			time.Sleep(time.Second)
			return writes.Load(ns) - before
		}).WithContext(ctx).WithTimeout(timeout).Should(BeZero())
		// The pods were started by the previous operator: its image is in the live template.
		Eventually(func() error {
			s := get(ctx, &appsv1.StatefulSet{}, ns, "mysql")
			container(s.Spec.Template.Spec.InitContainers, "tools").Image = previous
			return k8s.Update(ctx, s)
		}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
		update(ctx, cluster, func(c *v1alpha1.MySQLCluster) { c.Annotations = map[string]string{"poke": "upgrade"} })
		Consistently(func() string {
			return container(get(ctx, &appsv1.StatefulSet{}, ns, "mysql").Spec.Template.Spec.InitContainers, "tools").Image
		}).WithContext(ctx).WithTimeout(3*time.Second).WithPolling(poll).Should(Equal(previous), "an operator upgrade alone changes no pod template")
		update(ctx, cluster, func(c *v1alpha1.MySQLCluster) {
			c.Spec.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("640Mi")}}
		})
		Eventually(func() string {
			return container(get(ctx, &appsv1.StatefulSet{}, ns, "mysql").Spec.Template.Spec.InitContainers, "tools").Image
		}).WithContext(ctx).WithTimeout(timeout).Should(Equal(operatorImage), "a change the pods need brings the new agent")
	})

	It("grows storage by re-creating the StatefulSet without touching its pods", func(ctx SpecContext) {
		sts := eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		pod := eventuallyGet(ctx, &corev1.Pod{}, ns, "mysql-0")
		update(ctx, cluster, func(c *v1alpha1.MySQLCluster) { c.Spec.Storage.Size = ptr.To(resource.MustParse("2Gi")) })
		Eventually(func(g Gomega) {
			s := &appsv1.StatefulSet{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mysql"}, s)).To(Succeed())
			g.Expect(s.UID).NotTo(Equal(sts.UID))
			g.Expect(s.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage().String()).To(Equal("2Gi"))
		}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
		Consistently(func() types.UID { return get(ctx, &corev1.Pod{}, ns, "mysql-0").UID }).
			WithContext(ctx).WithTimeout(2*time.Second).Should(Equal(pod.UID), "the pod keeps running")
		Eventually(func() []metav1.OwnerReference { return get(ctx, &corev1.Pod{}, ns, "mysql-0").OwnerReferences }).
			WithContext(ctx).WithTimeout(timeout).Should(ContainElement(HaveField("Name", "mysql")), "re-adopted")
	})

	It("writes nothing when a reconcile changes nothing", func(ctx SpecContext) {
		eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		observed(ctx, cluster)
		children := []client.Object{&appsv1.StatefulSet{}, &corev1.Service{}, &corev1.ConfigMap{}, &policyv1.PodDisruptionBudget{}}
		names := []string{"mysql", "mysql-primary", "mysql-config", "mysql"}
		// Let the StatefulSet controller settle; then every reconcile must be a no-op.
		Eventually(func() int64 {
			before := writes.Load(ns)
			time.Sleep(2 * time.Second)
			return writes.Load(ns) - before
		}).WithContext(ctx).WithTimeout(timeout).Should(BeZero())
		versions := resourceVersions(ctx, ns, children, names)
		before := writes.Load(ns)
		// Poke the cluster: an annotation change triggers a reconcile without changing the spec.
		update(ctx, cluster, func(c *v1alpha1.MySQLCluster) { c.Annotations = map[string]string{"poke": "1"} })
		update(ctx, cluster, func(c *v1alpha1.MySQLCluster) { c.Annotations = map[string]string{"poke": "2"} })
		Consistently(func() int64 { return writes.Load(ns) - before }).
			WithContext(ctx).WithTimeout(3 * time.Second).WithPolling(poll).Should(BeZero())
		Expect(resourceVersions(ctx, ns, children, names)).To(Equal(versions))
	})

	It("never owns a field under spec of the MySQLCluster", func(ctx SpecContext) {
		eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		got := observed(ctx, cluster)
		for _, mf := range got.ManagedFields {
			if mf.Manager == testFieldManager {
				continue
			}
			Expect(string(mf.FieldsV1.Raw)).NotTo(ContainSubstring(`"f:spec"`),
				"manager %s (%s) owns spec fields", mf.Manager, mf.Operation)
		}
		Expect(slices.ContainsFunc(got.ManagedFields, func(mf metav1.ManagedFieldsEntry) bool {
			return mf.Subresource == "status" && mf.Manager != testFieldManager
		})).To(BeTrue(), "the operator wrote status through the status subresource")
	})

	It("is garbage-collected on deletion, keeping its PVCs", func(ctx SpecContext) {
		eventuallyGet(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		// The StatefulSet controller creates the first member's claim (OrderedReady waits on it after).
		eventuallyGet(ctx, &corev1.PersistentVolumeClaim{}, ns, "data-mysql-0")
		Expect(k8s.Delete(ctx, cluster)).To(Succeed())
		eventuallyGone(ctx, &appsv1.StatefulSet{}, ns, "mysql")
		for _, name := range []string{"mysql", "mysql-primary", "mysql-replicas"} {
			eventuallyGone(ctx, &corev1.Service{}, ns, name)
		}
		eventuallyGone(ctx, &corev1.ConfigMap{}, ns, "mysql-config")
		eventuallyGone(ctx, &policyv1.PodDisruptionBudget{}, ns, "mysql")
		Consistently(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "data-mysql-0"}, &corev1.PersistentVolumeClaim{})
		}).WithContext(ctx).WithTimeout(3*time.Second).Should(Succeed(), "PVCs are retained by default")
		get(ctx, &corev1.Secret{}, ns, "mysql-credentials") // kept with the data it unlocks
	})
})

func containerNames(cs []corev1.Container) []string {
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return names
}

func container(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	Fail("no container " + name)
	return nil
}

// expectRestrictedPod checks the restricted Pod Security Standard.
func expectRestrictedPod(spec *corev1.PodSpec) {
	GinkgoHelper()
	Expect(spec.SecurityContext.RunAsNonRoot).To(HaveValue(BeTrue()))
	Expect(spec.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		Expect(c.SecurityContext.AllowPrivilegeEscalation).To(HaveValue(BeFalse()), c.Name)
		Expect(c.SecurityContext.Capabilities.Drop).To(ContainElement(corev1.Capability("ALL")), c.Name)
	}
}

func metav1IsControlledBy(obj client.Object, owner string) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.Kind == "MySQLCluster" && ref.Name == owner && ptr.Deref(ref.Controller, false) {
			return true
		}
	}
	return false
}
