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

package mysqltest

import (
	"context"
	"testing"
	"time"
)

func TestStartUsersAndRestart(t *testing.T) {
	t0 := time.Now()
	c := Start(t, 2)
	t.Logf("2 members up in %v", time.Since(t0))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, m := range c.Members {
		db := m.DB(t, RootUser, RootPassword)
		var id, ro int
		var state, host string
		err := db.QueryRowContext(ctx, "SELECT @@server_id, @@read_only, @@gtid_binlog_state, @@bind_address").
			Scan(&id, &ro, &state, &host)
		if err != nil {
			t.Fatalf("member %d: %v", m.Index, err)
		}
		if id != int(m.ServerID) || ro != 1 || state != "" || host != m.Host {
			t.Errorf("member %d: server_id %d read_only %d state %q bind %q", m.Index, id, ro, state, host)
		}
		for _, u := range [][2]string{{ReplUser, ReplPassword}, {AppUser, AppPassword}} {
			if err := m.DB(t, u[0], u[1]).PingContext(ctx); err != nil {
				t.Errorf("member %d user %s: %v", m.Index, u[0], err)
			}
		}
	}
	m := c.Members[1]
	port := m.Port
	m.Restart(t)
	if !m.Running() || m.Port != port {
		t.Fatalf("after restart: running %v port %d (was %d)", m.Running(), m.Port, port)
	}
	if err := m.DB(t, RootUser, RootPassword).PingContext(ctx); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	m.Kill(t)
	if m.Running() {
		t.Fatal("killed member still running")
	}
}
