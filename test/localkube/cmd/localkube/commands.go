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
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ordinal-dev/ordinal/test/localkube"
)

// up daemonizes "localkube run" (a copy of this binary in the state dir,
// since "go run" deletes its own) and waits until the cluster is ready.
func up(o localkube.Options) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if st, err := localkube.StatusOf(o); err == nil {
		fmt.Println("localkube is already running; kubeconfig:", st.Kubeconfig)
		return nil
	}
	full, err := localkube.Resolve(o)
	if err != nil {
		return err
	}
	if err := full.CheckBinaries(); err != nil {
		return err
	}
	helper, err := installSelf(full)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(full.Dir, "logs"), 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(full.Dir, "logs", "supervisor.out")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() { _ = logf.Close() }()
	args := append([]string{"run", "--helper", helper}, os.Args[2:]...)
	cmd := exec.Command(helper, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the supervisor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return waitUp(ctx, full, exited, logPath)
}

func waitUp(ctx context.Context, o localkube.Options, exited chan error, logPath string) error {
	for {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(logPath)
			return fmt.Errorf("the supervisor exited (%v); its output (%s):\n%s", err, logPath, tail(string(b), 20))
		case <-ctx.Done():
			return errors.New("localkube did not become ready in 5 minutes; see " + filepath.Join(o.Dir, "logs"))
		case <-time.After(500 * time.Millisecond):
		}
		if st, err := localkube.StatusOf(o); err == nil {
			fmt.Printf("localkube is up (supervisor pid %d, %d nodes)\nexport KUBECONFIG=%s\n", st.Pid, len(st.Nodes), st.Kubeconfig)
			return nil
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// installSelf copies this executable to <dir>/bin/localkube.
func installSelf(o localkube.Options) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	dst := filepath.Join(o.Dir, "bin", "localkube")
	if self == dst {
		return dst, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	in, err := os.Open(self)
	if err != nil {
		return "", err
	}
	defer func() { _ = in.Close() }()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	return dst, os.Rename(tmp, dst)
}

func status(o localkube.Options) error {
	st, err := localkube.StatusOf(o)
	if err != nil {
		full, rerr := localkube.Resolve(o)
		if rerr == nil {
			if left := full.Leftovers(); len(left) > 0 {
				return fmt.Errorf("localkube is not running, but these recorded processes are: %v (run localkube down)", left)
			}
		}
		fmt.Println("localkube is not running")
		return nil
	}
	fmt.Printf("localkube is running (supervisor pid %d)\napiserver: %s\nkubeconfig: %s\n", st.Pid, st.Server, st.Kubeconfig)
	for name, pid := range st.Processes {
		fmt.Printf("  %-24s pid %d\n", name, pid)
	}
	for _, n := range st.Nodes {
		state := "up"
		if n.Lost {
			state = "LOST (fault injected)"
		}
		fmt.Printf("  node %-19s %s\n", n.Name, state)
	}
	return nil
}

func printKubeconfig(o localkube.Options) error {
	full, err := localkube.Resolve(o)
	if err != nil {
		return err
	}
	fmt.Println(full.Kubeconfig())
	return nil
}

func fault(o localkube.Options, args []string) error {
	c, err := localkube.Attach(o)
	if err != nil {
		return err
	}
	need := func(n int) error {
		if len(args) < n {
			return fmt.Errorf("fault %s needs %d arguments", args[0], n-1)
		}
		return nil
	}
	if err := need(2); err != nil {
		return err
	}
	switch args[0] {
	case "kill":
		if err := need(4); err != nil {
			return err
		}
		return c.KillContainer(args[1], args[2], args[3])
	case "freeze", "thaw", "cut", "uncut":
		if err := need(3); err != nil {
			return err
		}
		return map[string]func(string, string) error{"freeze": c.FreezePod, "thaw": c.ThawPod, "cut": c.CutPod, "uncut": c.RestorePod}[args[0]](args[1], args[2])
	case "lose":
		mode := localkube.LoseFreeze
		if len(args) > 2 {
			mode = args[2]
		}
		return c.LoseNode(args[1], mode)
	case "restore":
		return c.RestoreNode(args[1])
	}
	return fmt.Errorf("unknown fault %q", args[0])
}

// hollow joins hollow-INDEX to the running cluster from this process until
// SIGTERM/SIGINT, then deletes its Node.
func hollow(o localkube.Options, args []string) error {
	index, maxPods := 1, 5000
	for i, dst := range []*int{&index, &maxPods} {
		if len(args) > i {
			n, err := strconv.Atoi(args[i])
			if err != nil {
				return fmt.Errorf("hollow: %q is not a number", args[i])
			}
			*dst = n
		}
	}
	c, err := localkube.Attach(o)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	h, err := c.StartHollowNode(ctx, index, maxPods, nil)
	if err != nil {
		return err
	}
	fmt.Printf("hollow node %s is Ready; interrupt to remove it\n", h.Name())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return h.Stop(sctx)
}
