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
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/argocd"
)

// Argo CD, built from source and run against the suite's cluster, syncing MySQLClusters from a git
// repository: one Application with Argo CD's default (client-side) apply, one with
// ServerSideApply=true, and Ordinal's health check (config/argocd/health.lua) in argocd-cm.
var _ = Describe("Argo CD with Ordinal's health check", Ordered, func() {
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
			{AppOptions: argocd.AppOptions{Name: "mysql-client-apply", Path: "clusters/client-apply",
				Namespace: fmt.Sprintf("e2e-argo-client-%d", id)}, apply: "client-side"},
			{AppOptions: argocd.AppOptions{Name: "mysql-server-apply", Path: "clusters/server-apply",
				Namespace: fmt.Sprintf("e2e-argo-ssa-%d", id), ServerSideApply: true}, apply: "server-side"},
		}
		DeferCleanup(func(ctx SpecContext) { cleanupArgoApps(ctx, env, apps) })
	}, NodeTimeout(3*time.Minute))

	ReportAfterEach(func(r SpecReport) {
		if r.Failed() && env != nil {
			argoDiagnostics(env, apps)
		}
	})

	AfterEach(func() { expectArgoRunning(env) })

	It("syncs a MySQLCluster from git: Synced, then Progressing, then Healthy once it is Ready", func(ctx SpecContext) {
		commit := commitClusters(env, apps, "two 3-member MySQLClusters", argoCluster{replicas: 3, size: "1Gi"}.manifest())
		for _, a := range apps {
			Expect(env.CreateApp(ctx, a.AppOptions)).To(Succeed())
			defer captureStates(ctx, a.apply, a.Namespace, readyTimeout)()
		}
		trails := watchApps(ctx, env, c, apps, readyTimeout, func(_ argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool {
			return s.Sync.Status == "Synced" && s.Health.Status == "Healthy" && readyForGeneration(mc)
		})
		for _, a := range apps {
			t := trails[a.Name]
			Expect(t.reachedInOrder(appState{"Synced", "Progressing"}, appState{"Synced", "Healthy"})).To(BeTrue(),
				"%s went Synced/Progressing then Synced/Healthy: %s", a.Name, t)
			healthyAt := t.first(appState{"Synced", "Healthy"})
			ready := meta.FindStatusCondition(getCluster(ctx, c, a.Namespace).Status.Conditions, v1alpha1.ConditionReady)
			Expect(ready.LastTransitionTime.Time).To(BeTemporally("<=", healthyAt),
				"%s: Argo CD said Healthy only once the cluster was Ready", a.Name)
			expectResourceHealth(ctx, env, a, "Healthy", "AllMembersServing")
			argoResult("commit-to-healthy app=%s apply=%s seconds=%.1f trail=%q",
				a.Name, a.apply, healthyAt.Sub(commit.Time).Seconds(), t.String())
		}
	}, NodeTimeout(readyTimeout+time.Minute))

	It("stays Synced with no diff through the loss of the primary's pod", func(ctx SpecContext) {
		syncs := syncsOf(ctx, env, apps)
		old, oldUID := map[string]string{}, map[string]types.UID{}
		deleted := time.Now().Truncate(time.Second)
		for _, a := range apps {
			old[a.Name] = getCluster(ctx, c, a.Namespace).Status.CurrentPrimary
			oldUID[a.Name] = pod(ctx, c, a.Namespace, old[a.Name]).UID
			kubectl(ctx, "-n", a.Namespace, "delete", "pod", old[a.Name], "--grace-period=0", "--force", "--wait=false")
			defer captureStates(ctx, a.apply, a.Namespace, 3*time.Minute)()
		}
		// Done once the cluster is Ready again after the loss: with a replica promoted, or with the
		// old primary back (its pod re-created within the failover delay).
		trails := watchApps(ctx, env, c, apps, 3*time.Minute, func(a argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool {
			ready := meta.FindStatusCondition(mc.Status.Conditions, v1alpha1.ConditionReady)
			p := &corev1.Pod{}
			err := c.Get(ctx, client.ObjectKey{Namespace: a.Namespace, Name: mc.Status.CurrentPrimary}, p)
			return err == nil && p.UID != oldUID[a.Name] && readyForGeneration(mc) &&
				!ready.LastTransitionTime.Time.Before(deleted) && s.Health.Status == "Healthy"
		})
		for _, a := range apps {
			Expect(trails[a.Name].saw("OutOfSync")).To(BeFalse(), "%s: %s", a.Name, trails[a.Name])
			expectNoDiff(ctx, env, a, syncs[a.Name])
			argoResult("primary-lost app=%s apply=%s primary=%s->%s trail=%q", a.Name, a.apply, old[a.Name],
				getCluster(ctx, c, a.Namespace).Status.CurrentPrimary, trails[a.Name].String())
		}
	}, NodeTimeout(4*time.Minute))

	It("stays Synced with no diff through a switchover requested by annotation", func(ctx SpecContext) {
		syncs := syncsOf(ctx, env, apps)
		target := map[string]string{}
		for _, a := range apps {
			defer captureStates(ctx, a.apply, a.Namespace, 2*time.Minute)()
			target[a.Name] = switchoverTarget(getCluster(ctx, c, a.Namespace))
			kubectl(ctx, "-n", a.Namespace, "annotate", "--overwrite", "mysqlcluster/mysql",
				v1alpha1.AnnotationSwitchoverTo+"="+target[a.Name])
		}
		trails := watchApps(ctx, env, c, apps, 2*time.Minute, func(a argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool {
			return mc.Status.CurrentPrimary == target[a.Name] && readyForGeneration(mc) && s.Health.Status == "Healthy"
		})
		for _, a := range apps {
			Expect(trails[a.Name].saw("OutOfSync")).To(BeFalse(), "%s: %s", a.Name, trails[a.Name])
			expectNoDiff(ctx, env, a, syncs[a.Name])
			argoResult("switchover app=%s apply=%s trail=%q", a.Name, a.apply, trails[a.Name].String())
		}
	}, NodeTimeout(3*time.Minute))

	It("syncs a scale committed to git and stays Synced with no diff", func(ctx SpecContext) {
		syncs := syncsOf(ctx, env, apps)
		for _, a := range apps {
			defer captureStates(ctx, a.apply, a.Namespace, 3*time.Minute)()
		}
		commit := commitClusters(env, apps, "scale to 2 members", argoCluster{replicas: 2, size: "1Gi"}.manifest())
		for _, a := range apps {
			Expect(env.Refresh(ctx, a.Name, argoRefreshTimeout)).To(Succeed())
		}
		trails := watchApps(ctx, env, c, apps, 3*time.Minute, func(a argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool {
			return s.Sync.Revision == commit.SHA && s.Sync.Status == "Synced" && s.Health.Status == "Healthy" &&
				readyForGeneration(mc) && mc.Status.MembersSummary == "2/2"
		})
		for _, a := range apps {
			expectNoDiff(ctx, env, a, syncs[a.Name]+1)
			argoResult("scale app=%s apply=%s seconds=%.1f trail=%q", a.Name, a.apply,
				time.Since(commit.Time).Seconds(), trails[a.Name].String())
		}
	}, NodeTimeout(4*time.Minute))

	// Client-side apply (Argo CD's default) tries the sync and fails it. ServerSideApply=true also
	// makes Argo CD diff server-side (a dry-run apply), which the API server refuses already: the
	// Application shows a ComparisonError and no sync is tried.
	It("shows a spec the API refuses as a failed sync or comparison whose message names the field", func(ctx SpecContext) {
		commit := commitClusters(env, apps, "shrink the volumes (refused)", argoCluster{replicas: 2, size: "512Mi"}.manifest())
		for _, a := range apps {
			Expect(env.Refresh(ctx, a.Name, argoRefreshTimeout)).To(Succeed())
		}
		// The first report is kept: a retry of the failed sync clears the operation's revision.
		refused, syncStatus := map[string]string{}, map[string]string{}
		watchApps(ctx, env, c, apps, 2*time.Minute, func(a argoApp, s argocd.AppStatus, _ *v1alpha1.MySQLCluster) bool {
			if msg := refusal(a, s, commit.SHA); msg != "" && refused[a.Name] == "" {
				refused[a.Name], syncStatus[a.Name] = msg, s.Sync.Status
			}
			return refused[a.Name] != ""
		})
		for _, a := range apps {
			Expect(refused[a.Name]).To(ContainSubstring(`spec.storage.size: Invalid value: "512Mi": storage.size cannot shrink`), a.Name)
			Expect(syncStatus[a.Name]).NotTo(Equal("Synced"), a.Name)
			Expect(getCluster(ctx, c, a.Namespace).Spec.Storage.Size.String()).To(Equal("1Gi"), "the live spec is unchanged")
			argoResult("refused app=%s apply=%s sync=%s message=%q", a.Name, a.apply, syncStatus[a.Name], refused[a.Name])
		}
		revert := commitClusters(env, apps, "revert the shrink", argoCluster{replicas: 2, size: "1Gi"}.manifest())
		for _, a := range apps {
			Expect(env.Refresh(ctx, a.Name, argoRefreshTimeout)).To(Succeed())
		}
		// The failed sync's retry takes the new commit and ends.
		watchApps(ctx, env, c, apps, 2*time.Minute, func(_ argoApp, s argocd.AppStatus, _ *v1alpha1.MySQLCluster) bool {
			return s.Sync.Revision == revert.SHA && s.Sync.Status == "Synced" && s.Health.Status == "Healthy" &&
				s.Condition("ComparisonError") == "" && s.OperationState != nil && s.OperationState.Phase == "Succeeded"
		})
	}, NodeTimeout(5*time.Minute))

	It("shows a running cluster whose primary cannot commit as Degraded, then Healthy again", func(ctx SpecContext) {
		if cluster == nil {
			Skip("freezing pods needs localkube (KUBECONFIG names another cluster)")
		}
		a := apps[0]
		mc := getCluster(ctx, c, a.Namespace)
		// The operator checks commits with a heartbeat write only on a primary that holds data.
		_, err := sqlIn(ctx, a.Namespace, mc.Status.CurrentPrimary, "localhost",
			"CREATE DATABASE IF NOT EXISTS app; CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY); REPLACE INTO app.t VALUES (1)")
		Expect(err).NotTo(HaveOccurred())
		var frozen []string
		for i := range int(*mc.Spec.Replicas) {
			if name := mc.PodName(i); name != mc.Status.CurrentPrimary {
				Expect(cluster.FreezePod(a.Namespace, name)).To(Succeed())
				frozen = append(frozen, name)
			}
		}
		thaw := func() {
			for _, name := range frozen {
				Expect(cluster.ThawPod(a.Namespace, name)).To(Succeed())
			}
			frozen = nil
		}
		DeferCleanup(thaw)
		defer captureStates(ctx, a.apply, a.Namespace, 3*time.Minute)()
		start := time.Now()
		watchApps(ctx, env, c, apps[:1], 2*time.Minute, func(_ argoApp, s argocd.AppStatus, _ *v1alpha1.MySQLCluster) bool {
			return s.Health.Status == "Degraded"
		})
		msg := expectResourceHealth(ctx, env, a, "Degraded", "PrimaryCannotCommit: ")
		argoResult("cannot-commit app=%s seconds-to-degraded=%.1f message=%q", a.Name, time.Since(start).Seconds(), msg)
		thaw()
		trails := watchApps(ctx, env, c, apps[:1], 2*time.Minute, func(_ argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool {
			return s.Health.Status == "Healthy" && readyForGeneration(mc)
		})
		Expect(trails[a.Name].saw("OutOfSync")).To(BeFalse(), "%s: %s", a.Name, trails[a.Name])
	}, NodeTimeout(5*time.Minute))
})

// refusal is how Argo CD reports the API server refusing the commit's spec: the MySQLCluster's
// failed sync result (client-side apply), or the comparison error (server-side apply); "" until
// it does.
func refusal(a argoApp, s argocd.AppStatus, sha string) string {
	if a.ServerSideApply {
		if s.Sync.Revision != sha {
			return ""
		}
		return s.Condition("ComparisonError")
	}
	// While a failed sync waits for its retry its phase stays Running: the sync result says
	// what failed.
	op := s.OperationState
	if op == nil || op.SyncResult == nil || op.SyncResult.Revision != sha {
		return ""
	}
	for _, r := range op.SyncResult.Resources {
		if r.Kind == "MySQLCluster" && r.Status == "SyncFailed" {
			return r.Message
		}
	}
	return ""
}

// switchoverTarget is the lowest-ordinal member that is not the primary: never the highest
// ordinal, so a later scale-down removes a replica.
func switchoverTarget(mc *v1alpha1.MySQLCluster) string {
	for i := range int(*mc.Spec.Replicas) {
		if name := mc.PodName(i); name != mc.Status.CurrentPrimary {
			return name
		}
	}
	Fail("no member besides the primary")
	return ""
}
