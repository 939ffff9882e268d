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
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/argocd"
)

const (
	// argoPoll is how often the Argo CD specs read an Application or a cluster.
	argoPoll = 250 * time.Millisecond
	// argoRefreshTimeout bounds one comparison of an Application with git.
	argoRefreshTimeout = 30 * time.Second
)

// startArgo starts Argo CD against the suite's cluster (test/argocd) with its state and logs in
// a fresh directory, kept when a spec fails or E2E_KEEP is set. The processes stop when the
// calling container ends.
func startArgo(ctx context.Context) *argocd.Env {
	GinkgoHelper()
	if _, err := os.Stat(filepath.Join(repo, "bin", "argocd")); err != nil {
		Fail("bin/argocd is missing: run make argocd-binaries (make test-e2e does)")
	}
	dir, err := os.MkdirTemp("", "ordinal-argocd-")
	Expect(err).NotTo(HaveOccurred())
	GinkgoWriter.Printf("Argo CD state and logs: %s\n", dir)
	start := time.Now()
	env, err := argocd.Start(ctx, argocd.Options{Root: repo, Kubeconfig: kubeconfig, Dir: dir})
	Expect(err).NotTo(HaveOccurred(), "start Argo CD (logs in %s)", dir)
	AddReportEntry("Argo CD started in", time.Since(start).Round(100*time.Millisecond).String())
	DeferCleanup(func() {
		Expect(env.Stop()).To(Succeed(), "stop Argo CD")
		if os.Getenv("E2E_KEEP") == "" && !CurrentSpecReport().Failed() {
			_ = os.RemoveAll(dir)
		}
	})
	return env
}

// cleanupArgoApps deletes the Applications (without cascading) and, unless E2E_KEEP is set, the
// namespaces they synced into.
func cleanupArgoApps(ctx context.Context, env *argocd.Env, apps []argoApp) {
	GinkgoHelper()
	if env == nil {
		return
	}
	for _, a := range apps {
		Expect(env.DeleteApp(ctx, a.Name)).To(Succeed())
		if os.Getenv("E2E_KEEP") == "" {
			_, _ = kubectlOut(ctx, "delete", "namespace", a.Namespace, "--ignore-not-found", "--wait=false")
		}
	}
}

// argoDiagnostics prints, for a failed spec, the tails of Argo CD's logs and the Applications.
func argoDiagnostics(env *argocd.Env, apps []argoApp) {
	ctx := context.Background() // the spec's own may be over; kubectl has its own timeout
	GinkgoWriter.Printf("Argo CD processes that exited: %v\n%s\n", env.Exited(), env.Tails(60))
	for _, a := range apps {
		out, _ := env.Kubectl(ctx, "", "-n", argocd.Namespace, "get", "application", a.Name, "-o", "yaml")
		GinkgoWriter.Printf("Application %s:\n%s\n", a.Name, out)
	}
}

// expectArgoRunning fails the spec if an Argo CD process has exited.
func expectArgoRunning(env *argocd.Env) {
	GinkgoHelper()
	if env != nil { // nil when BeforeAll failed, which said why
		Expect(env.Exited()).To(BeEmpty(), "no Argo CD process exited")
	}
}

// appState is an Application's sync status and health, as the specs record its transitions.
type appState struct{ sync, health string }

func (s appState) String() string { return s.sync + "/" + s.health }

// appTrail is the distinct states an Application went through, in order, with when each began.
type appTrail struct {
	states []appState
	at     []time.Time
}

func (t *appTrail) add(s appState, at time.Time) {
	if n := len(t.states); n == 0 || t.states[n-1] != s {
		t.states = append(t.states, s)
		t.at = append(t.at, at)
	}
}

// first is when the trail first reached s (zero when it did not).
func (t *appTrail) first(s appState) time.Time {
	for i, x := range t.states {
		if x == s {
			return t.at[i]
		}
	}
	return time.Time{}
}

// reachedInOrder reports whether the trail holds each of want, in that order.
func (t *appTrail) reachedInOrder(want ...appState) bool {
	i := 0
	for _, s := range t.states {
		if i < len(want) && s == want[i] {
			i++
		}
	}
	return i == len(want)
}

