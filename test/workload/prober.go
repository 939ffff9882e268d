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

package workload

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemberState is what one member answered.
type MemberState struct {
	Writable bool
	// SemiSync: the source-side semi-sync wait is active (Rpl_semi_sync_master_status or
	// Rpl_semi_sync_source_status is ON).
	SemiSync bool
	// SemiSyncClients is Rpl_semi_sync_master_clients (or _source_clients).
	SemiSyncClients int
}

// QueryMember asks one member (by address) whether it is writable and whether its semi-sync wait
// is active, within timeout. It opens and closes its own connection.
func QueryMember(ctx context.Context, user, password, addr string, timeout time.Duration) (MemberState, error) {
	db, err := sql.Open("mysql", DSN(user, password, addr, "", timeout, timeout))
	if err != nil {
		return MemberState{}, err
	}
	defer db.Close()
	return queryMember(ctx, db, timeout)
}

func queryMember(ctx context.Context, db *sql.DB, timeout time.Duration) (MemberState, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var st MemberState
	var ro int
	if err := db.QueryRowContext(ctx, "SELECT @@global.read_only").Scan(&ro); err != nil {
		return st, err
	}
	st.Writable = ro == 0
	rows, err := db.QueryContext(ctx, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_%'")
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return st, err
		}
		switch strings.ToLower(k) {
		case "rpl_semi_sync_master_status", "rpl_semi_sync_source_status":
			st.SemiSync = strings.EqualFold(v, "ON")
		case "rpl_semi_sync_master_clients", "rpl_semi_sync_source_clients":
			for _, c := range v {
				if c >= '0' && c <= '9' {
					st.SemiSyncClients = st.SemiSyncClients*10 + int(c-'0')
				}
			}
		}
	}
	return st, rows.Err()
}

type probeTarget struct {
	addr string
	db   *sql.DB
}

// probe records, every ProbeInterval, each member's state and where the primary Service leads.
func (w *Workload) probe(ctx context.Context) {
	o := w.o
	targets := map[string]*probeTarget{}
	defer func() {
		for _, t := range targets {
			t.db.Close()
		}
	}()
	via, err := openFresh(o.primaryConfig("", o.ProbeTimeout, o.ProbeTimeout))
	if err != nil {
		return
	}
	defer via.Close()
	var lastRouted []string
	tick := time.NewTicker(o.ProbeInterval)
	defer tick.Stop()
	for n := 0; n < o.MaxProbes && ctx.Err() == nil; n++ {
		topo := o.Topology()
		for name, addr := range topo.Members {
			if t, ok := targets[name]; ok && t.addr == addr {
				continue
			} else if ok {
				t.db.Close()
			}
			db, err := sql.Open("mysql", DSN(o.User, o.Password, addr, "", o.ProbeTimeout, o.ProbeTimeout))
			if err != nil {
				continue
			}
			db.SetMaxOpenConns(2)
			db.SetMaxIdleConns(1)
			targets[name] = &probeTarget{addr: addr, db: db}
		}
		for name, t := range targets {
			if _, ok := topo.Members[name]; !ok {
				t.db.Close()
				delete(targets, name)
			}
		}
		p := Probe{At: time.Now(), Routed: slices.Sorted(slices.Values(topo.Routed))}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for name, t := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := queryMember(ctx, t.db, o.ProbeTimeout)
				if err != nil {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				p.Answered = append(p.Answered, name)
				if st.Writable {
					p.Writable = append(p.Writable, name)
					if st.SemiSync {
						p.SemiSyncOn = append(p.SemiSyncOn, name)
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			vctx, cancel := context.WithTimeout(ctx, o.ProbeTimeout)
			defer cancel()
			var host string
			var ro int
			if err := via.QueryRowContext(vctx, "SELECT @@hostname, @@global.read_only").Scan(&host, &ro); err == nil {
				mu.Lock()
				p.Via, p.ViaWritable = host, ro == 0
				mu.Unlock()
			}
		}()
		wg.Wait()
		slices.Sort(p.Answered)
		slices.Sort(p.Writable)
		slices.Sort(p.SemiSyncOn)
		if !slices.Equal(p.Routed, lastRouted) {
			o.Logf("prober: primary Service routes to %v (writable: %v)", p.Routed, p.Writable)
			lastRouted = p.Routed
		}
		w.mu.Lock()
		w.h.Probes = append(w.h.Probes, p)
		w.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}
