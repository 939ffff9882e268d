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
	"fmt"
	"os"
	"path/filepath"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ordinal-dev/ordinal/internal/manager"
)

// One apiserver for the package: tests that install the chart start from reset(), which removes
// what an earlier test left cluster-wide (the CRD, ClusterRoles), and use their own namespaces,
// since envtest runs no namespace controller to finish a namespace's deletion.
var (
	repo       string        // the repository root
	bin        string        // its bin/, holding helm, kubectl, etcd and kube-apiserver
	kubeconfig string        // envtest's admin kubeconfig, for helm and kubectl
	cfg        *rest.Config  // the same admin identity, for Go clients
	k8s        client.Client // admin client
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "test/chart:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	if repo, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
		return 0, err
	}
	bin = filepath.Join(repo, "bin")
	for _, b := range []string{"helm", "kubectl", "etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			return 0, fmt.Errorf("%s missing: run make test-chart, which builds it (%w)", b, err)
		}
	}
	tmp, err := os.MkdirTemp("", "chart-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	isolateHelm(tmp)
	env := newEnv()
	if cfg, err = env.Start(); err != nil {
		return 0, fmt.Errorf("start envtest: %w", err)
	}
	defer func() { _ = env.Stop() }()
	kubeconfig = filepath.Join(tmp, "kubeconfig")
	if err := writeKubeconfig(cfg, kubeconfig); err != nil {
		return 0, err
	}
	scheme := manager.Scheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return 0, err
	}
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return 0, fmt.Errorf("client: %w", err)
	}
	return m.Run(), nil
}

// newEnv is an apiserver and etcd with no CRD: the chart installs it. The control plane stays on
// loopback, as in test/envtest.
func newEnv() *envtest.Environment {
	env := &envtest.Environment{BinaryAssetsDirectory: bin}
	env.ControlPlane.GetAPIServer().Configure().
		Set("advertise-address", "127.0.0.1").
		Set("service-cluster-ip-range", "127.97.0.0/16").
		Set("endpoint-reconciler-type", "none")
	return env
}

// isolateHelm keeps helm's configuration, cache and data (repositories, plugins) out of the
// user's home directory.
func isolateHelm(dir string) {
	for _, v := range []string{"HELM_CONFIG_HOME", "HELM_CACHE_HOME", "HELM_DATA_HOME"} {
		_ = os.Setenv(v, filepath.Join(dir, v))
	}
	_ = os.Unsetenv("KUBECONFIG")
}

// writeKubeconfig turns envtest's admin rest.Config (client certificate) into a kubeconfig file.
func writeKubeconfig(cfg *rest.Config, path string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
