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
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

const installDoc = "docs/install.md"

// TestInstallDocCommands runs every shell block of docs/install.md, in order and as written, with
// bin/ first on PATH, against the apiserver. A kube-controller-manager rolls Deployments out,
// and the operator's pods, which no kubelet runs here, are marked Ready, so helm --wait and
// kubectl rollout status wait for what they wait for on a cluster.
func TestInstallDocCommands(t *testing.T) {
	blocks := shellBlocks(t)
	if len(blocks) < 5 {
		t.Fatalf("%s: %d shell blocks, want the install, upgrade, uninstall and kustomize ones", installDoc, len(blocks))
	}
	reset(t)
	startControllerManager(t)
	markPodsReady(t, "ordinal-system")
	for i, b := range blocks {
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", b)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "KUBECONFIG="+kubeconfig)
		out, err := cmd.CombinedOutput()
		t.Logf("block %d:\n%s\n%s", i+1, b, out)
		if err != nil {
			t.Fatalf("%s block %d failed: %v\n%s\n%s", installDoc, i+1, err, b, out)
		}
	}
	// The last block moved a kustomize install to Helm, and the cluster created by the first
	// blocks is still there. Later upgrades can change what kubectl applied: to the previous
	// chart's CRD (no spec.replicasService) and back.
	if rs := releases(t); len(rs) != 1 || rs[0].Namespace != "ordinal-system" || rs[0].Status != "deployed" {
		t.Errorf("releases = %+v, want ordinal deployed in ordinal-system", rs)
	}
	getCluster(t, "default", "mysql")
	for _, c := range []struct {
		chart string
		field bool
	}{{fixture(), false}, {chartDir(), true}} {
		helm(t, "upgrade", "ordinal", c.chart, "-n", "ordinal-system", "--reset-then-reuse-values", "--wait")
		crd := established(t)
		if _, ok := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["replicasService"]; ok != c.field {
			t.Errorf("after helm upgrade to %s the CRD has spec.replicasService: %v, want %v", c.chart, ok, c.field)
		}
	}
}

// shellBlocks returns the ```sh blocks of the install doc.
func shellBlocks(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repo, installDoc))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []string
	var cur []string
	in := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		switch line := sc.Text(); {
		case !in && line == "```sh":
			in, cur = true, nil
		case in && line == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

// TestInstallDocListsEveryValue: each value of values.yaml (or an enclosing key) is in the doc's
// values table.
func TestInstallDocListsEveryValue(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repo, installDoc))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(chartDir(), "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	for _, path := range leaves("", values) {
		parts := strings.Split(path, ".")
		if !slices.ContainsFunc(prefixes(parts), func(p string) bool { return strings.Contains(string(doc), "`"+p+"`") }) {
			t.Errorf("value %s is not described in %s", path, installDoc)
		}
	}
}

// leaves lists the dotted paths of a values tree's leaves (empty maps included).
func leaves(prefix string, m map[string]any) []string {
	var out []string
	for k, v := range m {
		p := strings.TrimPrefix(prefix+"."+k, ".")
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			out = append(out, leaves(p, sub)...)
		} else {
			out = append(out, p)
		}
	}
	return out
}

func prefixes(parts []string) []string {
	var out []string
	for i := range parts {
		out = append(out, strings.Join(parts[:i+1], "."))
	}
	return out
}

// markPodsReady stands in for the kubelet: every pod in ns is marked running and Ready, so that
// its Deployment becomes available. It stops with the test.
func markPodsReady(t *testing.T, ns string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			var pods corev1.PodList
			if err := k8s.List(ctx, &pods, client.InNamespace(ns)); err == nil {
				for i := range pods.Items {
					markReady(ctx, &pods.Items[i])
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
}

func markReady(ctx context.Context, p *corev1.Pod) {
	if p.Status.Phase == corev1.PodRunning || p.DeletionTimestamp != nil {
		return
	}
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = "127.0.0.1"
	p.Status.StartTime = &now
	for _, c := range []corev1.PodConditionType{corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled, corev1.PodInitialized} {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: c, Status: corev1.ConditionTrue, LastTransitionTime: now})
	}
	_ = k8s.Status().Update(ctx, p)
}
