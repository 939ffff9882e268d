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

package envtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ordinal-dev/ordinal/internal/manager"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/fake"
)

const (
	operatorImage = "ghcr.io/ordinal-dev/ordinal:envtest"
	// testFieldManager is the field manager of the test's own writes.
	testFieldManager = "envtest"
)

var (
	env    *envtest.Environment
	k8s    client.Client // the test's own client, not counted
	writes writeCounter  // API writes made by the operator's client, per namespace
	// requests are every API request the operator makes (its cache, its API reader, its client).
	requests requestCounter
	cancel   context.CancelFunc
	// servers are the fake database servers behind the pods of these tests, by pod IP:3306. Pods
	// never run under envtest; specs give them an IP and readiness by writing pod status.
	servers = fake.NewCluster(mysql.MariaDB)
	kcm     *exec.Cmd
)

func TestEnvtest(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "envtest: the controller on a real control plane")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	Expect(assets).NotTo(BeEmpty(), "KUBEBUILDER_ASSETS must name the directory hack/build-kube.sh builds into (make test-envtest sets it)")
	env = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	// Keep the control plane on loopback: by default the apiserver would advertise the host's address.
	env.ControlPlane.GetAPIServer().Configure().
		Set("advertise-address", "127.0.0.1").
		Set("service-cluster-ip-range", "127.96.0.0/16").
		Set("endpoint-reconciler-type", "none")
	cfg, err := env.Start()
	Expect(err).NotTo(HaveOccurred())
	cl, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	k8s = client.WithFieldOwner(cl, testFieldManager)
	kcm = startControllerManager(cfg, assets)

	operatorCfg := rest.CopyConfig(cfg)
	operatorCfg.WrapTransport = requests.wrap
	mgr, err := manager.New(operatorCfg, manager.Options{
		MetricsAddr: "0", ProbeAddr: "0", Image: operatorImage, Opener: servers,
		NewClient: func(c *rest.Config, o client.Options) (client.Client, error) {
			cl, err := client.New(c, o)
			return countingClient{Client: cl, writes: &writes}, err
		},
	})
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	stopProcess(kcm, 10*time.Second)
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})
