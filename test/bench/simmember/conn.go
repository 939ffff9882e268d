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
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
)

// session is one client connection.
type session struct {
	id       uint32
	nc       net.Conn
	p        *proc
	m        *member
	rowCount int64
	closed   atomic.Bool
}

// reset closes the connection with a TCP reset, as a dying server's does.
func (s *session) reset() {
	s.closed.Store(true)
	if tc, ok := s.nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = s.nc.Close()
}

func (f *Fleet) serve(p *proc, m *member) {
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			return
		}
		go f.handle(p, m, nc)
	}
}

// handle runs one connection: greeting, authentication (any password),
// then commands until COM_QUIT or the connection ends. A frozen server
// holds the connection without answering.
func (f *Fleet) handle(p *proc, m *member, nc net.Conn) {
	s := &session{id: f.connID.Add(1), nc: nc, p: p, m: m}
	p.mu.Lock()
	if p.killed {
		p.mu.Unlock()
		s.reset()
		return
	}
	p.conns[s.id] = s
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, s.id)
		p.mu.Unlock()
		_ = nc.Close()
	}()
	if !p.waitThawed() {
		return
	}
	pk := newPackets(nc)
	if err := greet(pk, nc, s.id, f.tls); err != nil {
		return
	}
	for {
		payload, err := pk.read()
		if err != nil || len(payload) == 0 || !p.waitThawed() {
			return
		}
		if payload[0] == comQuit {
			return
		}
		f.command(pk, s, payload)
		if pk.flush() != nil {
			return
		}
	}
}

// greet sends the greeting and reads the client's answer, upgrading to TLS first when the client
// asks (an SSLRequest: the answer's first 32 bytes alone) and tc is set.
func greet(pk *packets, nc net.Conn, id uint32, tc *tls.Config) error {
	salt := make([]byte, 20)
	_, _ = rand.Read(salt)
	for i := range salt {
		salt[i] = salt[i]%94 + 33 // printable, never NUL
	}
	caps := uint32(serverCaps)
	if tc != nil {
		caps |= capSSL
	}
	pk.write(handshake(Version, id, salt, caps))
	if err := pk.flush(); err != nil {
		return err
	}
	b, err := pk.read()
	if err != nil {
		return err
	}
	if tc != nil && len(b) == 32 && binary.LittleEndian.Uint32(b)&capSSL != 0 {
		if err := pk.startTLS(nc, tc); err != nil {
			return err
		}
		if b, err = pk.read(); err != nil {
			return err
		}
	}
	if _, err := parseHandshakeResponse(b); err != nil {
		pk.write(errPacket(&SQLError{Number: 1043, State: "08S01", Msg: "Bad handshake"}))
		_ = pk.flush()
		return err
	}
	pk.write(okPacket(0))
	return pk.flush()
}

// command answers one command packet.
func (f *Fleet) command(pk *packets, s *session, payload []byte) {
	switch payload[0] {
	case comPing, comInitDB:
		pk.write(okPacket(0))
	case comQuery:
		f.stats.statements.Add(1)
		res, err := f.exec(s, string(payload[1:]))
		var se *SQLError
		switch {
		case errors.As(err, &se):
			pk.write(errPacket(se))
		case err != nil:
			pk.write(errPacket(&SQLError{Number: 1105, State: "HY000", Msg: err.Error()}))
		default:
			pk.writeResult(res)
		}
	default:
		f.stats.addUnknown(fmt.Sprintf("command 0x%02x", payload[0]))
		pk.write(errPacket(&SQLError{Number: 1047, State: "08S01", Msg: "Unknown command"}))
	}
}
