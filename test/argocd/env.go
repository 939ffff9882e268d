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

package argocd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// startTimeout bounds the wait for one server to answer.
const startTimeout = 90 * time.Second

// Options says where the environment finds its binaries and cluster, and where it keeps state.
type Options struct {
	// Root is the repository root: bin/ (hack/build-kube.sh, hack/build-argocd.sh) and the health check.
	Root string
	// Kubeconfig reaches the cluster Argo CD manages and runs in.
	Kubeconfig string
	// Dir holds the logs (Dir/logs), the git repository and the servers' scratch space.
	Dir string
}

// Env is a running Argo CD: its namespace and configuration in the cluster, and its processes.
type Env struct {
	o     Options
	procs []*proc
	// Git is the repository Applications read from, served at RepoURL.
	Git     *GitRepo
	RepoURL string
}

// Start configures the cluster for Argo CD and starts its processes. On error the processes
// started so far are stopped again and the error holds the failing process's log tail.
func Start(ctx context.Context, o Options) (*Env, error) {
	e := &Env{o: o}
	if err := e.start(ctx); err != nil {
		return nil, errors.Join(err, e.Stop())
	}
	return e, nil
}

func (e *Env) start(ctx context.Context) error {
	for _, d := range []string{"logs", "git", "home", "tmp", "redis"} {
		if err := os.MkdirAll(e.path(d), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := e.configureCluster(ctx); err != nil {
		return err
	}
	redis, err := e.startRedis()
	if err != nil {
		return err
	}
	if err := e.startGit(); err != nil {
		return err
	}
	repoServer, err := e.startRepoServer(redis)
	if err != nil {
		return err
	}
	return e.startController(redis, repoServer)
}

// Stop stops every process, the last started first.
func (e *Env) Stop() error {
	var errs []error
	for i := len(e.procs) - 1; i >= 0; i-- {
		errs = append(errs, e.procs[i].stop())
	}
	e.procs = nil
	return errors.Join(errs...)
}

// Tails is the last n lines of every process's log, for a failed spec's report.
func (e *Env) Tails(n int) string {
	var b strings.Builder
	for _, p := range e.procs {
		fmt.Fprintf(&b, "==> %s (%s) <==\n%s\n", p.name, p.log, p.tail(n))
	}
	return b.String()
}

// Exited names the processes that have ended: none should while the environment runs.
func (e *Env) Exited() []string {
	var out []string
	for _, p := range e.procs {
		if done, err := p.exited(); done {
			out = append(out, fmt.Sprintf("%s (%v)", p.name, err))
		}
	}
	return out
}

func (e *Env) path(elem ...string) string {
	return filepath.Join(append([]string{e.o.Dir}, elem...)...)
}

func (e *Env) bin(name string) string { return filepath.Join(e.o.Root, "bin", name) }

// start starts a process and waits until ready passes.
func (e *Env) startProc(name string, env []string, ready func() error, bin string, args ...string) error {
	p, err := startProc(e.path("logs"), name, env, bin, args...)
	if err != nil {
		return err
	}
	e.procs = append(e.procs, p)
	return p.waitReady(startTimeout, ready)
}

// startRedis starts Debian's redis-server on loopback without persistence: Argo CD uses it as a
// cache only. It returns its address.
func (e *Env) startRedis() (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	err = e.startProc("redis-server", nil, dialable(addr), "redis-server",
		"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no",
		"--dir", e.path("redis"), "--protected-mode", "yes")
	return addr, err
}

// startGit creates the repository and serves it read-only with git daemon on loopback.
func (e *Env) startGit() error {
	repo, err := newGitRepo(e.path("git", "ordinal"), e.path("home"))
	if err != nil {
		return err
	}
	e.Git = repo
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	e.RepoURL = "git://" + addr + "/ordinal"
	return e.startProc("git-daemon", nil, dialable(addr), "git", "daemon", "--verbose", "--reuseaddr",
		"--export-all", "--informative-errors", "--base-path="+e.path("git"),
		"--listen=127.0.0.1", "--port="+strconv.Itoa(port), e.path("git"))
}

// argoEnv is the environment both Argo CD processes share: their own home and scratch space, no
// GPG (it needs keys and a keyring in /app/config), logs as text.
func (e *Env) argoEnv() []string {
	return []string{
		"HOME=" + e.path("home"), "TMPDIR=" + e.path("tmp"),
		"ARGOCD_GPG_ENABLED=false", "ARGOCD_LOG_FORMAT_ENABLE_FULL_TIMESTAMP=true",
	}
}

// startRepoServer starts the repo server on loopback, TLS off (the controller speaks plaintext to
// it, as a sidecar would). It returns its address.
func (e *Env) startRepoServer(redis string) (string, error) {
	port, metrics, err := twoPorts()
	if err != nil {
		return "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	env := append(e.argoEnv(),
		// git runs the wrapper and the askpass helper found on PATH, as in Argo CD's image.
		"PATH="+e.bin("argocd-libexec")+string(os.PathListSeparator)+os.Getenv("PATH"),
		// Upstream's default socket is a fixed /tmp path; this one is the environment's own.
		"ARGOCD_ASK_PASS_SOCK="+e.path("tmp", "askpass.sock"))
	err = e.startProc("argocd-repo-server", env, dialable(addr), e.bin("argocd-repo-server"),
		"--address", "127.0.0.1", "--port", strconv.Itoa(port),
		"--metrics-address", "127.0.0.1", "--metrics-port", strconv.Itoa(metrics),
		"--redis", redis, "--disable-tls", "--client-ca-path", "", "--logformat", "text")
	return addr, err
}

// startController starts the application controller out of the cluster. ARGOCD_FAKE_IN_CLUSTER
// makes the in-cluster destination https://kubernetes.default.svc use KUBECONFIG (Argo CD's own
// switch for running outside a pod). Resource health is persisted in the Application so tests
// can read each resource's health message.
func (e *Env) startController(redis, repoServer string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	env := append(e.argoEnv(), "ARGOCD_FAKE_IN_CLUSTER=true", "KUBECONFIG="+e.o.Kubeconfig)
	return e.startProc("argocd-application-controller", env,
		httpOK(fmt.Sprintf("http://127.0.0.1:%d/healthz", port)), e.bin("argocd-application-controller"),
		"--kubeconfig", e.o.Kubeconfig, "--namespace", Namespace,
		"--repo-server", repoServer, "--repo-server-plaintext", "--redis", redis,
		"--metrics-port", strconv.Itoa(port), "--persist-resource-health",
		"--status-processors", "4", "--operation-processors", "4", "--app-resync", "60", "--logformat", "text")
}

func twoPorts() (int, int, error) {
	a, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	b, err := freePort()
	for attempt := 0; err == nil && b == a && attempt < 10; attempt++ {
		b, err = freePort()
	}
	return a, b, err
}
