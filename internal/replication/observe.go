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
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// Observe fills the server-side facts of m from st. sourceName resolves the replica's
// Source_Host (a stable DNS name or an address) to a member name.
func Observe(m *topology.Member, st mysql.Status, sourceName func(host string) string) {
	m.Reachable = true
	// On MySQL only super_read_only fences every account: read_only alone is a half-done fence that
	// must still count as writable, so it is completed.
	m.Writable = !st.Fenced
	m.Version = st.Version
	m.Executed, m.Received = st.Executed, st.Received
	m.SemiSyncSource, m.SemiSyncClients = st.SemiSync.SourceEnabled, st.SemiSync.SourceClients
	m.SemiSyncWaiting = st.SemiSync.SourceWaitSessions
	rep := st.Replication
	if rep == nil {
		return
	}
	m.Source = sourceName(rep.SourceHost)
	m.IORunning = rep.IOState == "Yes" || rep.IOState == "Connecting"
	m.IOConnected = rep.IORunning
	m.SQLRunning = rep.SQLRunning
	m.LastIOErrno, m.LastSQLErrno = rep.LastIOErrno, rep.LastSQLErrno
	m.ReplicationTLS = rep.TLS
	if rep.SecondsBehind >= 0 {
		m.Lag, m.LagKnown = time.Duration(rep.SecondsBehind)*time.Second, true
	}
}
