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

package replication

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// Executor carries out topology steps. Its fields describe the members of one observation.
type Executor struct {
	// Conns are open connections to the members that answered, by member name.
	Conns map[string]mysql.Instance
	// SourceAddr is the host and port a replica uses to reach a member (its stable DNS name).
	SourceAddr func(member string) (host string, port int)
	// SourceTLS is how replica verifies source over TLS (topology.ReplicatesOverTLS); nil for a
	// plain connection. A nil func means plain everywhere.
	SourceTLS func(replica, source string) *mysql.SourceTLS
	// ReplicationPassword is the repl user's password.
	ReplicationPassword string
	// OperatorPassword is the operator account's (its socket account is created with it).
	OperatorPassword string
	// SemiSync makes replicas acknowledge transactions (spec.replication.mode semiSync).
	SemiSync bool
	// SemiSyncWait makes a new primary wait for an acknowledgement before its fence is cleared
	// (semiSync with more than one desired member), so it never acknowledges a write no replica has.
	SemiSyncWait bool
	// Seed re-creates the target's datadir from the donor (step.Source).
	Seed func(ctx context.Context, step topology.Step) error
	// Restart restarts the target's server; force shortens the grace period (a fence that failed).
	Restart func(ctx context.Context, target string, force bool) error
	// Logf reports what a best-effort part of a step could not do.
	Logf func(msg string, kv ...any)
}

// Run executes step. promoted is true when the step made its target the primary: only then may
// the caller record it as the current primary.
func (e Executor) Run(ctx context.Context, step topology.Step) (promoted bool, err error) {
	switch step.Kind {
	case topology.Wait, topology.Refuse:
		return false, nil
	case topology.Restart, topology.ForceRestart:
		return false, e.Restart(ctx, step.Target, step.Kind == topology.ForceRestart)
	case topology.Seed:
		return false, e.Seed(ctx, step)
	case topology.StopReplicaIO:
		return false, e.stopReceivers(ctx, append([]string{step.Target}, step.Also...))
	}
	conn := e.Conns[step.Target]
	if conn == nil {
		return false, fmt.Errorf("member %s is not connected", step.Target)
	}
	switch step.Kind {
	case topology.Bootstrap, topology.Promote:
		if err := Promote(ctx, conn, e.SemiSyncWait); err != nil {
			return false, err
		}
		e.repoint(ctx, step.Target, step.Also)
		return true, nil
	case topology.MakeWritable:
		return false, makeWritable(ctx, conn, e.SemiSyncWait)
	case topology.Fence:
		return false, Fence(ctx, conn)
	case topology.ConfigureReplica:
		return false, e.configureReplica(ctx, conn, step.Target, step.Source)
	case topology.StartReplication:
		return false, e.startReplication(ctx, conn)
	case topology.EnableSemiSync, topology.DisableSemiSync:
		return false, conn.SetSemiSyncSource(ctx, step.Kind == topology.EnableSemiSync)
	case topology.RequireAccountTLS, topology.RelaxAccountTLS:
		return false, conn.RequireTLS(ctx, step.Kind == topology.RequireAccountTLS, e.OperatorPassword)
	}
	return false, fmt.Errorf("unknown step %q", step.Kind)
}

// Promote makes a member the primary: its IO thread stops, its relay log is applied, its
// replication is forgotten, the semi-sync wait is set as wanted, and only then is its fence
// cleared: commits made once it is writable already wait for a replica's acknowledgement.
func Promote(ctx context.Context, conn mysql.Instance, semiSyncWait bool) error {
	st, err := conn.Status(ctx)
	if err != nil {
		return err
	}
	if st.Replication != nil {
		if err := conn.StopReplicationIO(ctx); err != nil {
			return err
		}
		if err := forgetSource(ctx, conn, st); err != nil {
			return err
		}
	}
	if err := conn.SetSemiSyncSource(ctx, semiSyncWait); err != nil {
		return err
	}
	return conn.SetReadOnly(ctx, false)
}

