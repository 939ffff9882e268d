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
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ordinal-dev/ordinal/test/localkube/containerinit"
)

// certificates lists the leaf certificates the cluster needs.
func (o Options) certificates() []certSpec {
	nodeIPs := []string{"127.0.0.1"}
	var nodeNames []string
	for i := 1; i <= o.Nodes; i++ {
		nodeIPs = append(nodeIPs, o.nodeIP(i))
		nodeNames = append(nodeNames, o.nodeName(i))
	}
	return []certSpec{
		{name: "apiserver", cn: "kube-apiserver", server: true, ips: []string{"127.0.0.1", o.kubernetesServiceIP()},
			dns: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}},
		{name: "admin", cn: "localkube-admin", orgs: []string{"system:masters"}},
		{name: "kubelet", cn: "localkube-kubelet", server: true, ips: nodeIPs, dns: append(nodeNames, "localhost")},
	}
}

// ports lists what the control plane binds, for a clear clash message.
func (o Options) ports() map[string]int {
	return map[string]int{"etcd": o.EtcdPort, "etcd peer": o.EtcdPeerPort, "kube-apiserver": o.APIServerPort,
		"kube-controller-manager": o.ControllerManagerPort, "kube-scheduler": o.SchedulerPort}
}

// checkPorts fails clearly when a port is taken (another localkube, or
// another program).
func (o Options) checkPorts() error {
	check := func(what, addr string) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s port %s is already in use (another localkube with a different --dir, or another program); choose another port: %w", what, addr, err)
		}
		return ln.Close()
	}
	for what, port := range o.ports() {
		if err := check(what, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err != nil {
			return err
		}
	}
	for i := 1; i <= o.Nodes; i++ {
		if err := check(o.nodeName(i)+" kubelet", net.JoinHostPort(o.nodeIP(i), strconv.Itoa(o.KubeletPort))); err != nil {
			return err
		}
	}
	return nil
}

func (o Options) etcdArgs() []string {
	client := "http://127.0.0.1:" + strconv.Itoa(o.EtcdPort)
	peer := "http://127.0.0.1:" + strconv.Itoa(o.EtcdPeerPort)
	return []string{o.bin("etcd"), "--name=localkube", "--data-dir=" + o.path("etcd"),
		"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=localkube=" + peer, "--log-level=warn", "--quota-backend-bytes=4294967296"}
}

func (o Options) bin(name string) string { return o.BinDir + "/" + name }

func (o Options) apiserverArgs() []string {
	p := pki{dir: o.path("pki")}
	return []string{o.bin("kube-apiserver"),
		"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(o.EtcdPort),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(o.APIServerPort), "--cert-dir=" + o.path("pki", "apiserver-generated"),
		"--tls-cert-file=" + p.path("apiserver.crt"), "--tls-private-key-file=" + p.path("apiserver.key"),
		"--client-ca-file=" + p.path("ca.crt"), "--authorization-mode=RBAC", "--allow-privileged=true",
		"--service-account-key-file=" + p.path("sa.pub"), "--service-account-signing-key-file=" + p.path("sa.key"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=" + o.ServiceCIDR,
		"--kubelet-client-certificate=" + p.path("admin.crt"), "--kubelet-client-key=" + p.path("admin.key"),
		"--kubelet-certificate-authority=" + p.path("ca.crt"), "--kubelet-preferred-address-types=InternalIP",
		"--profiling=false", "--v=1"}
}

func (o Options) controllerManagerArgs() []string {
	p := pki{dir: o.path("pki")}
	kc := o.Kubeconfig()
	args := []string{o.bin("kube-controller-manager"),
		"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
		// The endpoint controllers would only fail: the apiserver rejects
		// loopback pod IPs in Endpoints/EndpointSlices (package services
		// computes endpoints from pods instead).
		"--controllers=*,-endpoints-controller,-endpointslice-controller,-endpointslice-mirroring-controller",
		"--enable-hostpath-provisioner", "--root-ca-file=" + p.path("ca.crt"),
		"--service-account-private-key-file=" + p.path("sa.key"), "--use-service-account-credentials",
		"--cluster-signing-cert-file=" + p.path("ca.crt"), "--cluster-signing-key-file=" + p.path("ca.key"),
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(o.ControllerManagerPort), "--leader-elect=false",
		"--node-monitor-period=2s", "--node-monitor-grace-period=20s", "--profiling=false", "--v=1"}
	if o.ControllerManagerQPS > 0 {
		args = append(args, "--kube-api-qps="+strconv.Itoa(o.ControllerManagerQPS), "--kube-api-burst="+strconv.Itoa(2*o.ControllerManagerQPS),
			"--concurrent-statefulset-syncs=20")
	}
	return args
}

func (o Options) schedulerArgs() []string {
	kc := o.Kubeconfig()
	return []string{o.bin("kube-scheduler"),
		"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(o.SchedulerPort), "--leader-elect=false",
		"--profiling=false", "--v=1"}
}

// hostpathDir is where the hostpath provisioner's volumes really live: the
// controller-manager runs in its own mount namespace with this directory
// mounted at /tmp/hostpath_pv, so PVs stay inside the state directory.
func (o Options) hostpathDir() string { return o.path("volumes", "hostpath_pv") }

// controllerManagerSys re-executes kube-controller-manager through the
// container-init helper to give it that mount namespace.
func (o Options) controllerManagerArgv() ([]string, *syscall.SysProcAttr, error) {
	argv := o.controllerManagerArgs()
	if strings.HasPrefix(o.Dir, "/tmp/") {
		return argv, nil, nil // the state dir itself would be hidden; PVs go to the host's /tmp
	}
	spec := &containerinit.Spec{Mounts: []containerinit.Mount{{Source: o.hostpathDir(), Target: "/tmp/hostpath_pv"}},
		ScratchDir: o.path("run", "kcm-scratch"), Argv: argv, Env: os.Environ()}
	specPath := o.path("run", "kube-controller-manager.json")
	if err := spec.Write(specPath); err != nil {
		return nil, nil, err
	}
	sys := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	return []string{o.Helper, "container-init", specPath}, sys, nil
}

// adminTLS is a client TLS config with the admin certificate.
func (o Options) adminTLS() (*tls.Config, error) {
	p := pki{dir: o.path("pki")}
	cert, err := tls.LoadX509KeyPair(p.path("admin.crt"), p.path("admin.key"))
	if err != nil {
		return nil, fmt.Errorf("loading admin certificate: %w", err)
	}
	pool, err := o.caPool()
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func (o Options) caPool() (*x509.CertPool, error) {
	ca, err := os.ReadFile(o.path("pki", "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("reading CA: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return pool, nil
}

// waitHTTP polls url until it answers 200 or timeout, failing early when
// the process died.
func waitHTTP(ctx context.Context, url string, tlsCfg *tls.Config, p *proc, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if err := p.exited(); err != nil {
			return fmt.Errorf("%w (see logs/%s.log)", err, p.name)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not healthy at %s after %s: %v (see logs/%s.log)", p.name, url, timeout, last, p.name)
}
