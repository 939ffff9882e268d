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

package instance

import (
	"context"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// TestPreStopRealServer: the hook, connected as in the pod (the operator's account over the
// socket), returns at once on a read-only server, waits on a writable one until read_only=ON is
// set from another connection, and gives up at its timeout.
func TestPreStopRealServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	p := newTestPod(t, 7, "127.0.0.57")
	must(t, p.init().Run(ctx))
	p.startServer()
	db, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Socket: p.paths.Socket(), User: mysql.AccountOperator,
		Password: operatorPassword, ConnectTimeout: probeTimeout, ReadTimeout: probeTimeout,
		WriteTimeout: probeTimeout, StatementTimeout: probeTimeout})
	must(t, err)
	defer db.Close()
	hook := func(timeout time.Duration) *PreStop {
		return &PreStop{DB: db, Log: p.logger(), Timeout: timeout, Poll: 200 * time.Millisecond,
			Settle: 0, Unanswered: 5 * time.Second}
	}
	if out, took := timedWait(hook(45 * time.Second)); out != PreStopNotPrimary || took > time.Second {
		t.Errorf("read-only server: %s after %v", out, took)
	}
	op := p.db(mysql.AccountOperator, operatorPassword)
	exec1(t, op, "SET GLOBAL read_only=OFF")
	go func() {
		time.Sleep(2 * time.Second)
		if _, err := op.ExecContext(ctx, "SET GLOBAL read_only=ON"); err != nil { // the operator's fence
			t.Errorf("fence: %v", err)
		}
	}()
	out, took := timedWait(hook(45 * time.Second))
	if out != PreStopSwitched || took < 2*time.Second || took > 3*time.Second {
		t.Errorf("writable server fenced after 2s: %s after %v", out, took)
	}
	t.Logf("fenced after 2s: the hook returned after %v", took.Round(time.Millisecond))
	exec1(t, op, "SET GLOBAL read_only=OFF")
	out, took = timedWait(hook(1500 * time.Millisecond))
	if out != PreStopTimedOut || took < 1500*time.Millisecond || took > 2500*time.Millisecond {
		t.Errorf("never fenced, timeout 1.5s: %s after %v", out, took)
	}
	p.stopServer()
	if out, took := timedWait(hook(45 * time.Second)); out != PreStopUnreachable || took > 3*time.Second {
		t.Errorf("stopped server: %s after %v", out, took)
	}
}