// makeWritable clears the fence of the recorded primary, after applying and forgetting any
// replication and setting the semi-sync wait as wanted.
func makeWritable(ctx context.Context, conn mysql.Instance, semiSyncWait bool) error {
	st, err := conn.Status(ctx)
	if err != nil {
		return err
	}
	if st.Replication != nil {
		if err := forgetSource(ctx, conn, st); err != nil {
			return err
		}
	}
	if err := conn.SetSemiSyncSource(ctx, semiSyncWait); err != nil {
		return err
	}
	return conn.SetReadOnly(ctx, false)
}

// forgetSource applies what the relay log holds, then resets replication: resetting first would
// discard received transactions.
func forgetSource(ctx context.Context, conn mysql.Instance, st mysql.Status) error {
	if err := conn.WaitApplied(ctx, st.Received); err != nil {
		return fmt.Errorf("apply relay log of %s before promotion: %w", conn.Addr(), err)
	}
	return conn.ResetReplication(ctx)
}

// Fence ends the sessions that could still write, raises the read-only fence, then ends any
// session that connected meanwhile. Killing first matters: commits stuck on the semi-sync wait
// hold the lock read_only needs, and a killed commit is never acknowledged to its client (the kill
// closes every socket before it ends any ack wait: mysql.Client.KillClientConnections).
func Fence(ctx context.Context, conn mysql.Instance) error {
	if _, err := conn.KillClientConnections(ctx, mysql.AccountOperator, mysql.AccountReplication); err != nil {
		return err
	}
	if err := conn.SetReadOnly(ctx, true); err != nil {
		return err
	}
	_, err := conn.KillClientConnections(ctx, mysql.AccountOperator, mysql.AccountReplication)
	return err
}

// stopReceivers stops the IO thread of every target at once: a lost primary's last transactions
// are then neither received nor acknowledged any more, and the received sets stop moving.
func (e Executor) stopReceivers(ctx context.Context, targets []string) error {
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, name := range targets {
		conn := e.Conns[name]
		if conn == nil {
			errs[i] = fmt.Errorf("member %s is not connected", name)
			continue
		}
		wg.Go(func() { errs[i] = conn.StopReplicationIO(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// repoint points the members at the new primary in parallel, best effort: one that fails is
// repaired on a later pass, and must not undo a promotion that already happened.
func (e Executor) repoint(ctx context.Context, primary string, members []string) {
	var wg sync.WaitGroup
	for _, name := range members {
		conn := e.Conns[name]
		if conn == nil || name == primary {
			continue
		}
		wg.Go(func() {
			if err := e.configureReplica(ctx, conn, name, primary); err != nil && e.Logf != nil {
				e.Logf("Could not repoint member at the new primary", "member", name, "primary", primary, "err", err)
			}
		})
	}
	wg.Wait()
}

func (e Executor) configureReplica(ctx context.Context, conn mysql.Instance, replica, source string) error {
	// A replica never waits for acknowledgements: a former primary (switchover) still has the wait
	// on, and MariaDB would hold its applier on every replicated commit, forever.
	if err := conn.SetSemiSyncSource(ctx, false); err != nil {
		return err
	}
	host, port := e.SourceAddr(source)
	src := mysql.Source{Host: host, Port: port, User: mysql.AccountReplication, Password: e.ReplicationPassword}
	if e.SourceTLS != nil {
		src.TLS = e.SourceTLS(replica, source)
	}
	err := conn.ConfigureReplica(ctx, src)
	if err != nil {
		return err
	}
	return e.startReplication(ctx, conn)
}

// startReplication sets whether the IO thread acknowledges before it starts: the setting applies
// when the thread connects.
func (e Executor) startReplication(ctx context.Context, conn mysql.Instance) error {
	if err := conn.SetSemiSyncReplica(ctx, e.SemiSync); err != nil {
		return err
	}
	return conn.StartReplication(ctx)
}
