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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"
)

// sampleManifest is one file of config/samples.
func sampleManifest(file string) string {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(repo, "config", "samples", file))
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// runSamples are the samples really run, each in its own namespace with its replicas as
// written: the MariaDB ones that need nothing this machine lacks. The others are only dry-run:
// mysql-cluster (no MySQL server here), mariadb-placement (needs labelled, tainted nodes),
// mariadb-storage (needs its StorageClass), mariadb-backup and mariadb-restore (need an S3 store:
// backup_test.go runs the manifests of docs/backups.md, much the same, against versitygw),
// mysql_v1alpha1_mysqlcluster.yaml, which cluster_test.go runs, and mariadb-application.yaml,
// which dayone_test.go runs. Measured on the 2-core machine: 6-9 s for the 1-member sample,
// 14-40 s for each 3-member one, 1.1-2.5 minutes for the whole group (more when other work
// shares the machine), within its 3-minute budget.
var runSamples = []struct {
	file, name string
	replicas   int32
	check      func(ctx context.Context, ns string)
}{
	{"mariadb-minimal.yaml", "mariadb-minimal", 1, nil},
	{"mariadb-cluster.yaml", "mariadb-cluster", 3, nil},
	{"mariadb-custom-config.yaml", "mariadb-custom-config", 3, func(ctx context.Context, ns string) {
		Expect(sampleSQL(ctx, ns, "mariadb-custom-config", "SELECT @@max_connections, @@slow_query_log")).
			To(Equal("200\t1"), "spec.config reached the server")
	}},
	{"mariadb-async.yaml", "mariadb-async", 3, func(ctx context.Context, ns string) {
		Expect(sampleSQL(ctx, ns, "mariadb-async", "SELECT @@rpl_semi_sync_master_enabled")).
			To(Equal("0"), "async replication: the primary does not wait for replicas")
	}},
	{"mariadb-services.yaml", "mariadb-services", 3, func(ctx context.Context, ns string) {
		Expect(kubectl(ctx, "-n", ns, "get", "service", "mariadb-services-primary", "-o",
			`jsonpath={.spec.type} {.metadata.annotations.service\.beta\.kubernetes\.io/aws-load-balancer-type}`)).
			To(Equal("LoadBalancer nlb"))
		Expect(kubectl(ctx, "-n", ns, "get", "service", "mariadb-services-replicas", "-o", "jsonpath={.spec.type}")).
			To(Equal("NodePort"))
	}},
}

var _ = Describe("the samples in config/samples", Ordered, func() {
	It("are all listed in the kustomization", func() {
		var k struct{ Resources []string }
		Expect(yaml.Unmarshal([]byte(sampleManifest("kustomization.yaml")), &k)).To(Succeed())
		files, err := filepath.Glob(filepath.Join(repo, "config", "samples", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		for _, f := range files {
			if base := filepath.Base(f); base != "kustomization.yaml" {
				Expect(k.Resources).To(ContainElement(base), "config/samples/kustomization.yaml lists every sample")
			}
		}
		for _, s := range runSamples {
			Expect(k.Resources).To(ContainElement(s.file))
		}
	})

	// MySQL samples are only dry-run: there is no MySQL server on this machine.
	It("are all accepted by the API server: schema, defaults and CEL rules (server-side dry run)", func(ctx SpecContext) {
		ns := sampleNamespace(ctx, "dry")
		all := kubectl(ctx, "kustomize", filepath.Join(repo, "config", "samples"))
		objects := len(strings.Split(strings.TrimSpace(all), "\n---\n"))
		out := kubectl(ctx, "-n", ns, "apply", "--server-side", "--field-manager=e2e-samples", "--dry-run=server",
			"-k", filepath.Join(repo, "config", "samples"))
		Expect(strings.Count(out, "(server dry run)")).To(Equal(objects), out)
		Expect(objects).To(BeNumerically(">=", 13))
	})

	for _, s := range runSamples {
		It("runs "+s.file+" with its replicas as written", func(ctx SpecContext) {
			ns := sampleNamespace(ctx, strings.TrimSuffix(strings.TrimPrefix(s.name, "mariadb-"), "-config"))
			applyManifest(ctx, ns, sampleManifest(s.file))
			start := time.Now()
			kubectl(ctx, "-n", ns, "wait", "--for=condition=Ready", "mysqlcluster/"+s.name, "--timeout=3m")
			AddReportEntry("time to Ready", time.Since(start).Round(time.Second).String())
			// Ready=True can come a probe period before the last pod's readiness (readyMembers
			// counts ready pods; the primary serves once it is writable).
			Eventually(func() string {
				return kubectl(ctx, "-n", ns, "get", "mysqlcluster", s.name, "-o", "jsonpath={.status.readyMembers}")
			}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Equal(fmt.Sprint(s.replicas)))
			if s.check != nil {
				s.check(ctx, ns)
			}
		}, SpecTimeout(4*time.Minute))
	}
})

// sampleNamespace creates a namespace for one sample and deletes it after the spec (without
// waiting: the next sample need not wait for these pods to go).
func sampleNamespace(ctx context.Context, what string) string {
	GinkgoHelper()
	ns := fmt.Sprintf("e2e-samples-%s-%d", what, time.Now().Unix()%100000)
	kubectl(ctx, "create", "namespace", ns)
	DeferCleanup(func(ctx SpecContext) {
		if os.Getenv("E2E_KEEP") == "" {
			kubectl(ctx, "delete", "namespace", ns, "--wait=false")
		}
	})
	return ns
}

// sampleSQL runs a query as root on a sample cluster's primary, through its NAME-primary Service,
// from inside NAME-0.
func sampleSQL(ctx context.Context, ns, cluster, query string) string {
	GinkgoHelper()
	pw := kubectl(ctx, "-n", ns, "get", "secret", cluster+"-credentials", "-o", "jsonpath={.data.root-password}")
	script := fmt.Sprintf("mariadb -h %s-primary -uroot -p\"$(echo %s | base64 -d)\" -N -B -e %q", cluster, pw, query)
	out := kubectl(ctx, "-n", ns, "exec", cluster+"-0", "-c", "mysql", "--", "sh", "-c", script)
	return strings.TrimSpace(out)
}
