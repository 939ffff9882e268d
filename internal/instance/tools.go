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
	"strings"
	"sync"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// Tools are the database image's programs that init and the agent run.
type Tools struct {
	// Server is mariadbd or mysqld.
	Server string
	// InstallDB is mariadb-install-db; empty for MySQL, whose server initialises a datadir itself.
	InstallDB string
	// Backup is mariadb-backup, which streams a MariaDB backup (package xbstream unpacks it).
	Backup string
	// Binlog is mariadb-binlog, which init reads the binary log with to tell a stale seed marker
	// and to replay archived binary logs in a point-in-time restore.
	Binlog string
	// Client is the mariadb (mysql) client, which applies replayed binary logs, spec.initSQL and
	// the time zone tables to init's temporary server.
	Client string
	// TZInfo is mariadb-tzinfo-to-sql (mysql_tzinfo_to_sql): the system's zoneinfo as SQL.
	TZInfo string
	// Output receives the programs' output (the container log).
	Output io.Writer
}

// DefaultTools finds the flavor's programs on PATH, then in /usr/sbin and /usr/bin.
func DefaultTools(f mysql.Flavor) Tools {
	if f.Name() == mysql.MySQL.Name() {
		return Tools{Server: lookPath("mysqld"), Client: lookPath("mysql"), TZInfo: lookPath("mysql_tzinfo_to_sql"),
			Output: os.Stderr}
	}
	return Tools{
		Server:    lookPath("mariadbd"),
		InstallDB: lookPath("mariadb-install-db"),
		Backup:    lookPath("mariadb-backup"),
		Binlog:    lookPath("mariadb-binlog"),
		Client:    lookPath("mariadb"),
		TZInfo:    lookPath("mariadb-tzinfo-to-sql"),
		Output:    os.Stderr,
	}
}

func lookPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return filepath.Join(dir, name)
		}
	}
	return name // the error names it when it runs
}

func (t Tools) output() io.Writer {
	if t.Output == nil {
		return io.Discard
	}
	return t.Output
}

// run runs a program to completion under ctx; a failure names the program, its exit status and
// the end of its output (never its arguments: they may hold passwords).
func (t Tools) run(ctx context.Context, prog string, args ...string) error {
	cmd := exec.CommandContext(ctx, prog, args...)
	tail := &tailWriter{}
	out := io.MultiWriter(t.output(), tail)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w%s", filepath.Base(prog), err, tail.suffix())
	}
	return nil
}

// tailWriter keeps the last tailSize bytes written to it, for error messages.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4096

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) > tailSize {
		w.buf = w.buf[len(w.buf)-tailSize:]
	}
	return len(p), nil
}

// suffix is ": <last error lines>" (else the last lines), or "" when nothing was written.
func (w *tailWriter) suffix() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := strings.TrimSpace(string(w.buf))
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	var errs []string
	for _, l := range lines {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "error") {
			errs = append(errs, strings.TrimSpace(l))
		}
	}
	if len(errs) > 0 {
		lines = errs
	}
	return ": " + strings.Join(lines[max(0, len(lines)-3):], " | ")
}

// InstallToolsMain is "ordinal install-tools DIR": the first init container (operator image)
// copies the ordinal binary to DIR/ordinal, for the init container and the agent, which run in the
// database image.
func InstallToolsMain(args []string) error {
	if len(args) != 1 || args[0] == "" {
		return fmt.Errorf("install-tools takes one argument, the target directory; got %q", args)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	return copyFile(self, filepath.Join(args[0], "ordinal"), 0o755)
}

// copyFile copies from to `to` through a temporary file and a rename, so a reader never sees a
// half-written file.
func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("open %s: %w", from, err)
	}
	defer in.Close()
	tmp := to + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy to %s: %w", tmp, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Chmod(tmp, mode); err != nil { // the umask may have narrowed it
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, to); err != nil {
		return fmt.Errorf("install %s: %w", to, err)
	}
	return nil
}
