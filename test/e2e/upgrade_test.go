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
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// nextVersion is the operator "released" by this spec: the same source stamped with another
// version, run by localkube for the image tag of that name (bin/ordinal-TAG).
const nextVersion = "0.3.0-e2e"

var _ = Describe("an operator upgrade with helm upgrade", Ordered, func() {
	It("restarts no database pod, and failover and switchover work afterwards", func(ctx SpecContext) {
		c := k8sClient()
		ns := fmt.Sprintf("e2e-upgrade-%d", time.Now().Unix()%100000)
		createFaultCluster(ctx, ns, nil)
		DeferCleanup(func(ctx SpecContext) {
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", ns, "--wait=false")
			}
		})
		waitReady(ctx, c, ns)
		buildOperatorVersion(ctx, nextVersion)
		before := databasePods(ctx, c)
		agentBefore := agentImage(ctx, c, ns)
		GinkgoWriter.Printf("%d database pods before the upgrade; agent image %s\n", len(before), agentBefore)

		start := time.Now()
		helmRun(ctx, "upgrade", "ordinal", filepath.Join(repo, "dist", "chart"), "-n", "ordinal-system",
			"--reuse-values", "--set", "image.tag="+nextVersion, "--wait", "--timeout", "4m")
		DeferCleanup(func(ctx SpecContext) {
			helmRun(ctx, "rollback", "ordinal", "-n", "ordinal-system", "--wait", "--timeout", "4m")
		})
		expectOperatorVersion(ctx, nextVersion)
		GinkgoWriter.Printf("UPGRADE-RESULT operator_rolled_out=%s\n", time.Since(start).Round(100*time.Millisecond))

		// The new operator reconciles every cluster at start; nothing it does may restart a pod.
		Consistently(func() []string { return restartedSince(before, databasePods(ctx, c)) }).
			WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(2 * time.Second).Should(BeEmpty())
		Expect(agentImage(ctx, c, ns)).To(Equal(agentBefore), "the pods keep the agent they were started with")
		GinkgoWriter.Printf("UPGRADE-RESULT database_pods=%d restarted=0\n", len(before))

		mc := waitReady(ctx, c, ns)
		target := otherMember(mc)
		kubectl(ctx, "-n", ns, "annotate", "mysqlcluster/mysql", v1alpha1.AnnotationSwitchoverTo+"="+target)
		Eventually(func() string { return getCluster(ctx, c, ns).Status.CurrentPrimary }).
			WithContext(ctx).WithTimeout(2*time.Minute).Should(Equal(target), "switchover under the new operator")
		if cluster != nil { // cutting a pod off the network is a localkube fault
			Expect(cluster.CutPod(ns, target)).To(Succeed())
			DeferCleanup(func() { _ = cluster.RestorePod(ns, target) })
			Eventually(func() string { return getCluster(ctx, c, ns).Status.CurrentPrimary }).
				WithContext(ctx).WithTimeout(2*time.Minute).ShouldNot(Equal(target), "failover under the new operator")
			Expect(cluster.RestorePod(ns, target)).To(Succeed())
		}
		waitReady(ctx, c, ns)
	}, NodeTimeout(15*time.Minute))
})

// buildOperatorVersion builds this source stamped with version into bin/ordinal-VERSION.
func buildOperatorVersion(ctx context.Context, version string) {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(repo, "bin", "ordinal-"+version),
		"-ldflags", "-X github.com/ordinal-dev/ordinal/internal/version.Version="+version, "./cmd")
	cmd.Dir, cmd.Env = repo, append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go build: %s", out)
}

// helmRun runs bin/helm against the suite's cluster and fails the spec on error.
func helmRun(ctx context.Context, args ...string) string {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(ctx, 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repo, "bin", "helm"), append(args, "--kubeconfig", kubeconfig)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	Expect(cmd.Run()).To(Succeed(), "helm %s: %s", strings.Join(args, " "), stderr.String())
	return out.String()
}

// expectOperatorVersion waits until the operator that holds the lease logged the given version.
func expectOperatorVersion(ctx context.Context, version string) {
	GinkgoHelper()
	Eventually(func() (string, error) {
		return kubectlOut(ctx, "-n", "ordinal-system", "logs", "deployment/ordinal-controller-manager", "--tail=-1")
	}).WithContext(ctx).WithTimeout(2 * time.Minute).Should(MatchRegexp(`"version":\s?"` + regexp.QuoteMeta(version) + `"`))
}

// podRun is one run of a pod: its UID and its containers' restarts.
type podRun struct {
	uid      string
	restarts int32
}

// databasePods maps every database pod of every cluster (namespace/name) to its current run.
func databasePods(ctx context.Context, c client.Client) map[string]podRun {
	GinkgoHelper()
	var pods corev1.PodList
	Expect(c.List(ctx, &pods, client.HasLabels{v1alpha1.LabelCluster})).To(Succeed())
	out := map[string]podRun{}
	for _, p := range pods.Items {
		run := podRun{uid: string(p.UID)}
		for _, s := range p.Status.ContainerStatuses {
			run.restarts += s.RestartCount
		}
		out[p.Namespace+"/"+p.Name] = run
	}
	return out
}

// restartedSince lists the pods of before that were re-created or restarted a container. A pod
// that is simply gone belongs to a cluster another spec deleted.
func restartedSince(before, now map[string]podRun) []string {
	var out []string
	for k, b := range before {
		if n, ok := now[k]; ok && n.uid != b.uid {
			out = append(out, k+" re-created")
		} else if ok && n.restarts != b.restarts {
			out = append(out, fmt.Sprintf("%s restarted (%d -> %d)", k, b.restarts, n.restarts))
		}
	}
	return out
}

// agentImage is the image of the tools container the cluster's pods run (the agent).
func agentImage(ctx context.Context, c client.Client, ns string) string {
	GinkgoHelper()
	p := pod(ctx, c, ns, "mysql-0")
	t := desired.ToolsContainerOf(&p.Spec)
	Expect(t).NotTo(BeNil())
	return t.Image
}

// otherMember is a ready member that is not the primary.
func otherMember(mc *v1alpha1.MySQLCluster) string {
	GinkgoHelper()
	for _, m := range mc.Status.Members {
		if m.Name != mc.Status.CurrentPrimary && m.Ready {
			return m.Name
		}
	}
	Fail("no ready replica in " + mc.Name)
	return ""
}
