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
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ordinal-dev/ordinal/test/localkube/node"
)

// Cluster is a running localkube, started by Start or found running.
type Cluster struct {
	o      Options
	ctl    *controlClient
	reused bool
	cancel context.CancelFunc
	done   chan error
}

// Start runs a cluster in this process (nodes in-process, control plane as
// child processes), or returns the one already running with the same state
// directory (started by "localkube up"); Stop then leaves that one running.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Cluster{o: o, ctl: newControlClient(o)}
	if _, err := c.ctl.status(); err == nil {
		c.reused = true
		return c, nil
	}
	if err := o.CheckBinaries(); err != nil {
		return nil, err
	}
	if o.Helper == "" {
		if o.Helper, err = BuildHelper(ctx, o); err != nil {
			return nil, err
		}
	}
	c.o = o
	runCtx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- Run(runCtx, o, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		return nil, err
	case <-ctx.Done():
		cancel()
		<-done
		return nil, ctx.Err()
	}
	c.cancel, c.done = cancel, done
	return c, nil
}

// BuildHelper builds the localkube binary into <Dir>/bin (the container
// helper must be a file the nodes can re-execute).
func BuildHelper(ctx context.Context, o Options) (string, error) {
	out := o.path("bin", "localkube")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, modulePath+"/test/localkube/cmd/localkube")
	cmd.Dir = o.RepoRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the localkube helper: %w: %s", err, b)
	}
	return out, nil
}

// Reused reports whether Start found a cluster already running.
func (c *Cluster) Reused() bool { return c.reused }

// Kubeconfig is the admin kubeconfig's path.
func (c *Cluster) Kubeconfig() string { return c.o.Kubeconfig() }

// RESTConfig loads the admin kubeconfig.
func (c *Cluster) RESTConfig() (*rest.Config, error) {
	return clientcmd.BuildConfigFromFlags("", c.Kubeconfig())
}

// Client returns a clientset for the admin user.
func (c *Cluster) Client() (kubernetes.Interface, error) {
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// Options are the cluster's effective options.
func (c *Cluster) Options() Options { return c.o }

// Stop stops a cluster this process started (pods, nodes, control plane)
// and checks that no recorded process survived; a reused one keeps running.
func (c *Cluster) Stop() error {
	if c.reused || c.cancel == nil {
		return nil
	}
	c.cancel()
	err := <-c.done
	return errors.Join(err, c.o.verifyStopped())
}

// Leftovers lists recorded processes of this state directory still alive.
func (o Options) Leftovers() []string {
	var out []string
	for name, pid := range recordedPids(o) {
		if name != "supervisor" && alive(o, pid) {
			out = append(out, name+"="+strconv.Itoa(pid))
		}
	}
	if cg := node.OpenCgroups(cgroupBase(o)); cg != nil {
		for _, p := range cg.Procs() {
			out = append(out, "pod-process="+p)
		}
	}
	sort.Strings(out)
	return out
}

func (o Options) verifyStopped() error {
	if left := o.Leftovers(); len(left) > 0 {
		return fmt.Errorf("localkube: %w after stop: %s", errStillRunning, strings.Join(left, ", "))
	}
	return nil
}

// Status asks the running supervisor for its state.
func (c *Cluster) Status() (*Status, error) { return c.ctl.status() }

// KillContainer SIGKILLs a container's processes (a crash).
func (c *Cluster) KillContainer(namespace, pod, container string) error {
	return c.ctl.fault(url.Values{"op": {"kill"}, "namespace": {namespace}, "pod": {pod}, "container": {container}})
}

// FreezePod stops every process of a pod (cgroup freezer or SIGSTOP).
func (c *Cluster) FreezePod(namespace, pod string) error {
	return c.ctl.fault(url.Values{"op": {"freeze"}, "namespace": {namespace}, "pod": {pod}})
}

// ThawPod resumes a frozen pod.
func (c *Cluster) ThawPod(namespace, pod string) error {
	return c.ctl.fault(url.Values{"op": {"thaw"}, "namespace": {namespace}, "pod": {pod}})
}

// Lose modes: freeze the node's pods, or kill them.
const (
	LoseFreeze = "freeze"
	LoseKill   = "kill"
)

// LoseNode stops a node's heartbeats and status updates and freezes or
// kills its pods' processes; the Node turns NotReady.
func (c *Cluster) LoseNode(name, mode string) error {
	return c.ctl.fault(url.Values{"op": {"lose"}, "node": {name}, "mode": {mode}})
}

// RestoreNode brings a lost node back.
func (c *Cluster) RestoreNode(name string) error {
	return c.ctl.fault(url.Values{"op": {"restore"}, "node": {name}})
}

// CutPod drops all traffic to and from a pod (iptables).
func (c *Cluster) CutPod(namespace, pod string) error {
	return c.ctl.fault(url.Values{"op": {"cut"}, "namespace": {namespace}, "pod": {pod}})
}

// RestorePod removes a pod's cut.
func (c *Cluster) RestorePod(namespace, pod string) error {
	return c.ctl.fault(url.Values{"op": {"uncut"}, "namespace": {namespace}, "pod": {pod}})
}

// Down stops the supervisor of o's state directory (SIGTERM, it stops pods
// and the control plane), then kills any recorded process that survived
// and removes firewall rules and cgroups left over.
func Down(o Options, timeout time.Duration) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	pids := recordedPids(o)
	if pid, ok := pids["supervisor"]; ok && processExists(pid) {
		_ = syscall.Kill(pid, syscall.SIGTERM)
		deadline := time.Now().Add(timeout)
		for processExists(pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	for name, pid := range recordedPids(o) {
		if name != "supervisor" && alive(o, pid) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if !processExists(pid) || !alive(o, pid) {
			_ = os.Remove(o.path("run", name+".pid"))
		}
	}
	if cg := node.OpenCgroups(cgroupBase(o)); cg != nil {
		_ = cg.Remove()
	}
	_ = newFirewall(o.Dir).cleanup()
	time.Sleep(200 * time.Millisecond)
	return o.verifyStopped()
}

// Resolve fills o's defaults (repository root, state directory, ports).
func Resolve(o Options) (Options, error) { return o.withDefaults() }

// StatusOf asks the supervisor of o's state directory for its status; it
// fails when none runs.
func StatusOf(o Options) (*Status, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	return newControlClient(o).status()
}

// Attach returns the cluster running with o's state directory, or an error
// when none runs.
func Attach(o Options) (*Cluster, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Cluster{o: o, ctl: newControlClient(o), reused: true}
	if _, err := c.ctl.status(); err != nil {
		return nil, fmt.Errorf("localkube is not running in %s: %w", o.Dir, err)
	}
	return c, nil
}
