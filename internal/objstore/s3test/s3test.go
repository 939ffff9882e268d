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

package s3test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/ordinal-dev/ordinal/internal/objstore"
)

const (
	modulePath = "github.com/ordinal-dev/ordinal"
	accessKey  = "ordinal-test"
	secretKey  = "ordinal-test-secret"
	// readyTimeout bounds a start: the gateway answers in well under a second.
	readyTimeout = 10 * time.Second
	// A free port can be taken between freePort and the gateway's bind; a
	// new port is then tried.
	startAttempts = 3
)

// Server is one running versitygw. Its root user's keys are AccessKey and
// SecretKey; each bucket is a directory under Dir.
type Server struct {
	Endpoint             string // http://127.0.0.1:PORT
	AccessKey, SecretKey string
	Dir                  string

	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited
	logPath  string
	stopOnce sync.Once
}

// Start runs bin/versitygw on a free port of 127.0.0.1, serving a temporary
// directory, and stops it when the test ends. Without the binary it fails
// the test, or skips it under -short.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	root := t.TempDir()
	var errs []error
	for range startAttempts {
		s, err := start(bin, root)
		if err == nil {
			t.Cleanup(func() {
				s.Stop()
				if t.Failed() {
					t.Logf("s3test: versitygw's log:\n%s", s.logTail())
				}
			})
			return s
		}
		errs = append(errs, err)
	}
	t.Fatalf("s3test: versitygw did not start: %v", errors.Join(errs...))
	return nil
}

// StartIn runs a gateway serving root, for callers without a testing.TB (the e2e suite, which
// runs it for a whole suite); the caller stops it.
func StartIn(root string) (*Server, error) {
	dir, err := repoRoot()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "bin", "versitygw")
	var errs []error
	for range startAttempts {
		s, err := start(bin, root)
		if err == nil {
			return s, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("s3test: versitygw did not start: %w", errors.Join(errs...))
}

// binary is bin/versitygw of the repository the test runs in.
func binary(t testing.TB) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	bin := filepath.Join(root, "bin", "versitygw")
	if _, err := os.Stat(bin); err != nil {
		if testing.Short() {
			t.Skip("bin/versitygw missing: run make versitygw")
		}
		t.Fatalf("s3test: bin/versitygw missing (run make versitygw): %v", err)
	}
	return bin
}

// repoRoot walks up from the working directory (a package directory under
// go test) to this module's go.mod; hack/tools holds other modules' go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module "+modulePath+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (go.mod of " + modulePath + ") above the working directory")
		}
		dir = parent
	}
}

// start runs one gateway under root (one attempt). Objects go to root/data;
// their metadata to the root/meta sidecar rather than extended attributes,
// which a tmpfs TMPDIR may not support; users (only root) to root/iam.
func start(bin, root string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data, meta, iam := filepath.Join(root, "data"), filepath.Join(root, "meta"), filepath.Join(root, "iam")
	for _, d := range []string{data, meta, iam} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("mkdir: %w", err)
		}
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	s := &Server{
		Endpoint: "http://" + addr, AccessKey: accessKey, SecretKey: secretKey, Dir: data,
		exited: make(chan struct{}), logPath: filepath.Join(root, "versitygw-"+strconv.Itoa(port)+".log"),
	}
	if err := s.run(bin, addr, meta, iam); err != nil {
		return nil, err
	}
	if err := s.waitReady(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%s: %w; log %s:\n%s", addr, err, s.logPath, s.logTail())
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run starts the process; a goroutine reaps it and closes s.exited.
func (s *Server) run(bin, addr, meta, iam string) error {
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return fmt.Errorf("log: %w", err)
	}
	// --quiet drops the per-request log; errors still reach the log file.
	// With an IAM directory an unknown access key is InvalidAccessKeyId, as
	// on S3, rather than single-account mode's XAdminUserNotFound.
	cmd := exec.Command(bin, "--port", addr, "--quiet", "--iam-dir", iam, "posix", "--sidecar", meta, s.Dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A test binary killed by its timeout must not leave the gateway behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	s.cmd = cmd
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(s.exited)
	}()
	return nil
}

// waitReady polls until the gateway answers HTTP at all: an anonymous
// request is refused, which is enough to know it serves.
func (s *Server) waitReady() error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return errors.New("versitygw exited")
		default:
		}
		if resp, err := client.Get(s.Endpoint + "/"); err == nil {
			_ = resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no answer within %s", readyTimeout)
}

// logTail is the end of the gateway's output, for failure messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(b)
}

// Stop stops the gateway (SIGTERM, then SIGKILL after 5 s) and waits for it
// to exit; later requests find nothing listening. Start registers it as a
// cleanup, and it may be called before that.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// Config is an objstore.Config for bucket and prefix on this server, with
// its root user's keys.
func (s *Server) Config(bucket, prefix string) objstore.Config {
	return objstore.Config{
		Endpoint: s.Endpoint, Bucket: bucket, Prefix: prefix,
		AccessKey: s.AccessKey, SecretKey: s.SecretKey,
	}
}

// CreateBucket creates bucket name, failing the test if it cannot.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.MakeBucket(ctx, name); err != nil {
		t.Fatalf("s3test: %v", err)
	}
}

// MakeBucket creates bucket name.
func (s *Server) MakeBucket(ctx context.Context, name string) error {
	client, err := minio.New(strings.TrimPrefix(s.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
	})
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if err := client.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	return nil
}
