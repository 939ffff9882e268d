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

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// operator is bin/ordinal run as a host process against localkube.
type operator struct {
	bin, kubeconfig, logPath string
	metricsAddr, probeAddr   string
	pprofAddr                string // empty: no profiles
	// memLimit is GOMEMLIMIT: what the operator sets itself from its container's memory limit.
	memLimit   string
	namespaces []string
	cmd        *exec.Cmd
	started    time.Time
	exited     chan error
}

// start runs the operator, watching only the bench namespaces, and waits
// (at most 30 s) until its metrics answer.
func (o *operator) start() error {
	logf, err := os.OpenFile(o.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	o.cmd = exec.Command(o.bin, "manager", "--metrics-bind-address", o.metricsAddr, "--metrics-secure=false",
		"--health-probe-bind-address", o.probeAddr, "--leader-elect=false",
		"--watch-namespaces", strings.Join(o.namespaces, ","))
	if o.pprofAddr != "" {
		o.cmd.Args = append(o.cmd.Args, "--pprof-bind-address", o.pprofAddr)
	}
	o.cmd.Env = append(os.Environ(), "KUBECONFIG="+o.kubeconfig)
	if o.memLimit != "" {
		o.cmd.Env = append(o.cmd.Env, "GOMEMLIMIT="+o.memLimit)
	}
	o.cmd.Stdout, o.cmd.Stderr = logf, logf
	o.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	o.started = time.Now()
	if err := o.cmd.Start(); err != nil {
		_ = logf.Close()
		return fmt.Errorf("starting %s: %w", o.bin, err)
	}
	o.exited = make(chan error, 1)
	go func() {
		o.exited <- o.cmd.Wait()
		_ = logf.Close()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-o.exited:
			return fmt.Errorf("the operator exited at start (%v); see %s", err, o.logPath)
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := scrape(o.metricsAddr); err == nil {
			return nil
		}
	}
	return fmt.Errorf("the operator's metrics did not answer in 30 s; see %s", o.logPath)
}

// stop sends SIGTERM and waits at most 30 s before SIGKILL.
func (o *operator) stop() {
	if o.cmd == nil || o.cmd.Process == nil {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-o.exited:
	case <-time.After(30 * time.Second):
		_ = o.cmd.Process.Kill()
		<-o.exited
	}
	o.cmd = nil
}

func (o *operator) pid() int { return o.cmd.Process.Pid }

// rssBytes is VmRSS from /proc/PID/status.
func rssBytes(pid int) (float64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kib, err := strconv.ParseFloat(f[1], 64)
			return kib * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// cpuSeconds is utime+stime from /proc/PID/stat (clock ticks of 1/100 s).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	return parseCPU(string(b))
}

// parseCPU reads fields 14 and 15 of /proc/PID/stat; the command name
// (field 2) may hold spaces, so fields are counted after its ')'.
func parseCPU(stat string) (float64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc stat %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc stat %q", stat)
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc stat %q", stat)
	}
	return (ut + st) / 100, nil
}

// waitCtx sleeps d unless ctx ends first.
func waitCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
