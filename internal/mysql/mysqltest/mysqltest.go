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
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// Options tune Start; the zero value is the default.
type Options struct {
	// FirstHost is the last octet of member 0's address (default 11):
	// member i listens on 127.0.0.(FirstHost+i) and has server_id
	// FirstHost+i.
	FirstHost int
	// ExtraArgs are appended to every mariadbd command line.
	ExtraArgs []string
	// MemberArgs[i] is appended to member i's command line after ExtraArgs (e.g. its own
	// certificate files).
	MemberArgs [][]string
	// StartTimeout bounds each server's start (default 30s).
	StartTimeout time.Duration
}

// Cluster is a set of running members.
type Cluster struct {
	Members []*Member
	dir     string
}

// Member is one mariadbd process.
type Member struct {
	Index    int
	ServerID uint32
	Host     string
	Port     int
	Socket   string
	DataDir  string

	opts Options
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// Start starts n members and stops them when the test ends.
func Start(t testing.TB, n int) *Cluster { return StartWith(t, n, Options{}) }

// StartWith starts n members with opts.
func StartWith(t testing.TB, n int, opts Options) *Cluster {
	t.Helper()
	if opts.FirstHost == 0 {
		opts.FirstHost = 11
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 30 * time.Second
	}
	tpl, err := templateDir()
	if err != nil {
		t.Fatalf("mysqltest template: %v", err)
	}
	// A short base path: Unix socket paths are limited to 107 bytes.
	dir, err := os.MkdirTemp("", "mysqltest-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{dir: dir}
	t.Cleanup(func() { c.cleanup(t) })
	for i := range n {
		c.Members = append(c.Members, newMember(dir, i, opts))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, m := range c.Members {
		wg.Go(func() {
			if errs[i] = copyDir(tpl, m.DataDir); errs[i] == nil {
				errs[i] = m.start()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("mysqltest: %v", err)
	}
	return c
}

func newMember(dir string, i int, opts Options) *Member {
	host := opts.FirstHost + i
	d := filepath.Join(dir, strconv.Itoa(i))
	return &Member{
		Index:    i,
		ServerID: uint32(host),
		Host:     fmt.Sprintf("127.0.0.%d", host),
		Socket:   filepath.Join(d, "mysqld.sock"),
		DataDir:  filepath.Join(d, "data"),
		opts:     opts,
	}
}

// cleanup stops every member, shows the error logs of a failed test and
// removes the directories.
func (c *Cluster) cleanup(t testing.TB) {
	for _, m := range c.Members {
		m.stop(15 * time.Second)
		if t.Failed() {
			t.Logf("member %d (%s) error log tail:\n%s", m.Index, m.Addr(), m.logTail(25))
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		t.Errorf("mysqltest: remove %s: %v", c.dir, err)
	}
}

// Addr is host:port.
func (m *Member) Addr() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// DSN is a go-sql-driver DSN for user over TCP, with bounded timeouts.
func (m *Member) DSN(user, password string) string { return dsn("tcp", m.Addr(), user, password) }

// SocketDSN is DSN over the member's Unix socket, where the server sees the client's host as
// localhost.
func (m *Member) SocketDSN(user, password string) string {
	return dsn("unix", m.Socket, user, password)
}

func dsn(network, addr, user, password string) string {
	cfg := driver.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = user, password, network, addr
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = 3*time.Second, 10*time.Second, 10*time.Second
	cfg.InterpolateParams = true
	return cfg.FormatDSN()
}

// DB opens a pool for user over TCP, closed when the test ends.
func (m *Member) DB(t testing.TB, user, password string) *sql.DB {
	t.Helper()
	return openDB(t, m.DSN(user, password))
}

// SocketDB opens a pool for user over the Unix socket, closed when the test ends.
func (m *Member) SocketDB(t testing.TB, user, password string) *sql.DB {
	t.Helper()
	return openDB(t, m.SocketDSN(user, password))
}

func openDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (m *Member) errorLog() string { return filepath.Join(filepath.Dir(m.DataDir), "error.log") }

// logTail returns the last n lines of the member's error log.
func (m *Member) logTail(n int) string {
	b, err := os.ReadFile(m.errorLog())
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (m *Member) args() []string {
	d := filepath.Dir(m.DataDir)
	a := []string{
		"--no-defaults", "--user=root",
		"--datadir=" + m.DataDir, "--socket=" + m.Socket,
		"--pid-file=" + filepath.Join(d, "mysqld.pid"), "--log-error=" + m.errorLog(),
		"--bind-address=" + m.Host, "--port=" + strconv.Itoa(m.Port),
		"--server-id=" + strconv.Itoa(int(m.ServerID)),
		"--log-bin=" + filepath.Join(d, "binlog", "bin"), "--relay-log=" + filepath.Join(d, "relay", "relay"),
		"--binlog-format=ROW", "--gtid-strict-mode=ON", "--log-slave-updates=ON",
		"--read-only=ON", "--skip-name-resolve", "--max-connections=64",
	}
	a = append(a, smallInnoDB...)
	a = append(a, m.opts.ExtraArgs...)
	if m.Index < len(m.opts.MemberArgs) {
		a = append(a, m.opts.MemberArgs[m.Index]...)
	}
	return a
}
