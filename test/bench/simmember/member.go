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

package simmember

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// member is one simulated server's durable state, like its datadir: it
// survives a pod's restart (the pod's PVC keeps the datadir).
type member struct {
	key      string // namespace/pod
	cluster  string // namespace/cluster
	serverID uint32

	mu       sync.Mutex
	readOnly bool
	vars     map[string]string // global variables set at run time or by config
	binlog   gtidState         // gtid_binlog_state
	slavePos gtidState         // gtid_slave_pos (one GTID per domain)
	source   *source           // CHANGE MASTER TO; nil after RESET SLAVE ALL
	ioOn     bool              // IO thread started
	sqlOn    bool              // SQL thread started
	ioState  string            // "Yes", "Connecting" or "No"
	ioErrno  int
	ioError  string
	ioPos    gtidState // Gtid_IO_Pos
	tables   map[string]bool
	users    map[string]bool // 'name'@'host'
	ackedTx  uint64
	// awaiting: sessions whose heartbeat commit waits for a semi-sync ack, by connection id.
	awaiting map[uint32]time.Time
}

type source struct {
	host string
	port int
	user string
}

// configDefaults are what the operator's rendered config sets at start
// (internal/mycnf) and what SHOW GLOBAL VARIABLES reports.
func configDefaults() map[string]string {
	return map[string]string{
		"log_bin": "ON", "log_slave_updates": "ON", "gtid_domain_id": "0", "gtid_strict_mode": "ON",
		"binlog_format": "ROW", "sync_binlog": "1", "innodb_flush_log_at_trx_commit": "1",
		"skip_slave_start": "ON", "slave_net_timeout": "4", "port": "3306",
		"rpl_semi_sync_master_enabled": "OFF", "rpl_semi_sync_slave_enabled": "ON",
		"rpl_semi_sync_master_timeout": "4294967295", "rpl_semi_sync_master_wait_no_slave": "ON",
		"rpl_semi_sync_master_wait_point": "AFTER_SYNC", "rpl_semi_sync_master_trace_level": "32",
		"rpl_semi_sync_slave_delay_master": "OFF", "rpl_semi_sync_slave_kill_conn_timeout": "5",
		"rpl_semi_sync_slave_trace_level": "32",
	}
}

func newMember(key, cluster string, serverID uint32) *member {
	m := &member{key: key, cluster: cluster, serverID: serverID, binlog: gtidState{}, slavePos: gtidState{},
		ioPos: gtidState{}, tables: map[string]bool{}, users: map[string]bool{}, awaiting: map[uint32]time.Time{}}
	m.restart()
	return m
}

// restart is a server start: run-time settings return to the config's,
// the fence is up and replication does not start (skip_slave_start).
func (m *member) restart() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.vars = configDefaults()
	m.readOnly = true
	m.ioOn, m.sqlOn = false, false
	m.ioState, m.ioErrno, m.ioError = "No", 0, ""
}

// currentPos is gtid_current_pos: per domain, the newer of the binlog's
// last GTID and gtid_slave_pos. Callers hold m.mu.
func (m *member) currentPos() gtidState {
	cur := m.binlog.lastPerDomain()
	for id, seq := range m.slavePos {
		if seq > cur.seq(id.domain) {
			for old := range cur {
				if old.domain == id.domain {
					delete(cur, old)
				}
			}
			cur[id] = seq
		}
	}
	return cur
}

// commit binlogs one transaction of this server. Callers hold m.mu.
func (m *member) commit() {
	cur := m.currentPos()
	var top uint64
	for _, s := range []gtidState{m.binlog, cur} {
		top = max(top, s.seq(0))
	}
	m.binlog[gtidID{0, m.serverID}] = top + 1
}

func (m *member) varOn(name string) bool {
	switch strings.ToUpper(m.vars[name]) {
	case "ON", "1", "YES", "TRUE":
		return true
	}
	return false
}

// variable reads @@name (or @@global.name); ok is false for a variable the
// simulator does not know. Callers hold m.mu.
func (m *member) variable(name string) (string, bool) {
	switch strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(name, "global."), "GLOBAL.")) {
	case "version":
		return Version, true
	case "server_id":
		return strconv.FormatUint(uint64(m.serverID), 10), true
	case "read_only":
		return boolNum(m.readOnly), true
	case "gtid_binlog_state":
		return m.binlog.String(), true
	case "gtid_binlog_pos":
		return m.binlog.lastPerDomain().String(), true
	case "gtid_current_pos":
		return m.currentPos().String(), true
	case "gtid_slave_pos":
		return m.slavePos.String(), true
	}
	v, ok := m.vars[strings.ToLower(strings.TrimPrefix(strings.ToLower(name), "global."))]
	return v, ok
}

func boolNum(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// Version is what the simulated servers report as @@version.
const Version = "10.11.99-MariaDB-simmember"
