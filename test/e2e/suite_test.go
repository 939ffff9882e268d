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
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/ordinal-dev/ordinal/test/localkube"
)

var (
	repo       string
	kubeconfig string
	cluster    *localkube.Cluster // nil when KUBECONFIG names another cluster
	flavor     = envOr("E2E_FLAVOR", "mariadb")
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	// The suite's controller-runtime clients log nothing of interest; without a logger
	// controller-runtime prints a stack trace saying so.
	ctrllog.SetLogger(logr.Discard())
	SetDefaultEventuallyPollingInterval(500 * time.Millisecond)
	RunSpecs(t, "e2e: the operator on a real Kubernetes")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	var err error
	repo, err = localkube.FindRepoRoot()
	Expect(err).NotTo(HaveOccurred())
	kubeconfig = os.Getenv("KUBECONFIG")
	if kubeconfig == "" {
		start := time.Now()
		cluster, err = localkube.Start(context.Background(), localkube.Options{})
		Expect(err).NotTo(HaveOccurred(), "start localkube")
		kubeconfig = cluster.Kubeconfig()
		GinkgoWriter.Printf("localkube ready in %s (reused: %v)\n", time.Since(start).Round(time.Millisecond), cluster.Reused())
	}
	installOperator(ctx)
}, NodeTimeout(10*time.Minute))

var _ = AfterSuite(func(ctx SpecContext) {
	if cluster != nil {
		awaitReclaimed(ctx, k8sClient())
		Expect(cluster.Stop()).To(Succeed())
	}
}, NodeTimeout(reclaimWait+2*time.Minute))

// installOperator installs the operator with the Helm chart in dist/chart and its default values
// (--reset-values: nothing a previous run set survives), as users do, and waits for it. On a
// reused cluster where config/default (kustomize) installed it, no release owns the CRD: helm
// takes the objects over client-side, as docs/install.md explains, without deleting anything.
func installOperator(ctx context.Context) {
	GinkgoHelper()
	args := []string{"upgrade", "--install", "ordinal", filepath.Join(repo, "dist", "chart"),
		"-n", "ordinal-system", "--create-namespace", "--reset-values", "--wait", "--timeout", "5m"}
	// NAME/RELEASE: a CRD without a release annotation was installed by kubectl.
	owner, err := kubectlOut(ctx, "get", "crd", "mysqlclusters.mysql.ordinal.dev", "--ignore-not-found",
		"-o", `jsonpath={.metadata.name}/{.metadata.annotations.meta\.helm\.sh/release-name}`)
	Expect(err).NotTo(HaveOccurred())
	if owner == "mysqlclusters.mysql.ordinal.dev/" {
		args = append(args, "--take-ownership", "--server-side=false")
	}
	helmRun(ctx, args...)
	// A reused cluster may run an operator built from older code: start a fresh pod.
	kubectl(ctx, "-n", "ordinal-system", "rollout", "restart", "deployment/ordinal-controller-manager")
	kubectl(ctx, "-n", "ordinal-system", "rollout", "status", "deployment/ordinal-controller-manager", "--timeout=180s")
}

var _ = ReportAfterEach(func(ctx SpecContext, r SpecReport) {
	if r.Failed() {
		out, _ := kubectlOut(context.Background(), "-n", "ordinal-system", "logs", "deployment/ordinal-controller-manager", "--tail=80")
		AddReportEntry("operator logs", out)
	}
})

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
