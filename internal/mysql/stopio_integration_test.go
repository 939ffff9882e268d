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
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// A failover from a frozen primary first stops the replicas' IO threads. With semi-sync on, a
// MariaDB IO thread that stops dials its source to kill its dump thread, and STOP SLAVE IO_THREAD
// re-signals the thread only every 2 s: it took 2.0 s in every such failover until the rendered
// config bounded that dial (rpl_semi_sync_slave_kill_conn_timeout=1). Both states a failover finds
// the thread in are tried: blocked reading (1 s after the freeze) and reconnecting (5 s after,
// past slave_net_timeout). Reception must have stopped either way.
func TestStoppingTheIOThreadFromAFrozenSourceTakesUnderTwoSeconds(t *testing.T) {
	e := newEnvWith(t, 2, mysqltest.Options{ExtraArgs: renderedReplicationArgs(t)})
	e.bootstrap(0)
	e.must(e.clients[0].SetSemiSyncSource(e.ctx, true))
	primary := e.cluster.Members[0]
	for _, frozenFor := range []time.Duration{time.Second, 5 * time.Second} {
		e.writeRows(0, 1)
		e.waitExecuted(1, e.status(0).Executed)
		primary.Freeze(t)
		time.Sleep(frozenFor)
		start := time.Now()
		err := e.clients[1].StopReplicationIO(e.ctx)
		took := time.Since(start)
		received := e.status(1).Replication
		primary.Thaw(t)
		e.must(err)
		if took > 1800*time.Millisecond {
			t.Errorf("frozen %v: STOP SLAVE IO_THREAD took %v, want under the 2 s re-signal round", frozenFor, took)
		}
		if received == nil || received.IOState != "No" {
			t.Errorf("frozen %v: the IO thread still runs after the stop: %+v", frozenFor, received)
		}
		t.Logf("frozen %v: STOP SLAVE IO_THREAD took %v", frozenFor, took)
		e.replicate(1, 0)
	}
}
