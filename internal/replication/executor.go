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
	"fmt"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// Executor carries out topology steps. Its fields describe the members of one observation.
type Executor struct {
	// Conns are open connections to the members that answered, by member name.
	Conns map[string]mysql.Instance
	// SourceAddr is the host and port a replica uses to reach a member (its stable DNS name).
	SourceAddr func(member string) (host string, port int)
	// ReplicationPassword is the repl user's password.
	ReplicationPassword string
	// SemiSync makes replicas acknowledge transactions (spec.replication.mode semiSync).
	SemiSync bool
	// Seed re-creates the target's datadir from the donor (step.Source).
	Seed func(ctx context.Context, step topology.Step) error
	// Restart restarts the target's server.
	Restart func(ctx context.Context, target string) error
}

// Run executes step. promoted is true when the step made its target the primary: only then may
// the caller record it as the current primary.
func (e Executor) Run(ctx context.Context, step topology.Step) (promoted bool, err error) {
	switch step.Kind {
	case topology.Wait, topology.Refuse:
		return false, nil
	case topology.Restart:
		return false, e.Restart(ctx, step.Target)
	case topology.Seed:
		return false, e.Seed(ctx, step)
	}
	conn := e.Conns[step.Target]
	if conn == nil {
		return false, fmt.Errorf("member %s is not connected", step.Target)
	}
	switch step.Kind {
	case topology.Bootstrap, topology.Promote:
		err := Promote(ctx, conn)
		return err == nil, err
	case topology.MakeWritable:
		return false, makeWritable(ctx, conn)
	case topology.Fence:
		return false, Fence(ctx, conn)
	case topology.StopReplicaIO:
		return false, conn.StopReplicationIO(ctx)
	case topology.ConfigureReplica:
		return false, e.configureReplica(ctx, conn, step.Source)
	case topology.StartReplication:
		return false, conn.StartReplication(ctx)
	case topology.EnableSemiSync, topology.DisableSemiSync:
		return false, conn.SetSemiSyncSource(ctx, step.Kind == topology.EnableSemiSync)
	}
	return false, fmt.Errorf("unknown step %q", step.Kind)
}

// Promote makes a member the primary: its IO thread stops, its relay log is applied, its
// replication is forgotten, and only then is its fence cleared.
func Promote(ctx context.Context, conn mysql.Instance) error {
	st, err := conn.Status(ctx)
	if err != nil {
		return err
	}
	if st.Replication != nil {
		if err := conn.StopReplicationIO(ctx); err != nil {
			return err
		}
		if err := conn.WaitApplied(ctx, st.Received); err != nil {
			return fmt.Errorf("apply relay log of %s before promotion: %w", conn.Addr(), err)
		}
		if err := conn.ResetReplication(ctx); err != nil {
			return err
		}
	}
	if err := conn.SetSemiSyncSource(ctx, false); err != nil {
		return err
	}
	return conn.SetReadOnly(ctx, false)
}

// makeWritable clears the fence of the recorded primary, after forgetting any replication.
func makeWritable(ctx context.Context, conn mysql.Instance) error {
	st, err := conn.Status(ctx)
	if err != nil {
		return err
	}
	if st.Replication != nil {
		if err := conn.ResetReplication(ctx); err != nil {
			return err
		}
	}
	return conn.SetReadOnly(ctx, false)
}

// Fence raises the read-only fence, then ends the sessions that could still write.
func Fence(ctx context.Context, conn mysql.Instance) error {
	if err := conn.SetReadOnly(ctx, true); err != nil {
		return err
	}
	_, err := conn.KillClientConnections(ctx, mysql.AccountOperator, mysql.AccountReplication)
	return err
}

func (e Executor) configureReplica(ctx context.Context, conn mysql.Instance, source string) error {
	// A replica never waits for acknowledgements: a former primary (switchover) still has the wait
	// on, and MariaDB would hold its applier on every replicated commit, forever.
	if err := conn.SetSemiSyncSource(ctx, false); err != nil {
		return err
	}
	host, port := e.SourceAddr(source)
	err := conn.ConfigureReplica(ctx, mysql.Source{
		Host: host, Port: port, User: mysql.AccountReplication, Password: e.ReplicationPassword,
	})
	if err != nil {
		return err
	}
	if err := conn.SetSemiSyncReplica(ctx, e.SemiSync); err != nil {
		return err
	}
	return conn.StartReplication(ctx)
}
