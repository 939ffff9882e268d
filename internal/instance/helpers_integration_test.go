//go:build integration

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
	"database/sql"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// The driver logs every connection a stopped server breaks.
func init() { _ = driver.SetLogger(log.New(io.Discard, "", 0)) }

// testPod is one database pod's volumes in a temp dir: what init and the agent see.
type testPod struct {
	t      *testing.T
	env    Env
	paths  Paths
	port   int
	output *os.File // the programs' output, shown when the test fails
	server *exec.Cmd
	done   chan struct{}
}

// The pods' passwords equal mysqltest's, so a pod can be seeded from a mysqltest donor (one
// cluster shares one credentials Secret).
const operatorPassword = "ordinal-pw"

func newTestPod(t *testing.T, ordinal int, ip string) *testPod {
	t.Helper()
	root, err := os.MkdirTemp("", "inst-") // short: socket paths are limited to 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	p := &testPod{t: t, paths: Paths{DataDir: root + "/data", RunDir: root + "/run", ToolsDir: root + "/tools",
		ClusterConfig: root + "/config/my.cnf", TmpDir: root + "/tmp"}}
	for _, d := range []string{p.paths.DataDir, p.paths.RunDir, p.paths.ToolsDir, filepath.Dir(p.paths.ClusterConfig), p.paths.TmpDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if p.output, err = os.Create(root + "/output.log"); err != nil {
		t.Fatal(err)
	}
	p.port = freePort(t, ip)
	p.env = Env{PodName: fmt.Sprintf("db-%d", ordinal), Namespace: "ns", PodIP: ip, ClusterName: "db",
		ServiceName: "db", Flavor: mysql.MariaDB, ServerIDBase: 100, RootPassword: mysqltest.RootPassword,
		ReplicationPassword: mysqltest.ReplPassword, OperatorPassword: operatorPassword, ServerUser: "root"}
	p.writeClusterConfig()
	t.Cleanup(func() {
		p.stopServer()
		if t.Failed() {
			b, _ := os.ReadFile(p.output.Name())
			lines := strings.Split(string(b), "\n")
			t.Logf("%s output (tail):\n%s", p.env.PodName, strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
		p.output.Close()
		os.RemoveAll(root)
	})
	return p
}

// writeClusterConfig renders the operator's real config with the pod paths moved into the temp
// dir, a free port and a small InnoDB.
func (p *testPod) writeClusterConfig() {
	b, err := mycnf.Render(v1alpha1.FlavorMariaDB, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	s := strings.NewReplacer(mycnf.DataDir, p.paths.DataDir, mycnf.RunDir, p.paths.RunDir,
		"port=3306", "port="+strconv.Itoa(p.port)).Replace(string(b))
	s += "innodb_buffer_pool_size=32M\ninnodb_log_file_size=4M\nmax_connections=64\n"
	if err := os.WriteFile(p.paths.ClusterConfig, []byte(s), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func freePort(t *testing.T, host string) int {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (p *testPod) tools() Tools {
	t := DefaultTools(mysql.MariaDB)
	t.Output = p.output
	return t
}

func (p *testPod) logger() *slog.Logger { return slog.New(slog.NewTextHandler(p.output, nil)) }

// init returns init for this pod with test-sized timeouts.
func (p *testPod) init() *Init {
	return &Init{Env: p.env, Paths: p.paths, Tools: p.tools(), Log: p.logger(), Timeouts: Timeouts{
		Install: 2 * time.Minute, ServerStart: time.Minute, ServerStop: time.Minute,
		Statement: 10 * time.Second, Seed: 2 * time.Minute, Stall: 20 * time.Second}}
}

// agent serves this pod's agent on its IP; it returns the agent's host:port.
func (p *testPod) agent() (*Agent, string) {
	a, err := NewAgent(p.env, p.paths, p.tools(), p.logger())
	if err != nil {
		p.t.Fatal(err)
	}
	return a, serveOn(p.t, p.env.PodIP, a)
}

func serveOn(t *testing.T, ip string, a *Agent) string {
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Listener.Close()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(func() { srv.Close(); a.Close() })
	return l.Addr().String()
}

// startServer runs the server as the mysql container does and waits until it answers.
func (p *testPod) startServer() {
	p.t.Helper()
	cmd := exec.Command(DefaultTools(mysql.MariaDB).Server, "--defaults-file="+p.paths.MemberConfig(), "--user=root")
	cmd.Stdout, cmd.Stderr = p.output, p.output
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.server, p.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(p.done)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := p.db("root", mysqltest.RootPassword)
	for ctx.Err() == nil {
		if err := db.PingContext(ctx); err == nil {
			return
		}
		select {
		case <-p.done:
			p.t.Fatalf("%s: server exited during start", p.env.PodName)
		case <-time.After(100 * time.Millisecond):
		}
	}
	p.t.Fatalf("%s: server not answering after a minute", p.env.PodName)
}

func (p *testPod) stopServer() {
	if p.server == nil {
		return
	}
	_ = p.server.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.server.Process.Kill()
		<-p.done
	}
	p.server = nil
}

// db opens a pool over TCP on the pod IP, closed when the test ends.
func (p *testPod) db(user, password string) *sql.DB {
	cfg := driver.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = user, password, "tcp", net.JoinHostPort(p.env.PodIP, strconv.Itoa(p.port))
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = 2*time.Second, 10*time.Second, 10*time.Second
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	p.t.Cleanup(func() { db.Close() })
	return db
}

// client opens an internal/mysql client as root over TCP.
func (p *testPod) client() *mysql.Client {
	c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Host: p.env.PodIP, Port: p.port,
		User: "root", Password: mysqltest.RootPassword, StatementTimeout: 10 * time.Second})
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { c.Close() })
	return c
}

// query returns the first column of a one-row query as a string.
func query(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var v sql.NullString
	if err := db.QueryRowContext(ctx, q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v.String
}

func exec1(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
