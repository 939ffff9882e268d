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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// openAll opens files for reading; on error it closes what it opened.
func openAll(paths ...string) ([]*os.File, error) {
	var files []*os.File
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			for _, o := range files {
				_ = o.Close()
			}
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// command builds "nsenter -t PID -m -u -- localkube enter SPEC ARGV...":
// nsenter joins the container's mount and UTS namespaces, the helper then
// takes the container's user, directory and environment.
func (c *ctr) command(ctx context.Context, argv []string) (*exec.Cmd, func(), error) {
	c.w.mu.Lock()
	pid, env, spec := c.pid, c.env, c.specPath
	running := c.state.Running != nil
	c.w.mu.Unlock()
	if !running || pid == 0 {
		return nil, nil, fmt.Errorf("container %s is not running", c.spec.Name)
	}
	// The helper and the spec are handed over as open files (fds 3 and 4): inside the container's
	// mount namespace their host paths may be hidden (a volume mounted at /tmp hides a state
	// directory under /tmp), while /proc/self/fd reaches them from any namespace.
	files, err := openAll(c.w.n.sh.Helper, spec)
	if err != nil {
		return nil, nil, fmt.Errorf("exec in %s: %w", c.spec.Name, err)
	}
	args := append([]string{"-t", strconv.Itoa(pid), "-m", "-u", "--", "/proc/self/fd/3", "enter", "/proc/self/fd/4"}, argv...)
	cmd := exec.CommandContext(ctx, "nsenter", args...)
	cmd.Env = env
	cmd.ExtraFiles = files
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	done := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	if cg := c.w.n.sh.Cgroups; cg != nil {
		if fd, err := cg.Ensure(c.w.n.cfg.Name, string(c.w.uid), c.spec.Name); err == nil {
			cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, int(fd.Fd())
			closeFiles := done
			done = func() { closeFiles(); _ = fd.Close() }
		}
	}
	return cmd, done, nil
}

// execOutput runs a command in the container and returns its output.
func (c *ctr) execOutput(ctx context.Context, argv []string) ([]byte, error) {
	cmd, done, err := c.command(ctx, argv)
	if err != nil {
		return nil, err
	}
	defer done()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr.Setpgid = true
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err = cmd.Run()
	return out.Bytes(), err
}

// execStream runs a command for kubectl exec, with a pseudo-terminal when
// tty is set; a non-zero exit becomes the ExitError the protocol reports.
func (c *ctr) execStream(ctx context.Context, argv []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	cmd, done, err := c.command(ctx, argv)
	if err != nil {
		return err
	}
	defer done()
	if tty {
		err = runTTY(cmd, in, out, resize)
	} else {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, errw
		err = cmd.Run()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return utilexec.CodeExitError{Err: err, Code: ee.ExitCode()}
	}
	return err
}

func runTTY(cmd *exec.Cmd, in io.Reader, out io.Writer, resize <-chan remotecommand.TerminalSize) error {
	ptm, pts, err := openPTY()
	if err != nil {
		return err
	}
	defer func() { _ = ptm.Close() }()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setctty = true, true
	if err := cmd.Start(); err != nil {
		_ = pts.Close()
		return err
	}
	_ = pts.Close()
	go func() {
		for sz := range resize {
			ws := &unix.Winsize{Row: sz.Height, Col: sz.Width}
			_ = unix.IoctlSetWinsize(int(ptm.Fd()), unix.TIOCSWINSZ, ws)
		}
	}()
	if in != nil {
		go func() { _, _ = io.Copy(ptm, in) }()
	}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(out, ptm); close(copied) }()
	err = cmd.Wait()
	<-copied
	return err
}

// openPTY opens a pseudo-terminal pair through /dev/ptmx.
func openPTY() (*os.File, *os.File, error) {
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening /dev/ptmx: %w", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptm.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		_ = ptm.Close()
		return nil, nil, fmt.Errorf("unlocking pty: %w", e)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		_ = ptm.Close()
		return nil, nil, fmt.Errorf("reading pty number: %w", err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		_ = ptm.Close()
		return nil, nil, fmt.Errorf("opening pty: %w", err)
	}
	return ptm, pts, nil
}
