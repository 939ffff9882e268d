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

package chart

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestOperatorRunsWithTheChartsRBAC runs the operator binary, with the arguments the chart
// renders, as the chart's ServiceAccount (impersonated): its RBAC is all the operator has. A
// cluster in a namespace it manages gets its StatefulSet and status; with watchNamespaces a
// cluster elsewhere is left alone, and nothing is refused, so the Roles suffice (a cache that
// still listed cluster-wide would be forbidden and reconcile nothing).
func TestOperatorRunsWithTheChartsRBAC(t *testing.T) {
	ordinal := buildOperator(t)
	t.Run("cluster-wide", func(t *testing.T) {
		reset(t)
		system, apps := newNamespace(t, "rbac-system"), newNamespace(t, "rbac-apps")
		helm(t, "install", "ordinal", chartDir(), "-n", system)
		established(t)
		log := startOperator(t, ordinal, system, nil)
		reconciled(t, apps, log)
	})
	t.Run("watchNamespaces", func(t *testing.T) {
		reset(t)
		system, watched, other := newNamespace(t, "rbac-system"), newNamespace(t, "rbac-watched"), newNamespace(t, "rbac-other")
		set := []string{"--set", "watchNamespaces={" + watched + "}"}
		helm(t, append([]string{"install", "ordinal", chartDir(), "-n", system}, set...)...)
		established(t)
		log := startOperator(t, ordinal, system, set)
		if _, err := apply(mysqlCluster(other, "mysql", false)); err != nil {
			t.Fatal(err)
		}
		reconciled(t, watched, log)
		sts := &appsv1.StatefulSet{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: other, Name: "mysql"}, sts); err == nil {
			t.Errorf("the operator reconciled a cluster in %s, which it does not watch", other)
		}
	})
	t.Run("leader election", func(t *testing.T) {
		reset(t)
		system := newNamespace(t, "rbac-system")
		helm(t, "install", "ordinal", chartDir(), "-n", system, "--set", "watchNamespaces={"+newNamespace(t, "rbac-watched")+"}")
		sa := "system:serviceaccount:" + system + ":ordinal-controller-manager"
		for _, verb := range []string{"get", "create", "update"} {
			if out := kubectl(t, "auth", "can-i", verb, "leases.coordination.k8s.io", "-n", system, "--as", sa); strings.TrimSpace(out) != "yes" {
				t.Errorf("the operator may not %s its leader election Lease in %s: %s", verb, system, out)
			}
		}
	})
}

// reconciled creates a MySQLCluster in ns and waits until the operator has created its
// StatefulSet and written its status, then checks the operator's log for refused requests.
func reconciled(t *testing.T, ns string, log *bytes.Buffer) {
	t.Helper()
	if _, err := apply(mysqlCluster(ns, "mysql", false)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "StatefulSet created by the operator", func() error {
		return k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "mysql"}, &appsv1.StatefulSet{})
	})
	eventually(t, "status written by the operator", func() error {
		if g, _, _ := unstructured.NestedInt64(getCluster(t, ns, "mysql").Object, "status", "observedGeneration"); g < 1 {
			return fmt.Errorf("status.observedGeneration = %d", g)
		}
		return nil
	})
	if strings.Contains(log.String(), "forbidden") {
		t.Errorf("the operator was refused something with the chart's RBAC:\n%s", log.String())
	}
}

// buildOperator builds the ordinal binary from this tree, so the test runs the code under test.
func buildOperator(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ordinal")
	cmd := exec.Command("go", "build", "-o", out, "./cmd")
	cmd.Dir = repo
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd: %v\n%s", err, b)
	}
	return out
}

// startOperator runs `ordinal manager` with the args the chart renders (values set), as the
// chart's ServiceAccount. Leader election is left out: outside a pod controller-runtime cannot
// tell its namespace (the leader election test checks that Role instead); the health endpoint
// is off, since there is no pod IP.
func startOperator(t *testing.T, ordinal, system string, set []string) *bytes.Buffer {
	t.Helper()
	c := managerContainer(t, render(t, set...))
	var argv []string
	for _, a := range args(c) {
		switch {
		case a == "--leader-elect", strings.HasPrefix(a, "--health-probe-bind-address="):
		case a == "--image=$(OPERATOR_IMAGE)":
			argv = append(argv, "--image="+envValue(c, "OPERATOR_IMAGE"))
		case strings.HasPrefix(a, "--metrics-bind-address=$(POD_IP):"):
			// The secure endpoint starts (its authentication and authorization clients too), on
			// loopback and a free port: the test has no pod IP.
			argv = append(argv, "--metrics-bind-address=127.0.0.1:0")
		default:
			argv = append(argv, a)
		}
	}
	argv = append(argv, "--health-probe-bind-address=0")
	cmd := exec.Command(ordinal, append([]string{"manager"}, argv...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+serviceAccountKubeconfig(t, system))
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopProcess(cmd, 10*time.Second) })
	return &log
}

// serviceAccountKubeconfig is envtest's admin kubeconfig impersonating the chart's
// ServiceAccount, with the groups the apiserver gives a ServiceAccount token.
func serviceAccountKubeconfig(t *testing.T, system string) string {
	t.Helper()
	kc, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	kc.AuthInfos["admin"].Impersonate = "system:serviceaccount:" + system + ":ordinal-controller-manager"
	kc.AuthInfos["admin"].ImpersonateGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + system, "system:authenticated"}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}
