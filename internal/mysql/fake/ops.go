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

package fake

import (
	"context"
	"fmt"
	"maps"
	"strings"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// begin locks the cluster, records the call and returns the error the call
// must fail with, if any. The caller unlocks.
func (in *Instance) begin(ctx context.Context, op string, args ...any) error {
	in.c.mu.Lock()
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprint(a)
	}
	call := op + "(" + strings.Join(parts, ", ") + ")"
	in.calls = append(in.calls, call)
	in.c.calls = append(in.c.calls, in.addr+" "+call)
	var err error
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case in.unreachable:
		err = ErrUnreachable
	default:
		err = in.errs[op]
	}
	if err != nil {
		return &mysql.StatementError{Addr: in.addr, Statement: op, Err: err}
	}
	return nil
}

func (in *Instance) end() { in.c.mu.Unlock() }

// Status reports the member's state.
func (in *Instance) Status(ctx context.Context) (mysql.Status, error) {
	defer in.end()
	if err := in.begin(ctx, "Status"); err != nil {
		return mysql.Status{}, err
	}
	st := mysql.Status{
		Version: in.version, ServerID: in.serverID, ReadOnly: in.readOnly,
		SuperReadOnly: in.readOnly && in.c.gtidFlavor() == gtid.MySQL, Fenced: in.readOnly,
		Executed: in.executed, CurrentPos: in.executed,
		Received: in.executed,
		SemiSync: mysql.SemiSync{
			SourceEnabled: in.semiSource, SourceActive: in.semiSource, SourceAcked: in.acked,
			SourceClients: in.semiClientsLocked(), SourceWaitSessions: in.waiting,
			ReplicaEnabled: in.semiReplica, ReplicaActive: in.semiReplica && in.ioState == "Yes",
		},
	}
	if in.source != nil {
		st.Received = in.executed.Union(in.retrieved)
		lag := int64(-1)
		if in.ioState == "Yes" && in.sqlRunning {
			lag = 0
		}
		st.Replication = &mysql.Replication{
			SourceHost: in.source.Host, SourcePort: in.source.Port,
			IOState: in.ioState, IORunning: in.ioState == "Yes", SQLRunning: in.sqlRunning,
			LastIOErrno: in.ioErrno, LastIOError: in.ioError, SecondsBehind: lag, Retrieved: in.retrieved,
			TLS: in.source.TLS != nil, // Master_SSL_Allowed: as configured
		}
	}
	return st, nil
}

// ConfigureReplica stops replication and points the member at src; a
// MariaDB StartPos counts as restored data (a seeded backup).
func (in *Instance) ConfigureReplica(ctx context.Context, src mysql.Source) error {
	defer in.end()
	if err := in.begin(ctx, "ConfigureReplica", sourceAddr(src), src.StartPos); err != nil {
		return err
	}
	if src.StartPos != "" {
		pos, err := gtid.Parse(in.c.gtidFlavor(), src.StartPos)
		if err != nil {
			return &mysql.StatementError{Addr: in.addr, Statement: "ConfigureReplica", Err: err}
		}
		in.executed = in.executed.Union(pos)
	}
	s := src
	in.source = &s
	in.stopLocked(true)
	in.retrieved, in.ioErrno, in.ioError = gtid.Set{}, 0, ""
	return nil
}

func (in *Instance) stopLocked(sql bool) {
	in.ioWanted, in.ioState = false, "No"
	if sql {
		in.sqlRunning = false
	}
}

// StartReplication starts both threads and runs one replication round for
// this member, so the IO state is known at once.
func (in *Instance) StartReplication(ctx context.Context) error {
	defer in.end()
	if err := in.begin(ctx, "StartReplication"); err != nil {
		return err
	}
	if in.source == nil {
		return &mysql.StatementError{Addr: in.addr, Statement: "StartReplication",
			Err: fmt.Errorf("no replication source configured")}
	}
	in.ioWanted, in.sqlRunning, in.ioState = true, true, "Connecting"
	in.replicateLocked()
	in.c.releaseWaitingLocked()
	return nil
}

// StopReplication stops both threads.
func (in *Instance) StopReplication(ctx context.Context) error {
	defer in.end()
	if err := in.begin(ctx, "StopReplication"); err != nil {
		return err
	}
	in.stopLocked(true)
	return nil
}

// StopReplicationIO stops the IO thread only.
func (in *Instance) StopReplicationIO(ctx context.Context) error {
	defer in.end()
	if err := in.begin(ctx, "StopReplicationIO"); err != nil {
		return err
	}
	in.stopLocked(false)
	return nil
}

// StopApplier stops the SQL thread only, as mysql.Client.StopApplier does.
func (in *Instance) StopApplier(ctx context.Context) error {
	defer in.end()
	if err := in.begin(ctx, "StopApplier"); err != nil {
		return err
	}
	in.sqlRunning = false
	return nil
}

// ResetReplication forgets the source.
func (in *Instance) ResetReplication(ctx context.Context) error {
	defer in.end()
	if err := in.begin(ctx, "ResetReplication"); err != nil {
		return err
	}
	in.stopLocked(true)
	in.source, in.retrieved, in.ioErrno, in.ioError = nil, gtid.Set{}, 0, ""
	return nil
}

