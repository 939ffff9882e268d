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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	crdName = "mysqlclusters.mysql.ordinal.dev"
	timeout = 30 * time.Second
)

// crdNames are every CRD the chart installs.
var crdNames = []string{crdName, "mysqlbackups.mysql.ordinal.dev"}

// chartDir is the chart under test; fixture is the previous release of it (testdata).
var (
	chartDir = func() string { return filepath.Join(repo, "dist", "chart") }
	fixture  = func() string { return filepath.Join("testdata", "ordinal-0.1.0") }
)

// runBin runs a program from bin/ against envtest's apiserver and returns its combined output.
func runBin(name string, args ...string) (string, error) {
	return runBinStdin("", name, args...)
}

// runBinStdin is runBin with stdin.
func runBinStdin(stdin, name string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(cmd.Environ(), "KUBECONFIG="+kubeconfig)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), err
}

// helm runs bin/helm and fails the test if it fails.
func helm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runBin("helm", args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kubectl runs bin/kubectl and fails the test if it fails.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runBin("kubectl", args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// render is helm template of the chart as release "ordinal" in ordinal-system, plus args.
func render(t *testing.T, args ...string) []*unstructured.Unstructured {
	t.Helper()
	out, err := runBin("helm", append([]string{"template", "ordinal", chartDir(), "-n", "ordinal-system"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decode(out)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// decode splits a multi-document YAML stream into objects, skipping empty documents.
func decode(s string) ([]*unstructured.Unstructured, error) {
	d := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(s), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		err := d.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decode YAML: %w", err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// find returns the object of that kind, namespace and name, or nil.
func find(objs []*unstructured.Unstructured, kind, ns, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetNamespace() == ns && o.GetName() == name {
			return o
		}
	}
	return nil
}

// eventually polls f until it returns nil, failing the test with f's last error after timeout.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %v after %s", what, err, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// newNamespace creates a namespace named after prefix (never deleted: envtest cannot finish that).
func newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// reset removes what an install leaves cluster-wide: every Helm release, the CRDs (with them every
// MySQLCluster and MySQLBackup) and the chart's or config/default's ClusterRoles and bindings.
func reset(t *testing.T) {
	t.Helper()
	for _, r := range releases(t) {
		helm(t, "uninstall", r.Name, "-n", r.Namespace, "--wait")
	}
	kubectl(t, "delete", "clusterrole,clusterrolebinding", "-l", "app.kubernetes.io/name=ordinal", "--ignore-not-found")
	ctx := context.Background()
	for _, name := range crdNames {
		crd := &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if err := k8s.Delete(ctx, crd); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		eventually(t, "CRD "+name+" deleted", func() error { return absent(crd) })
	}
}

type release struct {
	Name, Namespace, Chart, Status string
	Revision                       int `json:",string"`
}

// releases lists every Helm release on the apiserver.
func releases(t *testing.T) []release {
	t.Helper()
	var rs []release
	if err := json.Unmarshal([]byte(helm(t, "list", "-A", "-o", "json")), &rs); err != nil {
		t.Fatalf("helm list: %v", err)
	}
	return rs
}

// absent returns nil once obj no longer exists.
func absent(obj client.Object) error {
	err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%s still exists", obj.GetName())
}

// established waits until the CRD serves MySQLClusters: helm returns once the CRD is created,
// before the apiserver has started serving it.
func established(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	eventually(t, "CRD established", func() error {
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: crdName}, crd); err != nil {
			return err
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return nil
			}
		}
		return errors.New("not established")
	})
	return crd
}
