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

import "time"

// refresh brings a replica up to date: when its IO thread runs and its
// source is up, it takes the source's binary log (and, with the SQL thread
// running, applies it: log_slave_updates). Replication is instantaneous;
// a source frozen for longer than the net timeout, killed or gone leaves
// the IO thread Connecting. depth bounds chains of replicas.
func (f *Fleet) refresh(m *member, depth int) {
	m.mu.Lock()
	src, ioOn := m.source, m.ioOn
	m.mu.Unlock()
	if src == nil || !ioOn {
		return
	}
	skey := f.resolve(src.host)
	up, errno, msg := f.proc(skey).alive(time.Now())
	s := f.member(skey)
	if s == nil || s == m {
		up, errno, msg = false, 2003, "error connecting to master: unknown host"
	}
	if !up {
		m.mu.Lock()
		m.ioState, m.ioErrno, m.ioError = "Connecting", errno, msg
		m.mu.Unlock()
		return
	}
	if depth < 3 {
		f.refresh(s, depth+1)
	}
	s.mu.Lock()
	binlog, tables := s.binlog.clone(), make([]string, 0, len(s.tables))
	for t := range s.tables {
		tables = append(tables, t)
	}
	s.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ioState, m.ioErrno, m.ioError = "Yes", 0, ""
	m.ioPos = binlog.lastPerDomain()
	if m.sqlOn {
		m.binlog.merge(binlog)
		m.slavePos = binlog.lastPerDomain()
		for _, t := range tables {
			m.tables[t] = true
		}
	}
}

// semiSyncClients counts the replicas that would acknowledge s's commits:
// running, connected to s, with the replica side of semi-sync on.
func (f *Fleet) semiSyncClients(s *member) int {
	f.mu.Lock()
	peers := append([]*member(nil), f.clusters[s.cluster]...)
	f.mu.Unlock()
	n := 0
	for _, r := range peers {
		if r == s {
			continue
		}
		if up, _, _ := f.proc(r.key).alive(time.Now()); !up {
			continue
		}
		f.refresh(r, 1)
		r.mu.Lock()
		acks := r.source != nil && r.ioState == "Yes" && r.varOn("rpl_semi_sync_slave_enabled")
		var host string
		if r.source != nil {
			host = r.source.host
		}
		r.mu.Unlock()
		if acks && f.resolve(host) == s.key {
			n++
		}
	}
	return n
}
