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

package mysql_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// TestPulseFollowsTheServer: the one-statement pulse sees what the full status sees — the fence,
// the replication threads, semi-sync replicas and new transactions — on a real primary and replica.
func TestPulseFollowsTheServer(t *testing.T) {
	e := newEnvWith(t, 2, mysqltest.Options{ExtraArgs: renderedReplicationArgs(t)})
	p, r := e.clients[0], e.clients[1]
	conns := []*mysql.PulseConn{openPulse(t, e.cluster.Members[0], time.Second), openPulse(t, e.cluster.Members[1], time.Second)}
	pulse := func(i int) string {
		pl, err := e.clients[i].Pulse(e.ctx)
		e.must(err)
		// The pulse connection outside the pool reads the same.
		pc, err := conns[i].Pulse(e.ctx)
		e.must(err)
		if pc.Health() != pl.Health() {
			t.Errorf("member %d: the pulse connection read %+v, the pool %+v", i, pc, pl)
		}
		return fmt.Sprintf("fenced=%v running=%v clients=%d", pl.Fenced, pl.ReplicaRunning, pl.SemiSyncClients)
	}
	if got := pulse(0); got != "fenced=true running=false clients=0" {
		t.Errorf("a fresh server (starts read-only): %s", got)
	}
	e.must(e.clients[1].SetSemiSyncReplica(e.ctx, true))
	e.bootstrap(0)
	e.must(p.SetSemiSyncSource(e.ctx, true))
	e.eventually("the replica acknowledges", func() error {
		if got := pulse(0); got != "fenced=false running=false clients=1" {
			return fmt.Errorf("primary %s", got)
		}
		return nil
	})
	if got := pulse(1); got != "fenced=true running=true clients=0" {
		t.Errorf("replica: %s", got)
	}
	before, err := p.Pulse(e.ctx)
	e.must(err)
	e.writeRows(0, 1)
	after, err := p.Pulse(e.ctx)
	e.must(err)
	if before.Executed == after.Executed || before.Health() != after.Health() {
		t.Errorf("a write changes the transactions only: %+v → %+v", before, after)
	}
	e.must(r.StopApplier(e.ctx))
	if got := pulse(1); got != "fenced=true running=false clients=0" {
		t.Errorf("replica whose applier alone stopped: %s", got)
	}
	e.must(r.StopReplication(e.ctx))
	if got := pulse(1); got != "fenced=true running=false clients=0" {
		t.Errorf("replica with replication stopped: %s", got)
	}
	e.eventually("the primary loses its semi-sync replica", func() error {
		if got := pulse(0); got != "fenced=false running=false clients=0" {
			return fmt.Errorf("primary %s", got)
		}
		return nil
	})
}

func openPulse(t *testing.T, m *mysqltest.Member, timeout time.Duration) *mysql.PulseConn {
	t.Helper()
	p, err := mysql.OpenPulse(mysql.Config{Flavor: mysql.MariaDB, Host: m.Host, Port: m.Port,
		User: mysqltest.RootUser, Password: mysqltest.RootPassword,
		ConnectTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// TestPulseConnectionFailsFastOnAFrozenServerAndRedials: the pulse connection's statement is
// bounded by its read timeout, not a context (a frozen primary must show within a probe's time),
// and after a failure or a restart of the server the next pulse dials again.
func TestPulseConnectionFailsFastOnAFrozenServerAndRedials(t *testing.T) {
	e := newEnv(t, 1)
	m := e.cluster.Members[0]
	p := openPulse(t, m, 1500*time.Millisecond)
	if _, err := p.Pulse(e.ctx); err != nil {
		t.Fatal(err)
	}
	m.Freeze(t)
	start := time.Now()
	_, err := p.Pulse(context.Background())
	took := time.Since(start)
	m.Thaw(t)
	if err == nil {
		t.Fatal("a frozen server answered the pulse")
	}
	if took < time.Second || took > 3*time.Second {
		t.Errorf("the pulse of a frozen server failed after %v, want its read timeout (1.5 s)", took)
	}
	if _, err := p.Pulse(e.ctx); err != nil {
		t.Errorf("after the server thawed: %v", err)
	}
	m.Restart(t)
	var after error
	for range 2 { // the first read may meet the connection the restart closed
		if _, after = p.Pulse(e.ctx); after == nil {
			break
		}
	}
	if after != nil {
		t.Errorf("after the server restarted: %v", after)
	}
}
