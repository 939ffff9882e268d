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
	"crypto/x509"
	"errors"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// Instance is one database server as the operator drives it. *Client is the
// real implementation; package fake has an in-memory one.
type Instance interface {
	// Addr is the member's address (host:port or socket path).
	Addr() string
	// Status observes the server; an error means it could not be observed.
	Status(ctx context.Context) (Status, error)
	// Pulse reads, with one statement, what tells whether the server changed since the last Status.
	Pulse(ctx context.Context) (Pulse, error)
	// ConfigureReplica stops replication and points the server at src with
	// GTID positioning. It does not start replication.
	ConfigureReplica(ctx context.Context, src Source) error
	StartReplication(ctx context.Context) error
	StopReplication(ctx context.Context) error
	// StopReplicationIO stops fetching from the source but keeps applying
	// the relay log (the first step of a failover).
	StopReplicationIO(ctx context.Context) error
	// ResetReplication forgets the source entirely (promotion).
	ResetReplication(ctx context.Context) error
	// WaitApplied waits until every GTID of set is applied, bounded by ctx
	// (by 60s when ctx has no deadline).
	WaitApplied(ctx context.Context, set gtid.Set) error
	// SetReadOnly raises (true) or clears (false) the write fence. Raising
	// it fails after a short lock wait (about 2s) instead of waiting for
	// long writes or commits stuck on the semi-sync wait; Status.Fenced
	// says whether it holds.
	SetReadOnly(ctx context.Context, on bool) error
	// SetSemiSyncSource turns the lossless AFTER_SYNC wait on or off. Turn it
	// on only once a semi-sync replica is connected: with the huge timeout
	// every commit waits for an ack.
	SetSemiSyncSource(ctx context.Context, on bool) error
	// SetSemiSyncReplica makes the IO thread acknowledge; the change applies
	// when the IO thread (re)starts.
	SetSemiSyncReplica(ctx context.Context, on bool) error
	// KillClientConnections kills every client connection except those of
	// the given users, replication threads and its own; it returns how many
	// it killed.
	KillClientConnections(ctx context.Context, exceptUsers ...string) (int, error)
	// PurgeBinaryLogs rotates the binary log and purges every older file.
	PurgeBinaryLogs(ctx context.Context) error
	// Heartbeat proves the server can commit a replicated transaction now
	// (a row in ordinal.heartbeat). It fails with ErrReadOnly when fenced,
	// and within ctx's deadline when a commit cannot complete (no semi-sync
	// acker, disk full), leaving no stuck session behind.
	Heartbeat(ctx context.Context) error
	// SetGlobals changes system variables of the running server (SET GLOBAL), in order, stopping
	// at the first the server refuses.
	SetGlobals(ctx context.Context, settings []GlobalSetting) error
	// RequireTLS, on the primary, makes the replication and operator accounts at '%' require TLS
	// (on) or not (off), after ensuring the socket account 'ordinal'@'localhost' with
	// operatorPassword; replication carries the change to every member.
	RequireTLS(ctx context.Context, on bool, operatorPassword string) error
	// AccountsRequireTLS tells whether the replication and operator accounts at '%' both
	// require TLS (one short read).
	AccountsRequireTLS(ctx context.Context) (bool, error)
	Close() error
}

// Opener opens Instances; the controller uses one so tests can swap in
// package fake.
type Opener interface {
	Open(cfg Config) (Instance, error)
}

// OpenerFunc adapts a function to Opener.
type OpenerFunc func(cfg Config) (Instance, error)

// Open calls f.
func (f OpenerFunc) Open(cfg Config) (Instance, error) { return f(cfg) }

// CertificateMeeter is an Opener that can tell which certificate a server presents to a new
// connection (ServedCertificate); openers of fakes without TLS are not.
type CertificateMeeter interface {
	ServedCertificate(ctx context.Context, cfg Config) (*x509.Certificate, error)
}

// DefaultOpener opens real Clients, and real PulseConns (it is a [PulseOpener] and a
// [CertificateMeeter]).
var DefaultOpener Opener = defaultOpener{}

type defaultOpener struct{}

func (defaultOpener) Open(cfg Config) (Instance, error) {
	c, err := Open(cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (defaultOpener) ServedCertificate(ctx context.Context, cfg Config) (*x509.Certificate, error) {
	return ServedCertificate(ctx, cfg)
}

func (defaultOpener) OpenPulse(cfg Config) (Pulser, error) {
	p, err := OpenPulse(cfg)
	if err != nil {
		return nil, err
	}
	return p, nil
}

var errStartPosMySQL = errors.New("a replica start position is MariaDB-only (MySQL positions by gtid_executed)")
