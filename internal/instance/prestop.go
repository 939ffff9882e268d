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
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// "ordinal prestop" is the database container's preStop hook. Deleting the primary's pod (kubectl
// delete pod, a drain's eviction) must be a switchover, not a failover: while the hook runs the
// kubelet does not signal the server, so the primary keeps serving until the operator, which sees
// the pod terminating, has fenced it as the first step of a switchover. A replica, a server that
// does not answer, or any error returns at once; the hook never holds the shutdown longer than its
// timeout, which the pod spec sets below the termination grace period (internal/desired).

// fallbackPreStopTimeout is used only when the pod spec passes no --timeout: below Kubernetes'
// default grace period of 30 s, so the server still gets time to shut down cleanly.
const fallbackPreStopTimeout = 20 * time.Second

// PreStop waits for the operator to fence a terminating primary.
type PreStop struct {
	// DB observes the local server (Status().Fenced).
	DB interface {
		Status(ctx context.Context) (mysql.Status, error)
	}
	Log *slog.Logger
	// Timeout bounds the whole wait.
	Timeout time.Duration
	// Poll is how often the fence is read.
	Poll time.Duration
	// Settle: after the fence, the server keeps answering this much longer, so the operator can
	// still read its executed set while the new primary catches up and is promoted.
	Settle time.Duration
	// Unanswered: a server that stops answering for this long is gone; there is nothing to wait for.
	Unanswered time.Duration
}

// PreStopOutcome is why the wait ended.
type PreStopOutcome string

// The outcomes of PreStop.Wait.
const (
	// PreStopNotPrimary: the server was fenced from the start (a replica, or already fenced).
	PreStopNotPrimary PreStopOutcome = "not the primary"
	// PreStopSwitched: the server was writable and the operator fenced it.
	PreStopSwitched PreStopOutcome = "fenced by the operator"
	// PreStopUnreachable: the server does not answer.
	PreStopUnreachable PreStopOutcome = "server not answering"
	// PreStopTimedOut: still writable when the time was up.
	PreStopTimedOut PreStopOutcome = "timed out"
)

// Wait returns once the local server is fenced (then after Settle), does not answer, or Timeout
// has passed.
func (p *PreStop) Wait(ctx context.Context) PreStopOutcome {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	fenced, err := p.fenced(ctx)
	switch {
	case err != nil:
		p.Log.Info("prestop: the server does not answer; nothing to wait for", "err", err)
		return PreStopUnreachable
	case fenced:
		return PreStopNotPrimary
	}
	p.Log.Info("prestop: this member is the primary; waiting for the operator to fence it (switchover)",
		"timeout", p.Timeout)
	if out := p.waitFenced(ctx); out != PreStopSwitched {
		return out
	}
	t := time.NewTimer(p.Settle)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return PreStopSwitched
}

// waitFenced polls until the fence is up. Errors are tolerated for Unanswered: the operator's
// fence kills client connections, and a reconnect may fail once.
func (p *PreStop) waitFenced(ctx context.Context) PreStopOutcome {
	tick := time.NewTicker(p.Poll)
	defer tick.Stop()
	answered := time.Now()
	for {
		select {
		case <-ctx.Done():
			return PreStopTimedOut
		case <-tick.C:
		}
		fenced, err := p.fenced(ctx)
		switch {
		case err == nil && fenced:
			return PreStopSwitched
		case err == nil:
			answered = time.Now()
		case ctx.Err() != nil:
			return PreStopTimedOut
		case time.Since(answered) >= p.Unanswered:
			p.Log.Info("prestop: the server stopped answering", "err", err)
			return PreStopUnreachable
		}
	}
}

func (p *PreStop) fenced(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	st, err := p.DB.Status(ctx)
	return st.Fenced, err
}

// PreStopMain is "ordinal prestop [--timeout=D]". It always returns nil: a failed hook must not
// change what the kubelet does next (it stops the containers either way).
func PreStopMain(args []string) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	timeout, err := parsePreStopArgs(args)
	if err != nil {
		log.Error("prestop: bad arguments; not waiting", "err", err)
		return nil
	}
	env, err := LoadEnv(osEnv)
	if err != nil {
		log.Error("prestop: not waiting", "err", err)
		return nil
	}
	db, err := mysql.Open(mysql.Config{Flavor: env.Flavor, Socket: DefaultPaths().Socket(), User: mysql.AccountOperator,
		Password: env.OperatorPassword, ConnectTimeout: probeTimeout, ReadTimeout: probeTimeout,
		WriteTimeout: probeTimeout, StatementTimeout: probeTimeout})
	if err != nil {
		log.Error("prestop: not waiting", "err", err)
		return nil
	}
	defer db.Close()
	p := &PreStop{DB: db, Log: log, Timeout: timeout, Poll: 200 * time.Millisecond, Settle: 2 * time.Second,
		Unanswered: 5 * time.Second}
	t0 := time.Now()
	out := p.Wait(context.Background())
	log.Info("prestop: done", "outcome", string(out), "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

// parsePreStopArgs reads --timeout (a Go duration, > 0).
func parsePreStopArgs(args []string) (time.Duration, error) {
	fs := flag.NewFlagSet("prestop", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	timeout := fs.Duration("timeout", fallbackPreStopTimeout, "bound on the whole wait")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if fs.NArg() > 0 || *timeout <= 0 {
		return 0, fmt.Errorf("usage: prestop [--timeout=DURATION > 0], got %q", args)
	}
	return *timeout, nil
}
