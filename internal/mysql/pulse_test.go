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

package mysql

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

func TestPulseIsOneStatementPerFlavor(t *testing.T) {
	for _, c := range []struct {
		f     Flavor
		words []string
	}{
		{MariaDB, []string{"@@global.read_only", "gtid_binlog_state", "'SLAVE_RUNNING'", "'Rpl_semi_sync_master_clients'"}},
		{MySQL, []string{"@@global.super_read_only", "gtid_executed", "replication_connection_status",
			"replication_applier_status", "'Rpl_semi_sync_source_clients'"}},
	} {
		rec := newRecorder()
		rec.rows["SELECT"] = []row{{
			"fenced": ns("1"), "executed": ns("0-1-5"), "replica_running": ns("ON"), "semi_sync_clients": ns("2"),
		}}
		p, err := newClient(Config{Flavor: c.f, Host: "h", Port: 3306}, rec).Pulse(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.calls) != 1 {
			t.Fatalf("%s: %d statements, want 1: %q", c.f, len(rec.calls), rec.calls)
		}
		for _, w := range c.words {
			if !strings.Contains(rec.calls[0], w) {
				t.Errorf("%s: the pulse does not read %s: %s", c.f, w, rec.calls[0])
			}
		}
		want := Pulse{Fenced: true, ReplicaRunning: true, SemiSyncClients: 2, Executed: "0-1-5"}
		if p != want {
			t.Errorf("%s: pulse %+v, want %+v", c.f, p, want)
		}
		if h := p.Health(); h.Executed != "" || h.SemiSyncClients != 2 {
			t.Errorf("health keeps what needs attention and drops the transactions: %+v", h)
		}
	}
}

func TestPulseWithoutSemiSyncPluginAndBadValues(t *testing.T) {
	rec := newRecorder()
	rec.rows["SELECT"] = []row{{"fenced": ns("0"), "executed": ns(""), "replica_running": ns("OFF"), "semi_sync_clients": {}}}
	p, err := newClient(Config{Flavor: MySQL, Host: "h", Port: 3306}, rec).Pulse(context.Background())
	if err != nil || p != (Pulse{}) {
		t.Fatalf("NULL semi-sync clients (no plugin): %+v %v", p, err)
	}
	rec.rows["SELECT"] = []row{{"semi_sync_clients": ns("many")}}
	if _, err := newClient(Config{Flavor: MariaDB, Host: "h", Port: 3306}, rec).Pulse(context.Background()); err == nil {
		t.Error("a non-numeric semi-sync client count was accepted")
	}
}

func ns(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }
