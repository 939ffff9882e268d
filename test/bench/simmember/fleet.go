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
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// netTimeout is the simulated slave_net_timeout: a replica's IO thread
// notices a frozen source this long after it froze.
var netTimeout = 4 * time.Second

// Fleet is the set of simulated members and the servers that answer for
// them. Members are named namespace/pod; their state outlives the server.
type Fleet struct {
	log    *slog.Logger
	port   int
	connID atomic.Uint32

	mu       sync.Mutex
	members  map[string]*member
	procs    map[string]*proc
	clusters map[string][]*member // namespace/cluster → members

	// tls, when set, lets clients upgrade to TLS as a real server with ssl_cert does.
	tls *tls.Config

	stats stats
}

// ServeTLS lets clients upgrade their connections to TLS with cfg (set before Start).
func (f *Fleet) ServeTLS(cfg *tls.Config) { f.tls = cfg }

// NewFleet returns an empty fleet whose servers listen on port (3306).
func NewFleet(port int, log *slog.Logger) *Fleet {
	if log == nil {
		log = slog.Default()
	}
	return &Fleet{log: log, port: port, members: map[string]*member{}, procs: map[string]*proc{},
		clusters: map[string][]*member{}}
}

// proc is one running server: a listener on the pod IP and its connections.
type proc struct {
	key, ip string
	ln      net.Listener
	mu      sync.Mutex
	conns   map[uint32]*session
	frozen  time.Time     // zero: not frozen
	thawed  chan struct{} // closed while not frozen
	killed  bool
}

// Start starts the server of member key (namespace/pod) on ip, like a
// container start: a new member begins empty and fenced; an existing one
// keeps its data and replication settings but restarts fenced with
// replication stopped. A running server of key is stopped first.
func (f *Fleet) Start(key, ip string, serverID uint32) error {
	f.Stop(key)
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(f.port)))
	if err != nil {
		return fmt.Errorf("simulated member %s: %w", key, err)
	}
	p := &proc{key: key, ip: ip, ln: ln, conns: map[uint32]*session{}, thawed: make(chan struct{})}
	close(p.thawed)
	f.mu.Lock()
	m, ok := f.members[key]
	if !ok {
		m = newMember(key, clusterOf(key), serverID)
		f.members[key] = m
		f.clusters[m.cluster] = append(f.clusters[m.cluster], m)
	} else {
		m.restart()
	}
	f.procs[key] = p
	f.mu.Unlock()
	go f.serve(p, m)
	return nil
}

// clusterOf is namespace/cluster for namespace/cluster-N.
func clusterOf(key string) string {
	if i := strings.LastIndex(key, "-"); i > 0 {
		return key[:i]
	}
	return key
}

// Stop stops key's server (the pod is gone): the listener closes and every
// connection is reset. The member's state stays.
func (f *Fleet) Stop(key string) {
	f.mu.Lock()
	p := f.procs[key]
	delete(f.procs, key)
	f.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// Kill stops key's server as a kill -9 would; it does not come back until
// Start (the pod restarts).
func (f *Fleet) Kill(key string) error {
	p := f.proc(key)
	if p == nil {
		return fmt.Errorf("simulated member %s is not running", key)
	}
	p.kill()
	return nil
}

// Freeze makes key's server accept connections but never answer, like a
// SIGSTOPped server; Thaw resumes it.
func (f *Fleet) Freeze(key string) error {
	p := f.proc(key)
	if p == nil {
		return fmt.Errorf("simulated member %s is not running", key)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen.IsZero() {
		p.frozen, p.thawed = time.Now(), make(chan struct{})
	}
	return nil
}

// Thaw ends a Freeze.
func (f *Fleet) Thaw(key string) error {
	p := f.proc(key)
	if p == nil {
		return fmt.Errorf("simulated member %s is not running", key)
	}
	p.thaw()
	return nil
}

func (p *proc) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.frozen.IsZero() {
		p.frozen = time.Time{}
		close(p.thawed)
	}
}

func (p *proc) kill() {
	p.mu.Lock()
	p.killed = true
	conns := make([]*session, 0, len(p.conns))
	for _, s := range p.conns {
		conns = append(conns, s)
	}
	p.mu.Unlock()
	_ = p.ln.Close()
	for _, s := range conns {
		s.reset()
	}
	p.thaw() // wakes frozen handlers, which then see the closed connection
}

// waitThawed blocks while the server is frozen; false once it was killed.
func (p *proc) waitThawed() bool {
	p.mu.Lock()
	ch := p.thawed
	p.mu.Unlock()
	<-ch
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.killed
}

// alive says whether a replica's IO thread would be connected: not
// killed, and not frozen for longer than the net timeout. Its error
// number and message say why not.
func (p *proc) alive(now time.Time) (bool, int, string) {
	if p == nil {
		return false, 2003, "error connecting to master: Can't connect to server (111)"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.killed:
		return false, 2003, "error connecting to master: Can't connect to server (111)"
	case !p.frozen.IsZero() && now.Sub(p.frozen) > netTimeout:
		return false, 2013, "error reconnecting to master: Lost connection to server during query"
	}
	return true, 0, ""
}

func (f *Fleet) proc(key string) *proc {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.procs[key]
}

func (f *Fleet) member(key string) *member {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.members[key]
}

// resolve finds the member a replication source host names: a pod IP, or
// a stable name pod.service.namespace[.svc[.cluster.local]].
func (f *Fleet) resolve(host string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if net.ParseIP(host) != nil {
		for k, p := range f.procs {
			if p.ip == host {
				return k
			}
		}
		return ""
	}
	parts := strings.Split(host, ".")
	if len(parts) < 3 {
		return ""
	}
	return parts[2] + "/" + parts[0]
}

// Close stops every server.
func (f *Fleet) Close() {
	f.mu.Lock()
	keys := make([]string, 0, len(f.procs))
	for k := range f.procs {
		keys = append(keys, k)
	}
	f.mu.Unlock()
	for _, k := range keys {
		f.Stop(k)
	}
}