// WaitApplied succeeds when set is executed, or becomes executed by applying
// the retrieved set with a running SQL thread; otherwise it fails at once
// with context.DeadlineExceeded (the fake never sleeps).
func (in *Instance) WaitApplied(ctx context.Context, set gtid.Set) error {
	defer in.end()
	if err := in.begin(ctx, "WaitApplied", set); err != nil {
		return err
	}
	if in.sqlRunning && in.source != nil {
		in.executed = in.executed.Union(in.retrieved)
	}
	if !set.SubsetOf(in.executed) {
		return &mysql.StatementError{Addr: in.addr, Statement: "WaitApplied",
			Err: fmt.Errorf("missing %v: %w", set.Subtract(in.executed), context.DeadlineExceeded)}
	}
	return nil
}

// SetReadOnly raises or clears the fence. Like the real server, raising it
// fails with a lock wait timeout while commits wait for a semi-sync ack
// (KillClientConnections ends them).
func (in *Instance) SetReadOnly(ctx context.Context, on bool) error {
	defer in.end()
	if err := in.begin(ctx, "SetReadOnly", on); err != nil {
		return err
	}
	if on && !in.readOnly && in.waiting > 0 {
		return &mysql.StatementError{Addr: in.addr, Statement: "SetReadOnly", Err: &driver.MySQLError{
			Number: ErrnoLockWaitTime, Message: "Lock wait timeout exceeded; try restarting transaction"}}
	}
	in.readOnly = on
	return nil
}

// SetSemiSyncSource turns the source side on or off; off releases the
// waiting commits unacknowledged.
func (in *Instance) SetSemiSyncSource(ctx context.Context, on bool) error {
	defer in.end()
	if err := in.begin(ctx, "SetSemiSyncSource", on); err != nil {
		return err
	}
	in.semiSource = on
	if !on {
		in.waiting = 0
	}
	return nil
}

// SetSemiSyncReplica turns the replica side on or off.
func (in *Instance) SetSemiSyncReplica(ctx context.Context, on bool) error {
	defer in.end()
	if err := in.begin(ctx, "SetSemiSyncReplica", on); err != nil {
		return err
	}
	in.semiReplica = on
	return nil
}

// KillClientConnections drops the application connections (SetClients).
func (in *Instance) KillClientConnections(ctx context.Context, exceptUsers ...string) (int, error) {
	defer in.end()
	if err := in.begin(ctx, "KillClientConnections", strings.Join(exceptUsers, ",")); err != nil {
		return 0, err
	}
	n := in.clients + in.waiting
	in.clients, in.waiting = 0, 0
	return n, nil
}

// Heartbeat commits one transaction like the real probe: it fails with
// mysql.ErrReadOnly on a fenced member, and with context.DeadlineExceeded
// when the member waits for acks and no semi-sync replica is connected (the
// transaction is then in the binary log, its session killed, not waiting).
func (in *Instance) Heartbeat(ctx context.Context) error {
	defer in.end()
	if err := in.begin(ctx, "Heartbeat"); err != nil {
		return err
	}
	if in.readOnly {
		return &mysql.StatementError{Addr: in.addr, Statement: "Heartbeat", Err: mysql.ErrReadOnly}
	}
	return in.commitAckedLocked("Heartbeat")
}

// commitAckedLocked commits one transaction of a session that waits for its commit: with the
// semi-sync wait on and no semi-sync replica connected, the transaction is in the binary log but
// the call fails with context.DeadlineExceeded (a real server keeps that session waiting).
func (in *Instance) commitAckedLocked(op string) error {
	in.executed = in.executed.Union(in.nextGTID())
	switch {
	case !in.semiSource:
	case in.semiClientsLocked() > 0:
		in.acked++
	default:
		return &mysql.StatementError{Addr: in.addr, Statement: op,
			Err: fmt.Errorf("commit waits for a semi-sync ack: %w", context.DeadlineExceeded)}
	}
	return nil
}

// PurgeBinaryLogs forgets the binary logs of everything executed so far.
func (in *Instance) PurgeBinaryLogs(ctx context.Context) error {
	defer in.end()
	if err := in.begin(ctx, "PurgeBinaryLogs"); err != nil {
		return err
	}
	in.purged = in.executed
	return nil
}

// SetGlobals records the settings (Globals reads them back) unless its error is set.
func (in *Instance) SetGlobals(ctx context.Context, settings []mysql.GlobalSetting) error {
	defer in.end()
	names := make([]string, len(settings))
	for i, s := range settings {
		names[i] = s.Name
	}
	if err := in.begin(ctx, "SetGlobals", strings.Join(names, " ")); err != nil {
		return err
	}
	if in.globals == nil {
		in.globals = map[string]string{}
	}
	for _, s := range settings {
		in.globals[s.Name] = s.Value
		if s.Default {
			in.globals[s.Name] = "DEFAULT"
		}
	}
	return nil
}

// Globals are the values SetGlobals set ("DEFAULT" for a reset).
func (in *Instance) Globals() map[string]string {
	in.c.mu.Lock()
	defer in.c.mu.Unlock()
	return maps.Clone(in.globals)
}

// Close is recorded and never fails.
func (in *Instance) Close() error {
	defer in.end()
	_ = in.begin(context.Background(), "Close")
	return nil
}

// Pulse reports the member's pulse, consistent with Status.
func (in *Instance) Pulse(ctx context.Context) (mysql.Pulse, error) {
	defer in.end()
	if err := in.begin(ctx, "Pulse"); err != nil {
		return mysql.Pulse{}, err
	}
	return mysql.Pulse{
		Fenced:          in.readOnly,
		ReplicaRunning:  in.source != nil && in.ioState == "Yes" && in.sqlRunning,
		SemiSyncClients: in.semiClientsLocked(),
		Executed:        in.executed.String(),
	}, nil
}
