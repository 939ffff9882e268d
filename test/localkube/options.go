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

package localkube

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

const modulePath = "github.com/ordinal-dev/ordinal"

// Options configures a cluster. Zero values take the defaults.
type Options struct {
	// Dir holds all state (pki, etcd data, logs, pids, pods, volumes);
	// default <repo>/.localkube.
	Dir string
	// RepoRoot is the repository (default: found from the working directory).
	RepoRoot string
	// BinDir holds etcd, kube-apiserver, ... (default <repo>/bin).
	BinDir string
	// Helper is the localkube binary re-executed for containers (default:
	// built into <Dir>/bin/localkube from this repository).
	Helper string
	// Nodes is the number of process nodes (default 3).
	Nodes int
	// Ports on 127.0.0.1 (kubelet: on each node's IP 127.0.1.N).
	EtcdPort, EtcdPeerPort, APIServerPort, ControllerManagerPort, SchedulerPort, KubeletPort int
	// PodCIDR and ServiceCIDR are loopback ranges (defaults 127.10.0.0/16
	// and 127.96.0.0/16); two clusters at once need different ones.
	PodCIDR, ServiceCIDR string
	// BackoffBase/Max bound container restart back-off (default 2s, 60s).
	BackoffBase, BackoffMax time.Duration
	// ControllerManagerQPS, when set, raises kube-controller-manager's API
	// rate limit (default 20 per controller, burst twice that) and its
	// StatefulSet workers: scale tests create thousands of pods and PVCs.
	ControllerManagerQPS int
	// StorageSize is the size of the sparse image that holds the CSI
	// driver's volumes and snapshots (default 64 GiB; it takes only what
	// the volumes use).
	StorageSize int64
	// Log receives the supervisor's log (default <Dir>/logs/localkube.log).
	Log io.Writer
}

// Defaults for ports: away from the usual Kubernetes ones (so a real
// cluster on the same machine does not clash) and below the ephemeral range.
const (
	DefaultEtcdPort              = 18379
	DefaultEtcdPeerPort          = 18380
	DefaultAPIServerPort         = 18443
	DefaultControllerManagerPort = 18257
	DefaultSchedulerPort         = 18259
	DefaultKubeletPort           = 18250
	DefaultServiceCIDR           = "127.96.0.0/16"
	DefaultPodCIDR               = "127.10.0.0/16"
	kubeVersion                  = "v1.37.2"
)

// withDefaults fills zero fields.
func (o Options) withDefaults() (Options, error) {
	if o.RepoRoot == "" {
		root, err := FindRepoRoot()
		if err != nil {
			return o, err
		}
		o.RepoRoot = root
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.Nodes, 3)
	def(&o.EtcdPort, DefaultEtcdPort)
	def(&o.EtcdPeerPort, DefaultEtcdPeerPort)
	def(&o.APIServerPort, DefaultAPIServerPort)
	def(&o.ControllerManagerPort, DefaultControllerManagerPort)
	def(&o.SchedulerPort, DefaultSchedulerPort)
	def(&o.KubeletPort, DefaultKubeletPort)
	if o.Dir == "" {
		o.Dir = filepath.Join(o.RepoRoot, ".localkube")
	}
	if o.BinDir == "" {
		o.BinDir = filepath.Join(o.RepoRoot, "bin")
	}
	if o.PodCIDR == "" {
		o.PodCIDR = DefaultPodCIDR
	}
	if o.ServiceCIDR == "" {
		o.ServiceCIDR = DefaultServiceCIDR
	}
	if o.StorageSize == 0 {
		o.StorageSize = 64 << 30
	}
	if o.BackoffBase == 0 {
		o.BackoffBase = 2 * time.Second
	}
	if o.BackoffMax == 0 {
		o.BackoffMax = time.Minute
	}
	var err error
	if o.Dir, err = filepath.Abs(o.Dir); err != nil {
		return o, err
	}
	return o, o.validate()
}

// validate keeps every address on loopback and the node count sane.
func (o Options) validate() error {
	for _, c := range []string{o.PodCIDR, o.ServiceCIDR} {
		if p, err := netip.ParsePrefix(c); err != nil || !p.Addr().IsLoopback() || p.Bits() < 8 {
			return fmt.Errorf("localkube: %q must be a range inside 127.0.0.0/8", c)
		}
	}
	if o.Nodes < 1 || o.Nodes > 250 {
		return fmt.Errorf("nodes must be between 1 and 250, not %d", o.Nodes)
	}
	return nil
}

// FindRepoRoot walks up from the working directory to this module's go.mod.
func FindRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("localkube: cannot find the repository root (go.mod of " + modulePath + ") above the working directory; set Options.RepoRoot")
		}
		dir = parent
	}
}

// kubernetesServiceIP is the first address of the Service range, which the
// apiserver gives the kubernetes Service.
func (o Options) kubernetesServiceIP() string {
	p, err := netip.ParsePrefix(o.ServiceCIDR)
	if err != nil {
		return ""
	}
	return p.Masked().Addr().Next().String()
}

func (o Options) nodeIP(i int) string { return "127.0.1." + strconv.Itoa(i) }

func (o Options) nodeName(i int) string { return "node-" + strconv.Itoa(i) }

func (o Options) path(parts ...string) string {
	return filepath.Join(append([]string{o.Dir}, parts...)...)
}

// Kubeconfig is the admin kubeconfig's path.
func (o Options) Kubeconfig() string { return o.path("kubeconfig") }

// CheckBinaries reports which control-plane and storage binaries are missing.
func (o Options) CheckBinaries() error {
	var missing []string
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		if _, err := os.Stat(filepath.Join(o.BinDir, b)); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("localkube: %v missing in %s; build them with hack/build-kube.sh", missing, o.BinDir)
	}
	for _, b := range csiSidecars {
		if _, err := os.Stat(o.bin(b)); err != nil {
			missing = append(missing, b)
		}
	}
	for _, crd := range csiCRDs {
		if _, err := os.Stat(o.crdPath(crd)); err != nil {
			missing = append(missing, o.crdPath(crd))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("localkube: %v missing in %s; build them with hack/build-csi.sh", missing, o.BinDir)
	}
	return nil
}
