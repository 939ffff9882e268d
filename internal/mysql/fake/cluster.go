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

package fake

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// ErrUnreachable is the cause of every error of an unreachable member.
var ErrUnreachable = errors.New("connect: connection refused")

// Error numbers the fake reports like a server.
const (
	ErrnoCantConnect  = 2003
	ErrnoSourceLogs   = 1236
	ErrnoLockWaitTime = 1205
)

// defaultVersion is what a member reports until SetVersion, shaped like the flavor's own.
func defaultVersion(f mysql.Flavor) string {
	if f.Name() == mysql.MySQL.Name() {
		return "8.4.0-fake"
	}
	return "10.11.0-MariaDB-fake"
}

// Cluster is a set of fake members; it implements mysql.Opener. One mutex
// guards every member, so tests may call it from several goroutines.
type Cluster struct {
	mu      sync.Mutex
	flavor  mysql.Flavor
	members map[string]*Instance
	aliases map[string]string // another address (a DNS name) -> member address
	order   []string
	calls   []string
}

var _ mysql.Opener = (*Cluster)(nil)

// NewCluster returns an empty cluster of flavor f.
func NewCluster(f mysql.Flavor) *Cluster {
	return &Cluster{flavor: f, members: map[string]*Instance{}, aliases: map[string]string{}}
}

// Alias makes alias (host:port, e.g. a member's stable DNS name) reach the member at addr, as a
// replication source.
func (c *Cluster) Alias(alias, addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.aliases[alias] = addr
}

// sourceLocked resolves a replication source address through the aliases.
func (c *Cluster) sourceLocked(addr string) *Instance {
	if a, ok := c.aliases[addr]; ok {
		addr = a
	}
	return c.members[addr]
}

// Add creates a member at addr (host:port): read-only, no source, nothing
// executed, the replica side of semi-sync on (as the rendered config has it).
// It panics on a duplicate or malformed address (a test bug).
func (c *Cluster) Add(addr string, serverID uint32) *Instance {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		panic(fmt.Sprintf("fake: member address %q: %v", addr, err))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.members[addr]; dup {
		panic("fake: duplicate member " + addr)
	}
	in := &Instance{c: c, addr: addr, serverID: serverID, version: defaultVersion(c.flavor),
		readOnly: true, semiReplica: true, configSemiReplica: true, errs: map[string]error{}}
	c.members[addr] = in
	c.order = append(c.order, addr)
	return in
}

// Member returns the member at addr, or nil.
func (c *Cluster) Member(addr string) *Instance {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.members[addr]
}

// Open returns the member at cfg.Addr(); an unknown address yields a
// handle whose every call fails as unreachable, like a real Open, which
// does not connect.
func (c *Cluster) Open(cfg mysql.Config) (mysql.Instance, error) {
	if in := c.Member(cfg.Addr()); in != nil {
		return in, nil
	}
	return &Instance{c: c, addr: cfg.Addr(), unreachable: true, detached: true, errs: map[string]error{}}, nil
}

// OpenPulse is Open for the pulse (the fake member reads its pulse itself).
func (c *Cluster) OpenPulse(cfg mysql.Config) (mysql.Pulser, error) { return c.Open(cfg) }

// Calls returns every recorded call, in order, as "addr Op(args)".
func (c *Cluster) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

// Replicate runs one round of replication: every replica with a running IO
// thread fetches its source's executed set, every running SQL thread applies.
func (c *Cluster) Replicate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, addr := range c.order {
		c.members[addr].replicateLocked()
	}
	c.releaseWaitingLocked()
}

// releaseWaitingLocked acknowledges the commits waiting on every member
// that has a semi-sync replica connected again.
func (c *Cluster) releaseWaitingLocked() {
	for _, m := range c.members {
		if m.waiting > 0 && m.semiSource && m.semiClientsLocked() > 0 {
			m.acked += uint64(m.waiting)
			m.waiting = 0
		}
	}
}

func (c *Cluster) gtidFlavor() gtid.Flavor { return c.flavor.GTID() }

func sourceAddr(s mysql.Source) string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }
