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
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordinal-dev/ordinal/test/localkube/containerinit"
	"github.com/ordinal-dev/ordinal/test/localkube/images"
)

// ctr is one container of a pod; its fields are guarded by the worker's mu.
type ctr struct {
	w        *podWorker
	spec     corev1.Container
	init     bool
	restarts int32
	state    corev1.ContainerState
	last     corev1.ContainerState
	started  bool
	ready    bool
	finished bool // will not run again
	pid      int
	exited   chan struct{}
	env      []string
	specPath string
}

// start launches the container's process through the container-init helper.
func (c *ctr) start(ctx context.Context) error {
	w := c.w
	pod := w.currentPod()
	env, vars, err := w.containerEnv(ctx, &c.spec)
	if err != nil {
		return &startError{"CreateContainerConfigError", err}
	}
	argv, err := w.n.sh.Images.Command(c.spec.Image, expandAll(c.spec.Command, vars), expandAll(c.spec.Args, vars))
	if errors.Is(err, images.ErrUnknownImage) {
		return &startError{"ErrImagePull", err}
	}
	if err != nil {
		return &startError{"CreateContainerError", err}
	}
	spec, err := c.buildSpec(pod, argv, env)
	if err != nil {
		return &startError{"CreateContainerConfigError", err}
	}
	c.specPath = filepath.Join(w.dir, "containers", c.spec.Name+".json")
	if err := spec.Write(c.specPath); err != nil {
		return &startError{"CreateContainerError", err}
	}
	return c.spawn(env)
}

type startError struct {
	reason string
	err    error
}

func (e *startError) Error() string { return e.err.Error() }

func (c *ctr) buildSpec(pod *corev1.Pod, argv, env []string) (*containerinit.Spec, error) {
	w := c.w
	w.mu.Lock()
	vols := w.volumes
	w.mu.Unlock()
	s := &containerinit.Spec{Hostname: podHostname(pod), ScratchDir: filepath.Join(w.dir, "scratch", c.spec.Name),
		UID: runAsUser(pod, &c.spec), GID: runAsGroup(pod, &c.spec), Dir: c.spec.WorkingDir, Argv: argv, Env: env}
	_ = os.RemoveAll(s.ScratchDir)
	if sc := pod.Spec.SecurityContext; sc != nil {
		if sc.FSGroup != nil {
			s.Groups = append(s.Groups, *sc.FSGroup)
		}
		s.Groups = append(s.Groups, sc.SupplementalGroups...)
	}
	if s.GID != nil {
		s.Groups = append(s.Groups, *s.GID)
	}
	s.Mounts = []containerinit.Mount{
		{Source: filepath.Join(w.dir, "hosts"), Target: "/etc/hosts"},
		{Source: filepath.Join(w.dir, "resolv.conf"), Target: "/etc/resolv.conf"},
	}
	for _, vm := range c.spec.VolumeMounts {
		src, ok := vols[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volumeMount %s: no volume named %q", vm.MountPath, vm.Name)
		}
		if vm.SubPath != "" {
			src = filepath.Join(src, vm.SubPath)
			if _, err := os.Stat(src); err != nil {
				if err := os.MkdirAll(src, 0o777); err != nil {
					return nil, fmt.Errorf("volumeMount %s: creating subPath: %w", vm.MountPath, err)
				}
			}
		}
		s.Mounts = append(s.Mounts, containerinit.Mount{Source: src, Target: vm.MountPath, ReadOnly: vm.ReadOnly})
	}
	return s, nil
}

// spawn starts the helper in new mount and UTS namespaces, in its own
// process group and (when available) its own cgroup.
func (c *ctr) spawn(env []string) error {
	w := c.w
	logDir := filepath.Join(w.dir, "logs", c.spec.Name)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return &startError{"CreateContainerError", err}
	}
	log, err := os.OpenFile(filepath.Join(logDir, strconv.Itoa(int(c.restarts))+".log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return &startError{"CreateContainerError", err}
	}
	defer func() { _ = log.Close() }()
	cmd := exec.Command(w.n.sh.Helper, "container-init", c.specPath)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if cg := w.n.sh.Cgroups; cg != nil {
		fd, err := cg.Fresh(w.n.cfg.Name, string(w.uid), c.spec.Name)
		if err != nil {
			return &startError{"CreateContainerError", err}
		}
		defer func() { _ = fd.Close() }()
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, int(fd.Fd())
	}
	if err := cmd.Start(); err != nil {
		return &startError{"StartError", fmt.Errorf("starting container %s: %w", c.spec.Name, err)}
	}
	exited := make(chan struct{})
	now := metav1.NewTime(w.n.sh.now())
	w.mu.Lock()
	c.pid, c.exited, c.env = cmd.Process.Pid, exited, env
	c.state = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
	c.started = c.spec.StartupProbe == nil
	c.ready = c.started && c.spec.ReadinessProbe == nil && !c.init
	w.mu.Unlock()
	w.markDirty()
	go c.wait(cmd, exited, now)
	return nil
}

