//go:build e2e

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

package e2e

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/argocd"
)

// argoNoExpansionClass is a StorageClass that refuses to grow volumes, so a grow committed to git
// is accepted by the API server and then cannot be carried out.
const (
	argoNoExpansionClass         = "e2e-argo-no-expansion"
	argoNoExpansionClassManifest = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ` + argoNoExpansionClass + `
provisioner: kubernetes.io/host-path
allowVolumeExpansion: false
reclaimPolicy: Delete
volumeBindingMode: Immediate
`
)

// Clusters that cannot become Ready, or stop being Ready, for a reason only the user can fix:
// Argo CD must show them Degraded with the operator's reason, not Progressing forever.
var _ = Describe("Argo CD with clusters the operator cannot make Ready", Ordered, func() {
	var (
		env  *argocd.Env
		c    client.Client
		apps []argoApp
	)

	BeforeAll(func(ctx SpecContext) {
		c = k8sClient()
		env = startArgo(ctx)
		id := time.Now().Unix() % 100000
		apps = []argoApp{
			{AppOptions: argocd.AppOptions{Name: "mysql-credentials", Path: "clusters/credentials",
				Namespace: fmt.Sprintf("e2e-argo-credentials-%d", id)}, apply: "client-side"},
			{AppOptions: argocd.AppOptions{Name: "mysql-grow", Path: "clusters/grow",
				Namespace: fmt.Sprintf("e2e-argo-grow-%d", id), ServerSideApply: true}, apply: "server-side"},
		}
		DeferCleanup(func(ctx SpecContext) {
			cleanupArgoApps(ctx, env, apps)
			_, _ = kubectlOut(ctx, "delete", "storageclass", argoNoExpansionClass, "--ignore-not-found", "--wait=false")
		})
	}, NodeTimeout(3*time.Minute))

	ReportAfterEach(func(r SpecReport) {
		if r.Failed() && env != nil {
			argoDiagnostics(env, apps)
		}
	})

	AfterEach(func() { expectArgoRunning(env) })

	It("shows a cluster whose credentials Secret is missing, then invalid, as Degraded with the reason, and Healthy once it is fixed", func(ctx SpecContext) {
		a := apps[0]
		secret := "mysql-credentials-from-the-user"
		commitClusters(env, apps[:1], "a cluster whose credentials Secret does not exist yet",
			argoCluster{replicas: 1, size: "1Gi", credentialsSecret: secret}.manifest())
		Expect(env.CreateApp(ctx, a.AppOptions)).To(Succeed())
		defer captureStates(ctx, "credentials", a.Namespace, 3*time.Minute)()
		msg := expectStalledDegraded(ctx, env, c, a, "CredentialsSecretMissing")
		argoResult("degraded app=%s message=%q", a.Name, msg)

		kubectl(ctx, "-n", a.Namespace, "create", "secret", "generic", secret, "--from-literal=root-password=r00t")
		msg = expectStalledDegraded(ctx, env, c, a, "CredentialsSecretInvalid")
		argoResult("degraded app=%s message=%q", a.Name, msg)

		kubectl(ctx, "-n", a.Namespace, "delete", "secret", secret)
		kubectl(ctx, "-n", a.Namespace, "create", "secret", "generic", secret,
			"--from-literal=root-password=r00t", "--from-literal=replication-password=r3pl", "--from-literal=operator-password=0per")
		watchApps(ctx, env, c, apps[:1], readyTimeout, func(_ argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool {
			return s.Sync.Status == "Synced" && s.Health.Status == "Healthy" && readyForGeneration(mc)
		})
	}, NodeTimeout(readyTimeout+3*time.Minute))

	It("shows a volume grow the StorageClass refuses, committed to git, as Synced and Degraded with the operator's reason", func(ctx SpecContext) {
		a := apps[1]
		_, err := env.Kubectl(ctx, argoNoExpansionClassManifest, "apply", "-f", "-")
		Expect(err).NotTo(HaveOccurred())
		commitClusters(env, apps[1:], "a 1-member cluster on a class without volume expansion",
			argoCluster{replicas: 1, size: "1Gi", storageClass: argoNoExpansionClass}.manifest())
		Expect(env.CreateApp(ctx, a.AppOptions)).To(Succeed())
		defer captureStates(ctx, "grow", a.Namespace, readyTimeout+time.Minute)()
		watchApps(ctx, env, c, apps[1:], readyTimeout, func(_ argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool {
			return s.Sync.Status == "Synced" && s.Health.Status == "Healthy" && readyForGeneration(mc)
		})
		commit := commitClusters(env, apps[1:], "grow the volumes (the class cannot)",
			argoCluster{replicas: 1, size: "2Gi", storageClass: argoNoExpansionClass}.manifest())
		Expect(env.Refresh(ctx, a.Name, argoRefreshTimeout)).To(Succeed())
		var reason string
		watchApps(ctx, env, c, apps[1:], 2*time.Minute, func(_ argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool {
			stalled := meta.FindStatusCondition(mc.Status.Conditions, v1alpha1.ConditionStalled)
			if stalled != nil && stalled.Status == "True" {
				reason = stalled.Reason
			}
			return s.Sync.Revision == commit.SHA && s.Sync.Status == "Synced" && s.Health.Status == "Degraded" && reason != ""
		})
		msg := expectStalledDegraded(ctx, env, c, a, reason)
		argoResult("degraded app=%s message=%q", a.Name, msg)
	}, NodeTimeout(readyTimeout+3*time.Minute))
})

// expectStalledDegraded waits for the cluster to be Stalled with reason and for Argo CD to show
// its MySQLCluster Degraded with Stalled's reason and message; it returns Argo CD's message.
//
// Argo CD re-evaluates a resource's health on a status change only when the health itself changes
// (an install's argocd-cm ignores /status updates otherwise): a new reason with the same health
// reaches the message at its next comparison, which the refresh here asks for.
func expectStalledDegraded(ctx context.Context, env *argocd.Env, c client.Client, a argoApp, reason string) string {
	GinkgoHelper()
	var stalled *metav1.Condition
	watchApps(ctx, env, c, []argoApp{a}, 2*time.Minute, func(_ argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool {
		stalled = meta.FindStatusCondition(mc.Status.Conditions, v1alpha1.ConditionStalled)
		return s.Sync.Status == "Synced" && s.Health.Status == "Degraded" &&
			stalled != nil && stalled.Status == "True" && stalled.Reason == reason
	})
	Expect(env.Refresh(ctx, a.Name, argoRefreshTimeout)).To(Succeed())
	return expectResourceHealth(ctx, env, a, "Degraded", stalled.Reason+": "+stalled.Message)
}
