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
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The day-one settings (docs/applications.md), through config/samples/mariadb-application.yaml:
// one 2-member MariaDB cluster with a database, an application user, initSQL from a ConfigMap, a
// time zone, inherited metadata, pull secrets and Guaranteed resources.
var _ = Describe("day-one settings", Ordered, func() {
	const name = "mariadb-application"
	var (
		ns string
		c  client.Client
	)

	BeforeAll(func(ctx SpecContext) {
		c = k8sClient()
		ns = fmt.Sprintf("e2e-dayone-%d", time.Now().Unix()%100000)
		kubectl(ctx, "create", "namespace", ns)
		DeferCleanup(func(ctx SpecContext) {
			if os.Getenv("E2E_KEEP") == "" {
				kubectl(ctx, "delete", "namespace", ns, "--wait=false")
			}
		})
		applyManifest(ctx, ns, sampleManifest(name+".yaml"))
		start := time.Now()
		kubectl(ctx, "-n", ns, "wait", "--for=condition=Ready", "mysqlcluster/"+name, "--timeout=4m")
		AddReportEntry("time to Ready", time.Since(start).Round(time.Second).String())
	}, NodeTimeout(5*time.Minute))

	AfterEach(func(ctx SpecContext) {
		if CurrentSpecReport().Failed() {
			for _, args := range [][]string{{"get", "pods", "-o", "wide"}, {"get", "events", "--sort-by=.lastTimestamp"},
				{"logs", name + "-1", "-c", "init", "--tail=30"}, {"logs", name + "-0", "-c", "agent", "--tail=30"}} {
				out, err := kubectlOut(ctx, append([]string{"-n", ns}, args...)...)
				AddReportEntry(strings.Join(args, " "), fmt.Sprint(out, err))
			}
		}
	})

	It("connects an application through the primary Service with the generated Secret", func(ctx SpecContext) {
		s := appSecret(ctx, c, ns, name+"-app")
		Expect(s["host"]).To(Equal(name + "-primary." + ns + ".svc"))
		Expect(s["uri"]).To(Equal(fmt.Sprintf("mysql://shop:%s@%s:3306/shop", s["password"], s["host"])))
		// The operator creates the user once the primary is writable: the first pass after Ready.
		Eventually(func() (string, error) {
			return appSQL(ctx, ns, name+"-1", s["host"], s["username"], s["password"], "INSERT INTO products VALUES (3, 'cup', NOW()); SELECT COUNT(*) FROM products")
		}).WithContext(ctx).WithTimeout(60*time.Second).WithPolling(2*time.Second).Should(Equal("3"),
			"the application user writes to its database; the initSQL rows are there")
		// The replica has initSQL's rows and the application's (replicated), readable by the user.
		Eventually(func() (string, error) {
			return appSQL(ctx, ns, name+"-1", name+"-1."+name, s["username"], s["password"], "SELECT GROUP_CONCAT(name ORDER BY id) FROM products")
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Equal("teapot,kettle,cup"))
		out, err := appSQL(ctx, ns, name+"-1", s["host"], s["username"], s["password"], "CREATE DATABASE other")
		Expect(err).To(HaveOccurred(), "the application user reaches its own database only: %s", out)
	}, NodeTimeout(2*time.Minute))

	It("runs every member in the named time zone", func(ctx SpecContext) {
		s := appSecret(ctx, c, ns, name+"-app")
		for i := range 2 {
			host := fmt.Sprintf("%s-%d.%s", name, i, name)
			Expect(appSQL(ctx, ns, name+"-0", host, s["username"], s["password"],
				"SELECT @@time_zone, CONVERT_TZ('2026-07-01 12:00:00', 'UTC', 'Europe/Berlin')")).
				To(Equal("Europe/Berlin\t2026-07-01 14:00:00"), host)
		}
	})

	It("puts the inherited metadata on every child and makes the pods Guaranteed", func(ctx SpecContext) {
		for _, obj := range []string{"statefulset/" + name, "service/" + name, "service/" + name + "-primary",
			"service/" + name + "-replicas", "configmap/" + name + "-config", "secret/" + name + "-credentials",
			"secret/" + name + "-app", "poddisruptionbudget/" + name, "serviceaccount/" + name, "pvc/data-" + name + "-0",
			"pod/" + name + "-0"} {
			Expect(kubectl(ctx, "-n", ns, "get", obj, "-o", `jsonpath={.metadata.labels.team} {.metadata.annotations.example\.com/owner}`)).
				To(Equal("shop shop-team"), obj)
		}
		for i := range 2 {
			p := pod(ctx, c, ns, fmt.Sprintf("%s-%d", name, i))
			Expect(p.Status.QOSClass).To(Equal(corev1.PodQOSGuaranteed), p.Name)
			Expect(p.Spec.ImagePullSecrets).To(Equal([]corev1.LocalObjectReference{{Name: "registry-credentials"}}))
			for _, ctr := range append(p.Spec.InitContainers, p.Spec.Containers...) {
				if ctr.Name != "tools" {
					Expect(ctr.ImagePullPolicy).To(Equal(corev1.PullIfNotPresent), ctr.Name)
				}
			}
		}
	})

	It("never overwrites the application Secret and applies a password changed in it", func(ctx SpecContext) {
		s := appSecret(ctx, c, ns, name+"-app")
		patch := fmt.Sprintf(`{"data":{"password":%q,"note":%q}}`, b64("changed-by-a-person"), b64("mine"))
		kubectl(ctx, "-n", ns, "patch", "secret", name+"-app", "--type=merge", "-p", patch)
		Eventually(func() (string, error) {
			return appSQL(ctx, ns, name+"-0", s["host"], "shop", "changed-by-a-person", "SELECT COUNT(*) FROM products")
		}).WithContext(ctx).WithTimeout(60*time.Second).WithPolling(2*time.Second).Should(Equal("3"),
			"the operator applied the new password (ALTER USER)")
		Consistently(func() map[string]string { return appSecret(ctx, c, ns, name+"-app") }).
			WithContext(ctx).WithTimeout(12 * time.Second).WithPolling(3 * time.Second).
			Should(And(HaveKeyWithValue("password", "changed-by-a-person"), HaveKeyWithValue("note", "mine")))
	}, SpecTimeout(2*time.Minute))

	It("refuses an application user named like the operator's account, saying why", func(ctx SpecContext) {
		bad := strings.Replace(sampleManifest(name+".yaml"), "    name: shop\n", "    name: ordinal\n", 1)
		path := GinkgoT().TempDir() + "/bad.yaml"
		Expect(writeFile(path, strings.ReplaceAll(bad, "name: "+name+"\n", "name: "+name+"-bad\n"))).To(Succeed())
		out, err := kubectlOut(ctx, "-n", ns, "apply", "--dry-run=server", "-f", path)
		Expect(err).To(HaveOccurred(), out)
		Expect(err.Error()).To(ContainSubstring("spec.user.name"))
		Expect(err.Error()).To(ContainSubstring("must not be one of the operator's or the engine's accounts"))
	})
})

// appSecret reads a Secret's keys as strings.
func appSecret(ctx context.Context, c client.Client, ns, name string) map[string]string {
	GinkgoHelper()
	s := &corev1.Secret{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s)).To(Succeed())
	out := make(map[string]string, len(s.Data))
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

// appSQL runs statements as user in database shop with the MariaDB client inside pod's mysql
// container, against host; the password travels base64-encoded in the command.
func appSQL(ctx context.Context, ns, pod, host, user, password, query string) (string, error) {
	script := fmt.Sprintf(`MYSQL_PWD="$(echo %s | base64 -d)" mariadb -h %s -u %s -N -B shop -e %q`,
		b64(password), host, user, query)
	out, err := kubectlOut(ctx, "-n", ns, "exec", pod, "-c", "mysql", "--", "sh", "-c", script)
	return strings.TrimSpace(out), err
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
