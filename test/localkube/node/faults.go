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
	"errors"
	"fmt"
	"syscall"
	"time"
)

// KillContainer SIGKILLs a container's processes (the restart policy then
// applies, as after a crash).
func (n *Node) KillContainer(ns, pod, container string) error {
	_, c, err := n.lookup(ns, pod, container)
	if err != nil {
		return err
	}
	pid, _ := c.running()
	if pid == 0 {
		return fmt.Errorf("container %s of %s/%s is not running", container, ns, pod)
	}
	c.sigkill(pid)
	return nil
}

// FreezePod stops (or resumes) every process of a pod.
func (n *Node) FreezePod(ns, pod string, frozen bool) error {
	w := n.worker(ns, pod)
	if w == nil {
		return fmt.Errorf("pod %s/%s is not running on node %s", ns, pod, n.cfg.Name)
	}
	return w.freeze(frozen)
}

// freeze freezes each running container's cgroup (not the pod's: a
// container restarted meanwhile starts unfrozen, as after SIGSTOP).
func (w *podWorker) freeze(frozen bool) error {
	sig := syscall.SIGCONT
	if frozen {
		sig = syscall.SIGSTOP
	}
	var errs []error
	for _, c := range append(append([]*ctr{}, w.initCs...), w.appCs...) {
		pid, _ := c.running()
		switch cg := w.n.sh.Cgroups; {
		case pid == 0:
		case cg != nil:
			errs = append(errs, cg.Freeze(frozen, w.n.cfg.Name, string(w.uid), c.spec.Name))
		default:
			errs = append(errs, syscall.Kill(-pid, sig))
		}
	}
	return errors.Join(errs...)
}

// Lose makes the node disappear: heartbeats and status updates stop and its
// pods' processes are frozen (mode "freeze") or killed ("kill"); nothing is
// restarted until Restore.
func (n *Node) Lose(mode string) error {
	if mode != "freeze" && mode != "kill" {
		return fmt.Errorf("lose node %s: mode must be freeze or kill, not %q", n.cfg.Name, mode)
	}
	n.gate.close()
	n.mu.Lock()
	n.lostHow = mode
	n.mu.Unlock()
	var errs []error
	for _, w := range n.allWorkers() {
		if mode == "freeze" {
			errs = append(errs, w.freeze(true))
			continue
		}
		for _, c := range append(append([]*ctr{}, w.initCs...), w.appCs...) {
			if pid, _ := c.running(); pid != 0 {
				c.sigkill(pid)
			}
		}
	}
	return errors.Join(errs...)
}

// Restore brings a lost node back: processes thaw (or restart), heartbeats
// and status updates resume.
func (n *Node) Restore() error {
	n.mu.Lock()
	how := n.lostHow
	n.lostHow = ""
	n.mu.Unlock()
	var errs []error
	for _, w := range n.allWorkers() {
		if how == "freeze" {
			errs = append(errs, w.freeze(false))
		}
		w.markDirty()
	}
	n.gate.open()
	time.AfterFunc(100*time.Millisecond, func() {
		for _, w := range n.allWorkers() {
			w.markDirty()
		}
	})
	return errors.Join(errs...)
}

// Lost reports whether the node is currently lost.
func (n *Node) Lost() bool { return n.gate.isLost() }

// PodAddress returns a running pod's IP and its cgroup (relative to the
// cgroup2 root, "" without cgroups), for network faults.
func (n *Node) PodAddress(ns, pod string) (ip, cgroup string, err error) {
	w := n.worker(ns, pod)
	if w == nil {
		return "", "", fmt.Errorf("pod %s/%s is not running on node %s", ns, pod, n.cfg.Name)
	}
	w.mu.Lock()
	ip = w.ip
	w.mu.Unlock()
	if cg := n.sh.Cgroups; cg != nil {
		cgroup = cg.Rel(n.cfg.Name, string(w.uid))
	}
	return ip, cgroup, nil
}
