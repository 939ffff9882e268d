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

package argocd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const (
	// Namespace is where Argo CD keeps its configuration and Applications.
	Namespace = "argocd"
	// kubectlTimeout bounds one kubectl command.
	kubectlTimeout = 2 * time.Minute
)

// Kubectl runs bin/kubectl against the environment's cluster with stdin (may be "") and returns
// its output.
func (e *Env) Kubectl(ctx context.Context, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, kubectlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin("kubectl"), append([]string{"--kubeconfig", e.o.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out.String(), nil
}

// apply applies objects (as JSON, which kubectl reads like YAML) server-side.
func (e *Env) apply(ctx context.Context, objects ...map[string]any) error {
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": objects}
	b, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("encode objects: %w", err)
	}
	_, err = e.Kubectl(ctx, string(b), "apply", "--server-side", "--force-conflicts", "--field-manager=ordinal-e2e", "-f", "-")
	return err
}

// configureCluster installs what Argo CD's manifests would, minus the Deployments: its CRDs and
// its install's ConfigMaps and Secret (manifests/base/config, copied into bin/ by
// hack/build-argocd.sh) in the argocd namespace, with Ordinal's health check added to argocd-cm,
// and the default AppProject (which argocd-server would create; the suite runs no API server).
func (e *Env) configureCluster(ctx context.Context) error {
	if _, err := e.Kubectl(ctx, "", "apply", "--server-side", "--force-conflicts", "-f", e.bin("argocd-crds")); err != nil {
		return fmt.Errorf("apply Argo CD's CRDs: %w", err)
	}
	for _, crd := range []string{"applications.argoproj.io", "appprojects.argoproj.io"} {
		if err := e.waitEstablished(ctx, crd); err != nil {
			return err
		}
	}
	if err := e.apply(ctx, map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": Namespace}}); err != nil {
		return fmt.Errorf("create the argocd namespace: %w", err)
	}
	config, err := e.installConfig()
	if err != nil {
		return err
	}
	if err := e.apply(ctx, append(config, defaultProject())...); err != nil {
		return fmt.Errorf("configure Argo CD: %w", err)
	}
	return nil
}

// installConfig is an install's argocd-cm, argocd-rbac-cm, argocd-cmd-params-cm and argocd-secret
// as upstream ships them, with the health check in argocd-cm (as docs/gitops.md installs it) and
// the secret key an install generates at first start.
func (e *Env) installConfig() ([]map[string]any, error) {
	script, err := ReadHealthScript(e.o.Root)
	if err != nil {
		return nil, err
	}
	key, err := secretKey()
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, name := range []string{"argocd-cm", "argocd-rbac-cm", "argocd-cmd-params-cm", "argocd-secret"} {
		b, err := os.ReadFile(filepath.Join(e.bin("argocd-config"), name+".yaml"))
		if err != nil {
			return nil, fmt.Errorf("read Argo CD's %s (run hack/build-argocd.sh): %w", name, err)
		}
		obj, err := DecodeObject(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		u := unstructured.Unstructured{Object: obj}
		u.SetNamespace(Namespace)
		switch name {
		case "argocd-cm":
			err = unstructured.SetNestedField(obj, script, "data", HealthKey)
		case "argocd-secret":
			err = unstructured.SetNestedField(obj, key, "stringData", "server.secretkey")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, obj)
	}
	return out, nil
}

// defaultProject is the AppProject "default" argocd-server creates: anything from anywhere.
func defaultProject() map[string]any {
	return map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
		"metadata": map[string]any{"name": "default", "namespace": Namespace},
		"spec": map[string]any{
			"sourceRepos":              []any{"*"},
			"destinations":             []any{map[string]any{"server": "*", "namespace": "*"}},
			"clusterResourceWhitelist": []any{map[string]any{"group": "*", "kind": "*"}},
		},
	}
}

func secretKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate server.secretkey: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// waitEstablished waits until the API server serves a CRD. kubectl wait fails outright on a CRD
// whose status has no conditions yet, which a freshly applied one may not, so this polls.
func (e *Env) waitEstablished(ctx context.Context, crd string) error {
	const jsonpath = `jsonpath={.status.conditions[?(@.type=="Established")].status}`
	var out string
	var err error
	for attempt := 0; attempt < 120; attempt++ {
		out, err = e.Kubectl(ctx, "", "get", "crd", crd, "-o", jsonpath)
		if err == nil && out == "True" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("CRD %s not established after a minute (Established=%q, %v)", crd, out, err)
}
