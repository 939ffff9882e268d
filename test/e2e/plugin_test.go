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
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/plugin"
)

// The kubectl plugin, as built by `make build` (bin/kubectl-ordinal), against a 2-member cluster.
var _ = Describe("the kubectl ordinal plugin", Ordered, func() {
	var (
		ns               string
		c                client.Client
		primary, replica string
	)

	BeforeAll(func(ctx SpecContext) {
		c = k8sClient()
		ns = fmt.Sprintf("e2e-plugin-%d", time.Now().Unix()%100000)
		kubectl(ctx, "create", "namespace", ns)
		DeferCleanup(func(ctx SpecContext) {
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", ns, "--wait=false")
			}
		})
		applyManifest(ctx, ns, pluginCluster(ctx, c, ns))
		mc := waitReady(ctx, c, ns)
		primary = mc.Status.CurrentPrimary
		replica = otherMember(mc)
	}, NodeTimeout(readyTimeout+time.Minute))

	It("prints the status as a table, and as JSON whose roles match the pods' labels", func(ctx SpecContext) {
		table := runPlugin(ctx, "status", "mysql", "-n", ns)
		Expect(table).To(MatchRegexp(`Primary:\s+%s`, primary))
		Expect(table).To(MatchRegexp(`(?m)^%s\s+primary\s+yes\s+yes`, primary))
		Expect(table).To(MatchRegexp(`(?m)^%s\s+replica\s+yes`, replica))
		Eventually(func(g Gomega) {
			var s plugin.ClusterStatus
			g.Expect(json.Unmarshal([]byte(runPlugin(ctx, "status", "mysql", "-n", ns, "-o", "json")), &s)).To(Succeed())
			g.Expect(s.Kind).To(Equal("ClusterStatus"))
			g.Expect(s.Primary).To(Equal(primary))
			g.Expect(s.Members).To(HaveLen(2))
			for _, m := range s.Members {
				g.Expect(pod(ctx, c, ns, m.Name).Labels[v1alpha1.LabelRole]).To(Equal(m.Role), m.Name)
			}
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Succeed())
	})

	It("prints credentials that connect through the primary Service", func(ctx SpecContext) {
		Expect(runPlugin(ctx, "credentials", "mysql", "-n", ns)).To(SatisfyAll(
			MatchRegexp(`Host:\s+mysql-primary\.%s\.svc`, ns), ContainSubstring("********")))
		var cr plugin.Credentials
		Expect(json.Unmarshal([]byte(runPlugin(ctx, "credentials", "mysql", "-n", ns, "--show-password", "-o", "json")), &cr)).To(Succeed())
		Expect(cr.Password).NotTo(BeEmpty())
		Expect(kubectl(ctx, "-n", ns, "get", "secret", "mysql-credentials", "-o", `go-template={{index .data "root-password" | base64decode}}`)).
			To(Equal(cr.Password), "the Secret's root password")
		script := fmt.Sprintf("%s -h %s -P %d -u%s -p\"$PW\" -N -B -e 'SELECT @@hostname'", clientOf(), cr.Host, cr.Port, cr.User)
		out := kubectl(ctx, "-n", ns, "exec", replica, "-c", "mysql", "--", "env", "PW="+cr.Password, "sh", "-c", script)
		Expect(strings.TrimSpace(out)).To(Equal(primary))
	})

	It("runs the client on the primary, and with --replica on a replica", func(ctx SpecContext) {
		Expect(strings.TrimSpace(runPlugin(ctx, "mysql", "mysql", "-n", ns, "--", "-N", "-B", "-e", "SELECT @@hostname"))).To(Equal(primary))
		Expect(strings.TrimSpace(runPlugin(ctx, "mysql", "mysql", "-n", ns, "--replica", "--", "-N", "-B", "-e", "SELECT @@hostname"))).To(Equal(replica))
		_, err := runPluginErr(ctx, "mysql", "mysql", "-n", ns, "--", "-e", "SELECT no_such_column")
		Expect(err).To(MatchError(SatisfyAll(ContainSubstring("exit status 1"), ContainSubstring("no_such_column"))),
			"the client's error and exit status are the plugin's")
	})

	It("switches over to the replica and the primary Service follows", func(ctx SpecContext) {
		start := time.Now()
		out := runPlugin(ctx, "switchover", "mysql", "-n", ns, "--to", replica, "--timeout", "2m")
		AddReportEntry("plugin switchover", fmt.Sprintf("%s in %s", strings.TrimSpace(out), time.Since(start).Round(100*time.Millisecond)))
		Expect(out).To(ContainSubstring("the primary is now " + replica))
		Expect(out).To(MatchRegexp(`Writes paused \S+ \(from fencing %s`, primary), "the pause from the operator's events")
		Expect(getCluster(ctx, c, ns).Status.CurrentPrimary).To(Equal(replica))
		Expect(kubectl(ctx, "-n", ns, "get", "service", "mysql-primary", "-o", `jsonpath={.spec.selector.statefulset\.kubernetes\.io/pod-name}`)).
			To(Equal(replica), "the primary Service selects the new primary")
		Eventually(func() (string, error) { return sqlIn(ctx, ns, primary, "mysql-primary", "SELECT @@hostname") }).
			WithContext(ctx).WithTimeout(30*time.Second).Should(Equal(replica), "connections through the primary Service reach it")
		_, err := runPluginErr(ctx, "switchover", "mysql", "-n", ns, "--to", replica)
		Expect(err).To(MatchError(ContainSubstring("already the primary")))
	})

	It("lists the switchover in the history", func(ctx SpecContext) {
		var h plugin.History
		Expect(json.Unmarshal([]byte(runPlugin(ctx, "history", "mysql", "-n", ns, "-o", "json")), &h)).To(Succeed())
		Expect(h.Entries).To(ContainElement(SatisfyAll(
			HaveField("Kind", plugin.EntrySwitchover), HaveField("From", primary), HaveField("To", replica),
			HaveField("Pause", Not(BeEmpty())))))
		table := runPlugin(ctx, "history", "mysql", "-n", ns)
		Expect(table).To(MatchRegexp(`(?m)^\S+\s+switchover\s+%s\s+%s\s`, primary, replica))
		Expect(table).To(ContainSubstring("Events expire"))
	})

	It("takes a backup and waits for it", func(ctx SpecContext) {
		if flavor != "mariadb" {
			_, err := runPluginErr(ctx, "backup", "mysql", "-n", ns)
			Expect(err).To(MatchError(ContainSubstring("no spec.backup")))
			return
		}
		out := runPlugin(ctx, "backup", "mysql", "-n", ns, "--name", "by-plugin", "--wait", "--timeout", "2m")
		Expect(out).To(ContainSubstring("by-plugin: Succeeded"))
		b := backupOf(ctx, c, ns, "by-plugin")
		Expect(b.Status.Size).To(BeNumerically(">", 0), describeBackup(b))
		Expect(out).To(ContainSubstring("took " + b.Status.Duration))
		Expect(b.Labels).To(HaveKeyWithValue(v1alpha1.LabelCluster, "mysql"))
	})
})