// saw reports whether the trail went through that sync status.
func (t *appTrail) saw(sync string) bool {
	for _, s := range t.states {
		if s.sync == sync {
			return true
		}
	}
	return false
}

func (t *appTrail) String() string {
	parts := make([]string, len(t.states))
	for i, s := range t.states {
		parts[i] = s.String()
	}
	return strings.Join(parts, " -> ")
}

// argoApp is an Application of the suite and the cluster it syncs.
type argoApp struct {
	argocd.AppOptions
	apply string // "client-side" or "server-side", for reports
}

// watchApps reads every Application and its MySQLCluster every argoPoll, recording each
// Application's states, until done holds for all of them or timeout passes.
func watchApps(ctx context.Context, env *argocd.Env, c client.Client, apps []argoApp, timeout time.Duration,
	done func(a argoApp, s argocd.AppStatus, mc *v1alpha1.MySQLCluster) bool) map[string]*appTrail {
	GinkgoHelper()
	trails := map[string]*appTrail{}
	for _, a := range apps {
		trails[a.Name] = &appTrail{}
	}
	// Every Application is read on every poll, so none's states go unrecorded while another's
	// are not there yet.
	Eventually(func(g Gomega) {
		var pending []string
		for _, a := range apps {
			app, err := env.GetApp(ctx, a.Name)
			g.Expect(err).NotTo(HaveOccurred())
			trails[a.Name].add(appState{app.Status.Sync.Status, app.Status.Health.Status}, time.Now())
			mc := &v1alpha1.MySQLCluster{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: a.Namespace, Name: "mysql"}, mc); err != nil {
				pending = append(pending, fmt.Sprintf("%s: Argo CD %s; cluster: %v", a.Name, trails[a.Name], err))
			} else if !done(a, app.Status, mc) {
				pending = append(pending, fmt.Sprintf("%s: Argo CD %s; cluster %s", a.Name, trails[a.Name], readySummary(mc)))
			}
		}
		g.Expect(pending).To(BeEmpty())
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(argoPoll).Should(Succeed())
	return trails
}

// readySummary is a cluster's Ready condition and primary, for failure messages.
func readySummary(mc *v1alpha1.MySQLCluster) string {
	r := meta.FindStatusCondition(mc.Status.Conditions, v1alpha1.ConditionReady)
	if r == nil {
		return "no Ready condition"
	}
	return fmt.Sprintf("Ready=%s %s (%s), primary %q, generation %d observed %d",
		r.Status, r.Reason, r.Message, mc.Status.CurrentPrimary, mc.Generation, mc.Status.ObservedGeneration)
}

// readyForGeneration reports whether the cluster is Ready for its current generation.
func readyForGeneration(mc *v1alpha1.MySQLCluster) bool {
	return mc.Status.ObservedGeneration == mc.Generation &&
		meta.IsStatusConditionTrue(mc.Status.Conditions, v1alpha1.ConditionReady)
}

// expectNoDiff has Argo CD compare the Application with git now (as a webhook would), waits for
// it to be Healthy, and expects it Synced on every read, its MySQLCluster Synced, and no sync
// beyond the syncs it had: the live cluster never drifted from git.
func expectNoDiff(ctx context.Context, env *argocd.Env, a argoApp, syncs int) {
	GinkgoHelper()
	Expect(env.Refresh(ctx, a.Name, argoRefreshTimeout)).To(Succeed())
	var app *argocd.App
	var drift []string
	Eventually(func(g Gomega) {
		var err error
		app, err = env.GetApp(ctx, a.Name)
		g.Expect(err).NotTo(HaveOccurred())
		if app.Status.Sync.Status != "Synced" {
			drift = append(drift, app.Status.Sync.Status)
		}
		g.Expect(app.Status.Health.Status).To(Equal("Healthy"))
	}).WithContext(ctx).WithTimeout(argoRefreshTimeout).WithPolling(argoPoll).Should(Succeed())
	Expect(drift).To(BeEmpty(), "%s was not Synced on every read", a.Name)
	Expect(app.Status.Sync.Status).To(Equal("Synced"))
	r := app.Status.Resource("MySQLCluster", "mysql")
	Expect(r).NotTo(BeNil(), "%s manages the MySQLCluster", a.Name)
	Expect(r.Status).To(Equal("Synced"), "%s: the MySQLCluster has no diff", a.Name)
	Expect(app.Status.History).To(HaveLen(syncs), "%s: no sync ran", a.Name)
}

// captureStates keeps the first MySQLCluster seen in each state for the health check's
// fixtures (test/argocd/testdata), when E2E_ARGOCD_CAPTURE names a directory, until the returned
// stop function is called or limit passes.
func captureStates(ctx context.Context, prefix, ns string, limit time.Duration) (stop func()) {
	capturer, err := argocd.NewCapturer(os.Getenv("E2E_ARGOCD_CAPTURE"))
	Expect(err).NotTo(HaveOccurred())
	if capturer == nil {
		return func() {}
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := capturer.Watch(ctx, filepath.Join(repo, "bin", "kubectl"), kubeconfig, prefix, ns); err != nil {
			GinkgoWriter.Printf("capturing %s: %v\n", ns, err)
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// argoResult prints a line the Argo CD numbers can be grepped from (ARGOCD-RESULT), to the
// spec's output and its report.
func argoResult(format string, args ...any) {
	line := "ARGOCD-RESULT " + fmt.Sprintf(format, args...)
	GinkgoWriter.Println(line)
	AddReportEntry("ARGOCD-RESULT", line)
}

// argoCluster is a MySQLCluster the Argo CD specs keep in git.
type argoCluster struct {
	replicas          int
	size              string
	storageClass      string // "" for the default
	credentialsSecret string // "" for the one the operator generates
}

func (a argoCluster) manifest() string {
	m := fmt.Sprintf(`apiVersion: mysql.ordinal.dev/v1alpha1
kind: MySQLCluster
metadata:
  name: mysql
spec:
  replicas: %d
  engine:
    flavor: %s
  storage:
    size: %s
`, a.replicas, flavor, a.size)
	if a.storageClass != "" {
		m += "    storageClassName: " + a.storageClass + "\n"
	}
	if a.credentialsSecret != "" {
		m += "  credentialsSecretName: " + a.credentialsSecret + "\n"
	}
	return m
}

// commitClusters commits one manifest into every app's folder.
func commitClusters(env *argocd.Env, apps []argoApp, message, manifest string) argocd.Commit {
	GinkgoHelper()
	files := map[string]string{}
	for _, a := range apps {
		files[a.Path+"/mysqlcluster.yaml"] = manifest
	}
	commit, err := env.Git.Write(message, files)
	Expect(err).NotTo(HaveOccurred())
	return commit
}

// syncsOf is how many syncs each Application has run.
func syncsOf(ctx context.Context, env *argocd.Env, apps []argoApp) map[string]int {
	GinkgoHelper()
	out := map[string]int{}
	for _, a := range apps {
		app, err := env.GetApp(ctx, a.Name)
		Expect(err).NotTo(HaveOccurred())
		out[a.Name] = len(app.Status.History)
	}
	return out
}

// expectResourceHealth expects the Application's MySQLCluster to have that health, with a
// message containing want, and returns the message.
func expectResourceHealth(ctx context.Context, env *argocd.Env, a argoApp, status, want string) string {
	GinkgoHelper()
	var msg string
	Eventually(func(g Gomega) {
		app, err := env.GetApp(ctx, a.Name)
		g.Expect(err).NotTo(HaveOccurred())
		r := app.Status.Resource("MySQLCluster", "mysql")
		g.Expect(r).NotTo(BeNil())
		g.Expect(r.Health).NotTo(BeNil())
		g.Expect(r.Health.Status).To(Equal(status))
		g.Expect(r.Health.Message).To(ContainSubstring(want))
		msg = r.Health.Message
	}).WithContext(ctx).WithTimeout(argoRefreshTimeout).WithPolling(argoPoll).Should(Succeed())
	return msg
}
