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
	"errors"
	"strings"
	"testing"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// TestSemiSyncClientsThroughAlias: replicas point at the primary's DNS name, as the executor and
// envtest do; they still count as its semi-sync clients.
func TestSemiSyncClientsThroughAlias(t *testing.T) {
	c := NewCluster(mysql.MariaDB)
	p, r := c.Add("127.0.42.1:3306", 1), c.Add("127.0.42.2:3306", 2)
	c.Alias("db-0.db.ns.svc:3306", "127.0.42.1:3306")
	must(t, p.SetReadOnly(ctx, false))
	must(t, r.ConfigureReplica(ctx, mysql.Source{Host: "db-0.db.ns.svc", Port: 3306, User: "repl"}))
	must(t, r.StartReplication(ctx))
	if s := status(t, p).SemiSync; s.SourceClients != 1 {
		t.Errorf("primary semi-sync %+v, want 1 client through the alias", s)
	}
	if s := status(t, r).SemiSync; !s.ReplicaEnabled || !s.ReplicaActive {
		t.Errorf("replica side %+v: on from the config", s)
	}
}

// TestCommitsWaitWithoutAcker: with the wait on and no semi-sync replica, commits wait, the fence
// times out until they are killed, and the heartbeat fails; a connecting replica releases them.
func TestCommitsWaitWithoutAcker(t *testing.T) {
	c, ms := threeMembers(t)
	must(t, ms[0].SetSemiSyncSource(ctx, true))
	for _, r := range ms[1:] {
		must(t, r.StopReplicationIO(ctx))
	}
	ms[0].Write(2)
	if s := status(t, ms[0]).SemiSync; s.SourceWaitSessions != 2 || s.SourceClients != 0 || !s.SourceActive {
		t.Errorf("semi-sync %+v, want 2 waiting commits", s)
	}
	if err := ms[0].Heartbeat(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Heartbeat without an acker: %v", err)
	}
	must(t, ms[1].StartReplication(ctx))
	if s := status(t, ms[0]).SemiSync; s.SourceWaitSessions != 0 || s.SourceAcked != 2 {
		t.Errorf("after a replica connected: %+v, want the 2 commits acknowledged", s)
	}
	must(t, ms[0].Heartbeat(ctx))
	must(t, ms[1].StopReplicationIO(ctx))
	ms[0].Write(1)
	err := ms[0].SetReadOnly(ctx, true)
	if mysql.ErrorNumber(err) != ErrnoLockWaitTime {
		t.Errorf("fence with a commit waiting: %v, want a lock wait timeout", err)
	}
	if n, err := ms[0].KillClientConnections(ctx, "repl"); n != 1 || err != nil {
		t.Errorf("KillClientConnections = %d, %v", n, err)
	}
	must(t, ms[0].SetReadOnly(ctx, true))
	if st := status(t, ms[0]); !st.Fenced || st.SemiSync.SourceWaitSessions != 0 {
		t.Errorf("after kill and fence: fenced %v, %+v", st.Fenced, st.SemiSync)
	}
	if err := ms[0].Heartbeat(ctx); !errors.Is(err, mysql.ErrReadOnly) {
		t.Errorf("Heartbeat on a fenced member: %v", err)
	}
	c.Replicate()
}

// TestRestartKeepsReplicaSide: the replica side comes from the config, so a restarted replica
// acknowledges again once replication is started; the source-side wait and the fence do not
// survive a restart.
func TestRestartKeepsReplicaSide(t *testing.T) {
	c, ms := threeMembers(t)
	must(t, ms[0].SetSemiSyncSource(ctx, true))
	ms[1].Restart()
	ms[2].SetConfigSemiSyncReplica(false)
	ms[2].Restart()
	if s := status(t, ms[0]).SemiSync; s.SourceClients != 0 {
		t.Errorf("clients %d while both replicas are stopped", s.SourceClients)
	}
	for _, r := range ms[1:] {
		must(t, r.StartReplication(ctx))
	}
	c.Replicate()
	if s := status(t, ms[0]).SemiSync; s.SourceClients != 1 {
		t.Errorf("clients %d, want 1 (the replica whose config has the flag)", s.SourceClients)
	}
	ms[0].Restart()
	if st := status(t, ms[0]); !st.ReadOnly || st.SemiSync.SourceEnabled {
		t.Errorf("restarted primary: read-only %v, wait %v", st.ReadOnly, st.SemiSync.SourceEnabled)
	}
	if v := status(t, ms[0]).Version; !strings.Contains(v, "MariaDB") {
		t.Errorf("version %q", v)
	}
}
