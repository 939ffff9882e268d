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

package instance

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// tempServer is a server init starts on a datadir to change it through SQL: no network (a private
// socket only), never seen by clients or the operator.
type tempServer struct {
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited
	err    error         // its exit status, once done is closed
	dir    string        // private directory of the socket and pid file
	client *mysql.Client
	tail   *tailWriter
}

// startServer starts the server on datadir with the member config and extra options, and waits
// until it answers as root with rootPassword.
func (in *Init) startServer(ctx context.Context, datadir, rootPassword string, extra ...string) (*tempServer, error) {
	dir, err := os.MkdirTemp(in.Paths.TmpDir, "ordinal-init-")
	if err != nil {
		return nil, fmt.Errorf("temporary server: %w", err)
	}
	sock := filepath.Join(dir, "mysqld.sock")
	args := append([]string{"--defaults-file=" + in.Paths.MemberConfig(), "--datadir=" + datadir,
		"--socket=" + sock, "--pid-file=" + filepath.Join(dir, "mysqld.pid"), "--skip-networking",
		// A short-lived server has no use for the datadir's buffer pool dump, and must leave it
		// for the member's own server rather than replace it with its own near-empty one.
		"--innodb-buffer-pool-load-at-startup=OFF", "--innodb-buffer-pool-dump-at-shutdown=OFF"}, extra...)
	if in.Env.Flavor == mysql.MariaDB {
		// Init's own session must write (accounts, the seeded GTID position) and root has no
		// READ_ONLY ADMIN; without a network no one else can reach this server.
		args = append(args, "--read-only=OFF")
	}
	args = append(args, in.userArgs()...)
	s := &tempServer{cmd: exec.Command(in.Tools.Server, args...), done: make(chan struct{}), dir: dir, tail: &tailWriter{}}
	s.cmd.Stdout = io.MultiWriter(in.Tools.output(), s.tail)
	s.cmd.Stderr = s.cmd.Stdout
	// If init dies, the temporary server must not outlive it and hold the datadir.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start temporary server: %w", err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	s.client, err = mysql.Open(mysql.Config{Flavor: in.Env.Flavor, Socket: sock, User: mysql.AccountRoot,
		Password: rootPassword, ConnectTimeout: time.Second, StatementTimeout: in.Timeouts.Statement})
	if err == nil {
		err = s.waitReady(ctx, in.Timeouts.ServerStart)
	}
	if err != nil {
		_ = s.stop(in.Timeouts.ServerStop)
		return nil, err
	}
	return s, nil
}

// readyPoll is how often waitReady asks: a ping on a private socket costs nothing, and every
// seed, bootstrap and restore waits on it.
const readyPoll = 20 * time.Millisecond

// waitReady polls the socket until the server answers, exits, or the budget ends.
func (s *tempServer) waitReady(ctx context.Context, budget time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.client.Ping(pctx)
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("temporary server exited during start (%v)%s", s.err, s.tail.suffix())
		case <-ctx.Done():
			return fmt.Errorf("temporary server not answering after %v: %w", budget, err)
		case <-tick.C:
		}
	}
}

// stop shuts the server down cleanly (SIGTERM) and waits up to grace; a server that does not stop
// in time is killed and the stop reported as failed, since its datadir may need crash recovery.
func (s *tempServer) stop(grace time.Duration) error {
	if s.client != nil {
		_ = s.client.Close()
	}
	defer os.RemoveAll(s.dir)
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(grace):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("temporary server did not shut down within %v; killed it", grace)
	}
	if s.err != nil {
		return fmt.Errorf("temporary server shutdown: %w%s", s.err, s.tail.suffix())
	}
	return nil
}

// userArgs pass ORDINAL_SERVER_USER on as --user (tests run as root; a pod never needs it).
func (in *Init) userArgs() []string {
	if in.Env.ServerUser == "" {
		return nil
	}
	return []string{"--user=" + in.Env.ServerUser}
}