func (c *ctr) wait(cmd *exec.Cmd, exited chan struct{}, startedAt metav1.Time) {
	err := cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if err != nil {
		code = 128
	}
	reason, message := "Completed", ""
	if code != 0 {
		reason, message = "Error", c.fallbackMessage()
	}
	w := c.w
	w.mu.Lock()
	c.state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: int32(code), Reason: reason,
		Message: message, StartedAt: startedAt, FinishedAt: metav1.NewTime(w.n.sh.now()), ContainerID: c.id()}}
	c.ready, c.pid = false, 0
	w.mu.Unlock()
	close(exited)
	w.markDirty()
}

// Bounds of a termination message taken from the log, as the kubelet's.
const (
	messageMaxBytes = 4096
	messageMaxLines = 80
)

// fallbackMessage is the end of the container's log for a container that failed under
// terminationMessagePolicy FallbackToLogsOnError (what the kubelet reports when the container
// wrote no termination message file, which localkube does not provide).
func (c *ctr) fallbackMessage() string {
	if c.spec.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(c.w.dir, "logs", c.spec.Name, strconv.Itoa(int(c.restarts))+".log"))
	if err != nil {
		return ""
	}
	if len(b) > messageMaxBytes {
		b = b[len(b)-messageMaxBytes:]
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-messageMaxLines):], "\n")
}

func (c *ctr) id() string {
	return fmt.Sprintf("localkube://%s/%s/%d", c.w.uid, c.spec.Name, c.restarts)
}

// running returns the current process id and exit channel, if any.
func (c *ctr) running() (int, chan struct{}) {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	if c.state.Running == nil {
		return 0, nil
	}
	return c.pid, c.exited
}

// kill stops the container: SIGTERM to its process group, SIGKILL (to the
// group and its cgroup) when grace runs out.
func (c *ctr) kill(grace time.Duration) {
	pid, exited := c.running()
	if pid == 0 {
		return
	}
	if grace > 0 {
		c.preStop(grace)
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-exited:
			return
		case <-time.After(grace):
		}
	}
	c.sigkill(pid)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		c.w.n.sh.Log.Error("container did not exit after SIGKILL", "pod", c.w.name(), "container", c.spec.Name, "pid", pid)
	}
}

func (c *ctr) sigkill(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if cg := c.w.n.sh.Cgroups; cg != nil {
		_ = cg.Kill(c.w.n.cfg.Name, string(c.w.uid), c.spec.Name)
	}
}

// preStop runs the container's preStop exec hook, bounded by grace.
func (c *ctr) preStop(grace time.Duration) {
	lc := c.spec.Lifecycle
	if lc == nil || lc.PreStop == nil || lc.PreStop.Exec == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if _, err := c.execOutput(ctx, lc.PreStop.Exec.Command); err != nil {
		c.w.n.sh.Log.Info("preStop hook failed", "pod", c.w.name(), "container", c.spec.Name, "err", err)
	}
}

func runAsUser(pod *corev1.Pod, c *corev1.Container) *int64 {
	if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil {
		return c.SecurityContext.RunAsUser
	}
	if pod.Spec.SecurityContext != nil {
		return pod.Spec.SecurityContext.RunAsUser
	}
	return nil
}

func runAsGroup(pod *corev1.Pod, c *corev1.Container) *int64 {
	if c.SecurityContext != nil && c.SecurityContext.RunAsGroup != nil {
		return c.SecurityContext.RunAsGroup
	}
	if pod.Spec.SecurityContext != nil {
		return pod.Spec.SecurityContext.RunAsGroup
	}
	return nil
}

func podFSGroup(pod *corev1.Pod) *int64 {
	if pod.Spec.SecurityContext != nil {
		return pod.Spec.SecurityContext.FSGroup
	}
	return nil
}
