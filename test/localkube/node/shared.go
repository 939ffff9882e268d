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

package node

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/ordinal-dev/ordinal/test/localkube/images"
)

// Shared is what every node of one cluster shares.
type Shared struct {
	Client kubernetes.Interface
	// Helper is the localkube binary, re-executed in "container-init" and
	// "enter" modes for each container and each exec.
	Helper string
	// Dir holds per-pod directories (volumes, logs, hosts files).
	Dir    string
	Images images.Mapping
	// APIServerHost/Port are injected as KUBERNETES_SERVICE_HOST/PORT.
	APIServerHost string
	APIServerPort int
	// PathMap translates hostPath paths (the hostpath provisioner writes
	// under /tmp/hostpath_pv inside its own mount namespace).
	PathMap map[string]string
	// CSIDrivers publish the volumes of CSI PVs, by driver name.
	CSIDrivers map[string]VolumePublisher
	// Hosts renders the Service and pod records of a pod's /etc/hosts.
	Hosts   func(namespace string) string
	IPAM    *IPAM
	Cgroups *Cgroups
	// BackoffBase/BackoffMax bound the restart back-off (CrashLoopBackOff).
	BackoffBase, BackoffMax time.Duration
	Log                     *slog.Logger
	Now                     func() time.Time
}

func (s *Shared) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// VolumePublisher makes a CSI volume available on the node, as the kubelet's
// NodePublishVolume call does, and returns the directory to bind-mount.
type VolumePublisher interface {
	Publish(ctx context.Context, volumeID, target string) (string, error)
}

func (s *Shared) hostPath(p string) string {
	for from, to := range s.PathMap {
		if p == from || strings.HasPrefix(p, from+"/") {
			return to + strings.TrimPrefix(p, from)
		}
	}
	return p
}

// IPAM hands out pod IPs from a prefix, skipping the network address.
type IPAM struct {
	mu     sync.Mutex
	prefix netip.Prefix
	used   map[netip.Addr]string
}

// NewIPAM returns an allocator for prefix (e.g. 127.10.0.0/16).
func NewIPAM(prefix string) (*IPAM, error) {
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		return nil, fmt.Errorf("parsing pod CIDR: %w", err)
	}
	return &IPAM{prefix: p.Masked(), used: map[netip.Addr]string{}}, nil
}

// Allocate returns owner's address, preferring want (a previous pod IP).
func (a *IPAM) Allocate(owner, want string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for ip, o := range a.used {
		if o == owner {
			return ip.String(), nil
		}
	}
	if w, err := netip.ParseAddr(want); err == nil && a.prefix.Contains(w) {
		if _, taken := a.used[w]; !taken {
			a.used[w] = owner
			return w.String(), nil
		}
	}
	for ip := a.prefix.Addr().Next(); a.prefix.Contains(ip); ip = ip.Next() {
		if _, taken := a.used[ip]; !taken && ip.As4()[3] != 0 && ip.As4()[3] != 255 {
			a.used[ip] = owner
			return ip.String(), nil
		}
	}
	return "", fmt.Errorf("pod CIDR %s is exhausted", a.prefix)
}

// Reserve marks ip as owner's (used for pods found running at start).
func (a *IPAM) Reserve(owner, ip string) {
	if addr, err := netip.ParseAddr(ip); err == nil && a.prefix.Contains(addr) {
		a.mu.Lock()
		if _, taken := a.used[addr]; !taken {
			a.used[addr] = owner
		}
		a.mu.Unlock()
	}
}

// Release frees owner's address.
func (a *IPAM) Release(owner string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for ip, o := range a.used {
		if o == owner {
			delete(a.used, ip)
		}
	}
}

func sortStrings(s []string) { sort.Strings(s) }
