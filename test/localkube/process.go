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
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a control-plane process with its pid file and log.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startProc starts argv with output to <dir>/logs/<name>.log and records
// its pid in <dir>/run/<name>.pid.
func startProc(o Options, name string, argv []string, sys *syscall.SysProcAttr) (*proc, error) {
	logf, err := os.OpenFile(o.path("logs", name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening %s log: %w", name, err)
	}
	defer func() { _ = logf.Close() }()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if sys == nil {
		sys = &syscall.SysProcAttr{}
	}
	// Own process group (a terminal's Ctrl-C goes to the supervisor, which
	// stops everything in order) and death with the supervisor.
	sys.Setpgid, sys.Pdeathsig = true, syscall.SIGKILL
	cmd.SysProcAttr = sys
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	if err := writePid(o, name, cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		return nil, err
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// exited reports whether the process ended (and how), without blocking.
func (p *proc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited: %v", p.name, p.err)
	default:
		return nil
	}
}

// stop sends SIGTERM, then SIGKILL after grace, and removes the pid file.
func (p *proc) stop(o Options, grace time.Duration) {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	_ = os.Remove(o.path("run", p.name+".pid"))
}

func writePid(o Options, name string, pid int) error {
	if err := os.WriteFile(o.path("run", name+".pid"), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("writing pid file of %s: %w", name, err)
	}
	return nil
}

// recordedPids returns every pid file's name and pid.
func recordedPids(o Options) map[string]int {
	out := map[string]int{}
	files, _ := filepath.Glob(o.path("run", "*.pid"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			out[strings.TrimSuffix(filepath.Base(f), ".pid")] = pid
		}
	}
	return out
}

// alive reports whether pid runs a program from this cluster (its command
// line mentions the state or bin directory), so a recycled pid is not ours.
func alive(o Options, pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err == nil && strings.Contains(string(st), ") Z ") {
		return false // a zombie is gone for our purposes
	}
	cmdline := string(b)
	return strings.Contains(cmdline, o.Dir) || strings.Contains(cmdline, o.BinDir)
}

// errStillRunning lists recorded processes that survived.
var errStillRunning = errors.New("processes still running")
