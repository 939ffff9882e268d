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
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// Agent is "ordinal agent", the sidecar: health endpoints for the kubelet, the donor side of
// seeding for peers, and the seed request from the operator.
type Agent struct {
	Env   Env
	Paths Paths
	Tools Tools
	Log   *slog.Logger
	// HungAfter: liveness fails once the server has accepted connections without answering for
	// this long (a hung server).
	HungAfter time.Duration
	// StartupBudget: liveness fails once the server has not accepted connections for this long
	// (it is starting or in crash recovery until then).
	StartupBudget time.Duration
	// Now is the clock (tests).
	Now func() time.Time

	db      *mysql.Client
	backups chan struct{} // one slot: one backup at a time (a peer's /backup or a store backup)
	live    liveness
	archive archiveState // PUT /v1/archive and the archiver (archive.go)
	store   storeBackups // the current or last store backup
	// tls is the pod's certificates, read again when the kubelet refreshes them: the API is then
	// served over mutual TLS (agenttls.go). nil: plain HTTP.
	tls *certs.Files
}

// probeTimeout bounds one SQL ping of the health endpoints.
const probeTimeout = 2 * time.Second

// NewAgent connects (lazily) to the server's socket as the operator's account.
func NewAgent(env Env, paths Paths, tools Tools, log *slog.Logger) (*Agent, error) {
	db, err := mysql.Open(mysql.Config{Flavor: env.Flavor, Socket: paths.Socket(), User: mysql.AccountOperator,
		Password: env.OperatorPassword, ConnectTimeout: probeTimeout, ReadTimeout: probeTimeout,
		WriteTimeout: probeTimeout, StatementTimeout: probeTimeout})
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	return &Agent{Env: env, Paths: paths, Tools: tools, Log: log, HungAfter: time.Minute,
		StartupBudget: time.Hour, Now: time.Now, db: db, backups: make(chan struct{}, 1), tls: paths.tlsFiles()}, nil
}

// Close releases the agent's connections.
func (a *Agent) Close() error { return a.db.Close() }

// Handler serves the agent's endpoints. The kubelet's probes need no credentials; with TLS every
// call of the API needs a verified client certificate (requireClientCert) besides its credentials.
func (a *Agent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", a.livez)
	mux.HandleFunc("GET /readyz", a.readyz)
	handle := func(e agentapi.Endpoint, h http.HandlerFunc) {
		for _, p := range e.Patterns() {
			mux.HandleFunc(p, a.requireClientCert(h))
		}
	}
	handle(agentapi.Backup, a.requireAuth(mysql.AccountReplication, a.Env.ReplicationPassword, a.backup))
	handle(agentapi.Seed, a.requireAuth(mysql.AccountOperator, a.Env.OperatorPassword, a.seedRequest))
	handle(agentapi.Quarantine, a.requireAuth(mysql.AccountOperator, a.Env.OperatorPassword, a.quarantine))
	handle(agentapi.Version, a.version)
	handle(agentapi.Archive, a.requireAuth(mysql.AccountOperator, a.Env.OperatorPassword, a.archiveRequest))
	handle(agentapi.StartStoreBackup, a.requireAuth(mysql.AccountOperator, a.Env.OperatorPassword, a.startStoreBackup))
	handle(agentapi.StoreBackupStatus, a.requireAuth(mysql.AccountOperator, a.Env.OperatorPassword, a.storeBackupStatus))
	return mux
}

// AgentMain runs the agent on POD_IP:8080 (HTTPS when the pod mounts the cluster's certificates),
// and its per-server metrics on POD_IP:9104 (plain HTTP, for Prometheus), until SIGTERM.
func AgentMain(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("agent takes no arguments, got %v", args)
	}
	env, err := LoadEnv(osEnv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	a, err := NewAgent(env, DefaultPaths(), DefaultTools(env.Flavor), log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.checkTLS(); err != nil {
		return err
	}
	defer a.stopStoreBackup() // before Close: a paused replica's applier is restarted first
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go a.runArchiver(ctx)
	go a.serveMetrics(ctx)
	return serve(ctx, net.JoinHostPort(env.PodIP, strconv.Itoa(AgentPort)), a.Handler(), a.TLSConfig(), log)
}

// serve serves h on addr (over TLS with tc; nil: plain HTTP) until ctx ends, then shuts down:
// requests in flight (a backup) see their context cancelled and get a few seconds to end.
func serve(ctx context.Context, addr string, h http.Handler, tc *tls.Config, log *slog.Logger) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tc,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	errc := make(chan error, 1)
	go func() {
		if tc != nil {
			errc <- srv.ListenAndServeTLS("", "") // the certificates come from tc
			return
		}
		errc <- srv.ListenAndServe()
	}()
	log.Info("agent listening", "addr", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("agent on %s: %w", addr, err)
	case <-ctx.Done():
	}
	log.Info("agent shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("agent shutdown: %w", err)
	}
	return nil
}

// readyz: the server answers a SQL ping over the socket as the operator's account. Replication
// health is not part of readiness (docs/topology.md): a lagging replica is still ready.
func (a *Agent) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
	defer cancel()
	if err := a.db.Ping(ctx); err != nil {
		http.Error(w, "server not answering: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	a.dropStaleMarker(ctx)
	fmt.Fprintln(w, "ok")
}

// dropStaleMarker removes a seed marker once the server is writable. The operator makes only the
// primary writable and never seeds the primary, so such a marker is stale: the operator asked for
// a seed, then (before it deleted the pod) promoted this member in a failover. Left in place, the
// marker would wipe the primary's datadir at its next start.
func (a *Agent) dropStaleMarker(ctx context.Context) {
	if _, err := os.Stat(a.Paths.SeedMarker()); err != nil {
		return
	}
	if !a.writable(ctx) {
		return
	}
	if err := removeDurably(a.Paths.SeedMarker()); err != nil {
		a.Log.Error("remove stale seed marker", "err", err)
		return
	}
	a.Log.Warn("removed the seed marker: this member is writable, so it is the primary and must not be re-seeded")
}

// livez: see liveness.
func (a *Agent) livez(w http.ResponseWriter, r *http.Request) {
	p := a.probe(r.Context())
	ok, why := a.live.observe(p, a.Now(), a.HungAfter, a.StartupBudget)
	if !ok {
		http.Error(w, why, http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, why)
}

// probe classifies the server: answering (a ping succeeds, or fails with a server error: the
// server is alive and talks), not listening (starting, recovering, or stopped), or unresponsive
// (accepts connections but does not answer: hung or frozen).
func (a *Agent) probe(ctx context.Context) probeResult {
	d := net.Dialer{Timeout: probeTimeout}
	c, err := d.DialContext(ctx, "unix", a.Paths.Socket())
	if err != nil {
		return notListening
	}
	_ = c.Close()
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := a.db.Ping(ctx); err == nil || mysql.ErrorNumber(err) != 0 {
		return answering
	}
	return unresponsive
}

// writable reports whether the server answers and its fence is down.
func (a *Agent) writable(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	st, err := a.db.Status(ctx)
	return err == nil && !st.ReadOnly && !st.SuperReadOnly
}
