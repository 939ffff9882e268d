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

package mysqltest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// start runs mariadbd and waits until it answers; it picks a free port the
// first time and retries with another if that one was taken meanwhile.
func (m *Member) start() error {
	for _, sub := range []string{"binlog", "relay"} {
		if err := os.MkdirAll(filepath.Join(filepath.Dir(m.DataDir), sub), 0o750); err != nil {
			return err
		}
	}
	fresh := m.Port == 0
	for attempt := 0; ; attempt++ {
		if fresh {
			p, err := freePort(m.Host)
			if err != nil {
				return fmt.Errorf("member %d: %w", m.Index, err)
			}
			m.Port = p
		}
		err := m.run()
		if err == nil {
			return nil
		}
		if !fresh || attempt == 2 || !strings.Contains(m.logTail(20), "Address already in use") {
			return fmt.Errorf("member %d (%s): %w\n%s", m.Index, m.Addr(), err, m.logTail(20))
		}
	}
}

// freePort asks the kernel for a port that is free on host right now.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run starts the process and waits until it answers over the socket.
func (m *Member) run() error {
	cmd := exec.Command(mariadbd(), m.args()...)
	// If the test binary dies, so do its servers.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	m.mu.Lock()
	m.cmd, m.done = cmd, done
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.StartTimeout)
	defer cancel()
	err := m.waitReady(ctx, done)
	if err != nil {
		m.stop(5 * time.Second)
	}
	return err
}

// waitReady polls the socket until the server answers, it exits, or ctx ends.
func (m *Member) waitReady(ctx context.Context, exited <-chan struct{}) error {
	cfg := driver.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = RootUser, RootPassword, "unix", m.Socket
	cfg.Timeout = time.Second
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("mariadbd exited during start")
		case <-ctx.Done():
			return fmt.Errorf("not answering after %v: %w", m.opts.StartTimeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM, waits up to grace, then SIGKILLs. It is a no-op when
// the member is not running.
func (m *Member) stop(grace time.Duration) {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.mu.Unlock()
	if cmd == nil || !isRunning(done) {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGCONT) // a frozen server cannot handle SIGTERM
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

func isRunning(done <-chan struct{}) bool {
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Running reports whether the process is alive.
func (m *Member) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cmd != nil && isRunning(m.done)
}

// Stop shuts the member down cleanly (SIGTERM; SIGKILL after 15s).
func (m *Member) Stop(t testing.TB) {
	t.Helper()
	m.stop(15 * time.Second)
}

// Kill crashes the member (SIGKILL).
func (m *Member) Kill(t testing.TB) {
	t.Helper()
	m.signal(t, syscall.SIGKILL)
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("member %d did not die", m.Index)
	}
}

// Freeze stops the process (SIGSTOP): it keeps its sockets but answers
// nothing, like a hung server. Thaw resumes it.
func (m *Member) Freeze(t testing.TB) { t.Helper(); m.signal(t, syscall.SIGSTOP) }

// Thaw resumes a frozen member (SIGCONT).
func (m *Member) Thaw(t testing.TB) { t.Helper(); m.signal(t, syscall.SIGCONT) }

func (m *Member) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	m.mu.Lock()
	cmd := m.cmd
	m.mu.Unlock()
	if cmd == nil {
		t.Fatalf("member %d was never started", m.Index)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatalf("member %d: %v: %v", m.Index, sig, err)
	}
}

// Start starts a stopped member again on the same address and datadir.
func (m *Member) Start(t testing.TB) {
	t.Helper()
	if m.Running() {
		t.Fatalf("member %d is already running", m.Index)
	}
	if err := m.start(); err != nil {
		t.Fatalf("mysqltest: restart: %v", err)
	}
}

// Restart stops the member cleanly and starts it again.
func (m *Member) Restart(t testing.TB) {
	t.Helper()
	m.Stop(t)
	m.Start(t)
}
