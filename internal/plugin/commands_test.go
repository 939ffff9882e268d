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

package plugin

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/utils/ptr"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

func TestExecArgsKeepThePasswordOffTheCommandLine(t *testing.T) {
	args := ExecArgs([]string{"--context=prod"}, "shop", "mysql-1", "mariadb", false, []string{"-e", "SELECT 1"})
	want := []string{"--context=prod", "--namespace", "shop", "exec", "-i", "mysql-1", "-c", "mysql", "--",
		"sh", "-c", clientScript, "mariadb", "-e", "SELECT 1"}
	if !slices.Equal(args, want) {
		t.Fatalf("args = %q\nwant   %q", args, want)
	}
	if !strings.Contains(clientScript, `MYSQL_PWD="$ROOT_PASSWORD"`) || strings.Contains(clientScript, "-p") {
		t.Errorf("the script must take the password from the container's environment: %s", clientScript)
	}
	if tty := ExecArgs(nil, "ns", "p", "mysql", true, nil); !slices.Contains(tty, "-t") {
		t.Errorf("a terminal gets a TTY: %q", tty)
	}
}

func TestKubectlFlags(t *testing.T) {
	f := genericclioptions.NewConfigFlags(false)
	f.KubeConfig, f.Context, f.Insecure = ptr.To("/k"), ptr.To("c"), ptr.To(true)
	got := kubectlFlags(f)
	want := []string{"--kubeconfig=/k", "--context=c", "--insecure-skip-tls-verify=true"}
	if !slices.Equal(got, want) {
		t.Errorf("kubectlFlags = %q, want %q", got, want)
	}
}

func TestSessionPodAndSwitchoverTarget(t *testing.T) {
	mc := sampleCluster()
	mc.Status.Members = append(mc.Status.Members, v1alpha1.MemberStatus{Name: "mysql-3", Role: "replica",
		Ready: true, Serving: true, LagSeconds: ptr.To[int64](0)})
	for _, c := range []struct {
		pod     string
		replica bool
		want    string
	}{{"", false, "mysql-0"}, {"", true, "mysql-3"}, {"mysql-2", false, "mysql-2"}} {
		if got, err := sessionPod(mc, c.pod, c.replica); err != nil || got != c.want {
			t.Errorf("sessionPod(%q, %v) = %q, %v; want %q", c.pod, c.replica, got, err, c.want)
		}
	}
	if _, err := sessionPod(mc, "other-0", false); err == nil {
		t.Error("a pod of another cluster is refused")
	}
	mc.Annotations = nil
	if got, err := switchoverTarget(mc, ""); err != nil || got != "mysql-3" {
		t.Errorf("default target = %q, %v; want the serving replica with the least lag", got, err)
	}
	for _, to := range []string{"mysql-0", "db-1"} {
		if _, err := switchoverTarget(mc, to); err == nil {
			t.Errorf("target %s must be refused", to)
		}
	}
	mc.Annotations = map[string]string{v1alpha1.AnnotationSwitchoverTo: "mysql-1"}
	mc.Status.CompletedSwitchover = "mysql-1"
	if _, err := switchoverTarget(mc, "mysql-1"); err == nil || !strings.Contains(err.Error(), "already carried out") {
		t.Errorf("a repeated request the operator would ignore is refused, got %v", err)
	}
}

func TestRefusal(t *testing.T) {
	mc := sampleCluster()
	mc.Status.Conditions = append(mc.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionStalled,
		Status: metav1.ConditionTrue, Message: "switchover to mysql-2 refused: mysql-2 has errant transactions"})
	if refusal(mc, "mysql-2") == "" || refusal(mc, "mysql-1") != "" {
		t.Error("only a refusal of this target counts")
	}
}

func TestCredentialsMaskThePassword(t *testing.T) {
	cr := &Credentials{Host: "mysql-primary.shop.svc", ReadOnlyHost: "mysql-replicas.shop.svc", Port: 3306,
		User: "root", Password: "s3cret", Secret: "mysql-credentials", SecretKey: "root-password"}
	var masked, shown bytes.Buffer
	if err := PrintCredentials(cr, false, &masked); err != nil {
		t.Fatal(err)
	}
	if err := PrintCredentials(cr, true, &shown); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(masked.String(), "s3cret") || !strings.Contains(shown.String(), "s3cret") {
		t.Errorf("masked:\n%s\nshown:\n%s", masked.String(), shown.String())
	}
	if !hasLine(strings.Split(masked.String(), "\n"), []string{"Host:", "mysql-primary.shop.svc"}) {
		t.Errorf("no host line:\n%s", masked.String())
	}
}

func TestNewBackup(t *testing.T) {
	b := NewBackup(sampleCluster(), "", time.Date(2026, 12, 1, 10, 2, 3, 0, time.UTC))
	if b.Name != "mysql-manual-20261201100203" || b.Spec.Cluster != "mysql" || b.Namespace != "shop" ||
		b.Labels[v1alpha1.LabelCluster] != "mysql" || b.Labels[v1alpha1.LabelScheduled] != "" {
		t.Errorf("backup = %+v", b)
	}
	if got := humanBytes(3 << 20); got != "3.0 MiB" {
		t.Errorf("humanBytes = %q", got)
	}
}
