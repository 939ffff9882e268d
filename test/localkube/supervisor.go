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
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/ordinal-dev/ordinal/test/localkube/csi"
	"github.com/ordinal-dev/ordinal/test/localkube/node"
	"github.com/ordinal-dev/ordinal/test/localkube/services"
)

// supervisor owns every process and node of one running cluster.
type supervisor struct {
	o       Options
	log     *slog.Logger
	procs   []*proc
	client  kubernetes.Interface
	nodes   []*node.Node
	proxy   *services.Proxy
	cgroups *node.Cgroups
	fw      *firewall
	// storageMounted: the CSI volumes' filesystem is mounted and must be
	// unmounted on shutdown.
	storageMounted bool
	csiClient      *csi.Client
}

// Run runs a cluster in this process until ctx ends, then stops it all.
// ready (optional) is called once the cluster serves and nodes are Ready.
func Run(ctx context.Context, o Options, ready func()) (err error) {
	if o, err = o.withDefaults(); err != nil {
		return err
	}
	if err := o.CheckBinaries(); err != nil {
		return err
	}
	if err := o.prepareDirs(); err != nil {
		return err
	}
	if err := claimSupervisor(o); err != nil {
		return err
	}
	defer func() { _ = os.Remove(o.path("run", "supervisor.pid")) }()
	s := &supervisor{o: o, log: slog.New(slog.NewTextHandler(o.logWriter(), nil)), fw: newFirewall(o.Dir)}
	defer s.shutdown()
	if err := s.start(ctx); err != nil {
		s.log.Error("localkube failed to start", "err", err)
		return err
	}
	s.log.Info("localkube is ready", "kubeconfig", o.Kubeconfig())
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	s.log.Info("localkube is stopping")
	return nil
}

func (o Options) prepareDirs() error {
	for _, d := range []string{"logs", "run", "pki", "etcd", "pods", "bin", "volumes/hostpath_pv"} {
		if err := os.MkdirAll(o.path(d), 0o755); err != nil {
			return fmt.Errorf("creating state dir %s: %w", o.path(d), err)
		}
	}
	return os.Chmod(o.path("etcd"), 0o700)
}

func (o Options) logWriter() io.Writer {
	if o.Log != nil {
		return o.Log
	}
	f, err := os.OpenFile(o.path("logs", "localkube.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return os.Stderr
	}
	return f
}

// claimSupervisor records this process as the cluster's supervisor, unless
// another live one holds the state directory.
func claimSupervisor(o Options) error {
	// A live pid alone may be a recycled one: the supervisor must also answer.
	if pid, ok := recordedPids(o)["supervisor"]; ok && pid != os.Getpid() && processExists(pid) && supervisorAnswers(o) {
		return fmt.Errorf("localkube: a supervisor (pid %d) already runs with state dir %s: %w", pid, o.Dir, errAlreadyRunning)
	}
	return os.WriteFile(o.path("run", "supervisor.pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

var errAlreadyRunning = errors.New("already running")

func supervisorAnswers(o Options) bool {
	_, err := newControlClient(o).status()
	return err == nil
}

func processExists(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}

func (s *supervisor) start(ctx context.Context) error {
	o := s.o
	if err := o.checkPorts(); err != nil {
		return err
	}
	if err := (pki{dir: o.path("pki")}).ensure(o.certificates()); err != nil {
		return err
	}
	if err := o.writeKubeconfig(); err != nil {
		return err
	}
	if err := s.startControlPlane(ctx); err != nil {
		return err
	}
	if err := s.bootstrap(ctx); err != nil {
		return err
	}
	if err := s.startStorage(ctx); err != nil {
		return err
	}
	if err := s.startNodes(ctx); err != nil {
		return err
	}
	return s.serveControl(ctx)
}

func (s *supervisor) startControlPlane(ctx context.Context) error {
	o := s.o
	tlsCfg, err := o.adminTLS()
	if err != nil {
		return err
	}
	etcd, err := s.run("etcd", o.etcdArgs(), nil)
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, "http://127.0.0.1:"+strconv.Itoa(o.EtcdPort)+"/health", nil, etcd, time.Minute); err != nil {
		return err
	}
	api, err := s.run("kube-apiserver", o.apiserverArgs(), nil)
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, o.serverURL()+"/readyz", tlsCfg, api, 3*time.Minute); err != nil {
		return err
	}
	argv, sys, err := o.controllerManagerArgv()
	if err != nil {
		return err
	}
	if _, err := s.run("kube-controller-manager", argv, sys); err != nil {
		return err
	}
	_, err = s.run("kube-scheduler", o.schedulerArgs(), nil)
	return err
}

func (s *supervisor) run(name string, argv []string, sys *syscall.SysProcAttr) (*proc, error) {
	p, err := startProc(s.o, name, argv, sys)
	if err != nil {
		return nil, err
	}
	s.log.Info("started", "process", name, "pid", p.cmd.Process.Pid)
	s.procs = append(s.procs, p)
	return p, nil
}

func (o Options) serverURL() string { return "https://127.0.0.1:" + strconv.Itoa(o.APIServerPort) }

// writeKubeconfig writes the admin kubeconfig with embedded credentials.
func (o Options) writeKubeconfig() error {
	p := pki{dir: o.path("pki")}
	read := func(n string) []byte { b, _ := os.ReadFile(p.path(n)); return b }
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["localkube"] = &clientcmdapi.Cluster{Server: o.serverURL(), CertificateAuthorityData: read("ca.crt")}
	cfg.AuthInfos["localkube-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: read("admin.crt"), ClientKeyData: read("admin.key")}
	cfg.Contexts["localkube"] = &clientcmdapi.Context{Cluster: "localkube", AuthInfo: "localkube-admin", Namespace: "default"}
	cfg.CurrentContext = "localkube"
	if err := clientcmd.WriteToFile(*cfg, o.Kubeconfig()); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	return nil
}

// shutdown stops nodes (their pods get SIGTERM), then the control plane in
// reverse order, then unmounts the CSI volumes and removes firewall rules
// and cgroups.
func (s *supervisor) shutdown() {
	var done = make(chan struct{})
	go func() {
		defer close(done)
		for _, n := range s.nodes {
			n.Shutdown(10 * time.Second)
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		s.log.Error("pods did not stop in 60s")
	}
	if s.proxy != nil {
		s.proxy.Close()
	}
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.procs[i].stop(s.o, 15*time.Second)
	}
	s.stopStorage()
	if err := s.fw.cleanup(); err != nil {
		s.log.Warn("removing iptables rules", "err", err)
	}
	if s.cgroups != nil {
		if err := s.cgroups.Remove(); err != nil {
			s.log.Warn("removing cgroups", "err", err)
		}
	}
	s.log.Info("localkube stopped")
}
