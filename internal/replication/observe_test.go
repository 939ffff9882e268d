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
	"testing"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// On MySQL only super_read_only fences every account: a member with read_only=ON but
// super_read_only=OFF is still writable for SUPER accounts and must be fenced again (review #19).
func TestObserveCountsAHalfDoneFenceAsWritable(t *testing.T) {
	for _, tc := range []struct {
		name     string
		st       mysql.Status
		writable bool
	}{
		{"MySQL read_only only", mysql.Status{ReadOnly: true, SuperReadOnly: false, Fenced: false}, true},
		{"MySQL super_read_only", mysql.Status{ReadOnly: true, SuperReadOnly: true, Fenced: true}, false},
		{"MariaDB read_only", mysql.Status{ReadOnly: true, Fenced: true}, false},
		{"open", mysql.Status{}, true},
	} {
		var m topology.Member
		Observe(&m, tc.st, func(string) string { return "" })
		if m.Writable != tc.writable {
			t.Errorf("%s: Writable = %v, want %v", tc.name, m.Writable, tc.writable)
		}
	}
}

func TestObserveReportsVersionAndWaitingSessions(t *testing.T) {
	var m topology.Member
	st := mysql.Status{Version: "11.4.5-MariaDB", SemiSync: mysql.SemiSync{SourceEnabled: true, SourceClients: 0, SourceWaitSessions: 3}}
	Observe(&m, st, func(string) string { return "" })
	if m.Version != st.Version || m.SemiSyncWaiting != 3 || !m.SemiSyncSource || m.SemiSyncClients != 0 {
		t.Errorf("member %+v does not carry the observed version and semi-sync counters", m)
	}
}
