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

package controller

import (
	"crypto/sha256"
	"io"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// memberConns keeps one connection pool per member across passes, so a pass reuses connections
// instead of dialling and authenticating every member every time; pulseConns keeps the one
// connection each member's pulse is read on between passes. A connection is keyed by everything
// that would make it wrong: the pod's address, the password, and the CAs it is verified with.
type (
	memberConns = keptConns[mysql.Instance]
	pulseConns  = keptConns[mysql.Pulser]
)

type keptConns[T io.Closer] struct {
	mu    sync.Mutex
	pools map[connKey]*keptConn[T]
	// held counts the passes running per cluster: their connections are not swept, however long
	// the pass (a switchover waiting for a replica) has held them.
	held map[types.UID]int
}

type connKey struct {
	cluster  types.UID
	member   string
	addr     string
	password [sha256.Size]byte
	trust    [sha256.Size]byte // zero for a plain connection
}

type keptConn[T io.Closer] struct {
	inst     T
	lastUsed time.Time
	borrowed int // readers that borrowed it (borrow) and have not released it
}

// A member's pool is kept idlePoolLife after its last use: a pod that went away, or a cluster at
// rest, whose pulse needs no pool (the pass it wakes dials each member once, bounded by the probe's
// timeout like a read on a kept connection). A cluster polled, or woken by its pulse for new
// transactions (every pulseInterval while clients write), uses its pools every few seconds. Not
// longer: after a start, a thousand resting clusters' pools held the heap at the soft limit, and
// the collector ran without pause until they were swept. A pulse connection is kept idlePulseLife:
// a replica's is read only every replicaPulseEvery pulses.
const (
	idlePoolLife  = 3 * pulseInterval
	idlePulseLife = 45 * time.Second
)

func newConnKey(uid types.UID, member, addr string, lg login, tls bool) connKey {
	k := connKey{cluster: uid, member: member, addr: addr, password: sha256.Sum256([]byte(lg.password))}
	if tls && len(lg.trust) > 0 {
		k.trust = sha256.Sum256(lg.trust)
	}
	return k
}

// get returns the member's kept connection, opening it when there is none. Its users never close
// it (the instance is handed out as is, so optional interfaces such as the application-user
// ensurer stay visible): a failed statement only discards the connection it ran on; sweep and
// forget close.
func (p *keptConns[T]) get(key connKey, now time.Time, open func() (T, error)) (T, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k, ok := p.pools[key]; ok {
		k.lastUsed = now
		return k.inst, nil
	}
	inst, err := open()
	if err != nil {
		return inst, err
	}
	if p.pools == nil {
		p.pools = map[connKey]*keptConn[T]{}
	}
	p.pools[key] = &keptConn[T]{inst: inst, lastUsed: now}
	return inst, nil
}

// borrow returns the member's kept connection if there is one, without counting it as used: a
// reader that borrows it (the pulse, while a pass's pool is still open) does not keep it from the
// sweep once done, but the sweep does not close it under the reader (release ends the loan).
func (p *keptConns[T]) borrow(key connKey) (inst T, release func(), ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k, ok := p.pools[key]
	if !ok {
		return inst, nil, false
	}
	k.borrowed++
	return k.inst, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		k.borrowed--
	}, true
}

// hold keeps the cluster's connections from being swept until the returned release is called.
func (p *keptConns[T]) hold(uid types.UID) (release func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		p.held = map[types.UID]int{}
	}
	p.held[uid]++
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.held[uid]--; p.held[uid] <= 0 {
			delete(p.held, uid)
		}
	}
}

// sweep closes the connections not used for life before now, among them every one of a member
// whose address or password changed (they are no longer asked for), except those of a cluster a
// pass holds.
func (p *keptConns[T]) sweep(now time.Time, life time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, k := range p.pools {
		if now.Sub(k.lastUsed) > life && p.held[key.cluster] == 0 && k.borrowed == 0 {
			_ = k.inst.Close()
			delete(p.pools, key)
		}
	}
}

// forget closes every connection of a deleted cluster.
func (p *keptConns[T]) forget(uid types.UID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, k := range p.pools {
		if key.cluster == uid {
			_ = k.inst.Close()
			delete(p.pools, key)
		}
	}
}

// closeAll closes every connection.
func (p *keptConns[T]) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, k := range p.pools {
		_ = k.inst.Close()
		delete(p.pools, key)
	}
}