// pluginCluster is a 2-member cluster; on MariaDB with backups to a real S3 server (versitygw),
// without verification Jobs (the backup specs cover those).
func pluginCluster(ctx context.Context, c client.Client, ns string) string {
	GinkgoHelper()
	m := fmt.Sprintf(`apiVersion: mysql.ordinal.dev/v1alpha1
kind: MySQLCluster
metadata:
  name: mysql
spec:
  replicas: 2
  engine:
    flavor: %s
  storage:
    size: 1Gi
`, flavor)
	if flavor != "mariadb" {
		return m
	}
	s3 := startS3(ctx)
	storeSecret(ctx, c, ns, "s3-credentials", s3.AccessKey, s3.SecretKey)
	return m + fmt.Sprintf(`  backup:
    store:
      endpoint: %s
      bucket: %s
      credentialsSecretName: s3-credentials
    verify: false
`, s3.Endpoint, s3Bucket)
}

func clientOf() string {
	if flavor == "mysql" {
		return "mysql"
	}
	return "mariadb"
}

// runPlugin runs bin/kubectl-ordinal against the e2e cluster and returns its standard output.
func runPlugin(ctx context.Context, args ...string) string {
	GinkgoHelper()
	out, err := runPluginErr(ctx, args...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// runPluginErr runs the plugin with bin/ first on PATH (its mysql command runs kubectl exec).
func runPluginErr(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	bin := filepath.Join(repo, "bin")
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "kubectl-ordinal"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl-ordinal %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	GinkgoWriter.Printf("kubectl-ordinal %s:\n%s%s", strings.Join(args, " "), out.String(), stderr.String())
	return out.String(), nil
}
