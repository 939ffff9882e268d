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
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
)

// Capability flags the server announces (protocol 4.1, plugin auth, TLS
// when the fleet serves it, no CLIENT_DEPRECATE_EOF: result sets end with
// EOF packets).
const (
	capLongPassword     = 1 << 0
	capFoundRows        = 1 << 1
	capLongFlag         = 1 << 2
	capConnectWithDB    = 1 << 3
	capProtocol41       = 1 << 9
	capSSL              = 1 << 11
	capTransactions     = 1 << 13
	capSecureConn       = 1 << 15
	capMultiStatements  = 1 << 16
	capMultiResults     = 1 << 17
	capPluginAuth       = 1 << 19
	capPluginAuthLenenc = 1 << 21
	serverCaps          = capLongPassword | capFoundRows | capLongFlag | capConnectWithDB | capProtocol41 |
		capTransactions | capSecureConn | capMultiStatements | capMultiResults | capPluginAuth | capPluginAuthLenenc
	statusAutocommit = 0x0002
	charsetUTF8MB4   = 45
	typeVarString    = 0xfd
)

// Commands the server answers.
const (
	comQuit   = 0x01
	comInitDB = 0x02
	comQuery  = 0x03
	comPing   = 0x0e
)

// packets reads and writes MySQL packets, tracking the sequence id.
type packets struct {
	r   *bufio.Reader
	w   *bufio.Writer
	seq byte
}

func newPackets(c net.Conn) *packets {
	return &packets{r: bufio.NewReader(c), w: bufio.NewWriter(c)}
}

// bufferedConn reads what the packet reader already buffered before the connection itself.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// startTLS upgrades the connection after the client's SSLRequest; the sequence goes on.
func (p *packets) startTLS(c net.Conn, cfg *tls.Config) error {
	tc := tls.Server(bufferedConn{Conn: c, r: p.r}, cfg)
	if err := tc.Handshake(); err != nil {
		return err
	}
	p.r, p.w = bufio.NewReader(tc), bufio.NewWriter(tc)
	return nil
}

// read returns one packet's payload (payloads of 16 MiB or more are not
// needed: the operator's statements are short).
func (p *packets) read() ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(p.r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	if n == 0xffffff {
		return nil, errors.New("packets of 16 MiB and more are not supported")
	}
	p.seq = hdr[3] + 1
	buf := make([]byte, n)
	_, err := io.ReadFull(p.r, buf)
	return buf, err
}

// write queues one packet; flush sends them.
func (p *packets) write(payload []byte) {
	n := len(payload)
	_, _ = p.w.Write([]byte{byte(n), byte(n >> 8), byte(n >> 16), p.seq})
	_, _ = p.w.Write(payload)
	p.seq++
}

func (p *packets) flush() error { return p.w.Flush() }

func lenenc(b []byte, n uint64) []byte {
	switch {
	case n < 251:
		return append(b, byte(n))
	case n < 1<<16:
		return append(b, 0xfc, byte(n), byte(n>>8))
	case n < 1<<24:
		return append(b, 0xfd, byte(n), byte(n>>8), byte(n>>16))
	}
	b = append(b, 0xfe)
	return binary.LittleEndian.AppendUint64(b, n)
}

func lenencStr(b []byte, s string) []byte { return append(lenenc(b, uint64(len(s))), s...) }

// handshake is the server's greeting (protocol version 10); caps are the
// capabilities it announces.
func handshake(version string, connID uint32, salt []byte, caps uint32) []byte {
	b := []byte{10}
	b = append(append(b, version...), 0)
	b = binary.LittleEndian.AppendUint32(b, connID)
	b = append(append(b, salt[:8]...), 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(caps&0xffff))
	b = append(b, charsetUTF8MB4)
	b = binary.LittleEndian.AppendUint16(b, statusAutocommit)
	b = binary.LittleEndian.AppendUint16(b, uint16(caps>>16))
	b = append(b, byte(len(salt)+1))
	b = append(b, make([]byte, 10)...)
	b = append(append(b, salt[8:]...), 0)
	return append(append(b, "mysql_native_password"...), 0)
}

// handshakeResponse is what the client answered: the user and the database.
type handshakeResponse struct {
	user, db string
}

// parseHandshakeResponse reads a HandshakeResponse41; the password is not
// checked (any password is accepted).
func parseHandshakeResponse(b []byte) (handshakeResponse, error) {
	var r handshakeResponse
	if len(b) < 32 {
		return r, fmt.Errorf("handshake response of %d bytes", len(b))
	}
	caps := binary.LittleEndian.Uint32(b)
	if caps&capProtocol41 == 0 {
		return r, errors.New("client does not speak protocol 4.1")
	}
	rest := b[32:]
	user, rest, ok := cutNul(rest)
	if !ok {
		return r, errors.New("handshake response: no user")
	}
	r.user = user
	switch {
	case caps&capPluginAuthLenenc != 0:
		n, m := readLenenc(rest)
		rest = skip(rest, m+int(n))
	case caps&capSecureConn != 0 && len(rest) > 0:
		rest = skip(rest, 1+int(rest[0]))
	default:
		_, rest, _ = cutNul(rest)
	}
	if caps&capConnectWithDB != 0 {
		r.db, _, _ = cutNul(rest)
	}
	return r, nil
}

func skip(b []byte, n int) []byte {
	if n > len(b) {
		return nil
	}
	return b[n:]
}

func cutNul(b []byte) (string, []byte, bool) {
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), b[i+1:], true
		}
	}
	return string(b), nil, false
}

// readLenenc returns a length-encoded integer and how many bytes it took.
func readLenenc(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	switch b[0] {
	case 0xfc:
		if len(b) >= 3 {
			return uint64(b[1]) | uint64(b[2])<<8, 3
		}
	case 0xfd:
		if len(b) >= 4 {
			return uint64(b[1]) | uint64(b[2])<<8 | uint64(b[3])<<16, 4
		}
	case 0xfe:
		if len(b) >= 9 {
			return binary.LittleEndian.Uint64(b[1:]), 9
		}
	default:
		return uint64(b[0]), 1
	}
	return 0, len(b)
}

func okPacket(affected uint64) []byte {
	b := lenenc([]byte{0}, affected)
	b = lenenc(b, 0)
	b = binary.LittleEndian.AppendUint16(b, statusAutocommit)
	return binary.LittleEndian.AppendUint16(b, 0)
}

func eofPacket() []byte {
	b := []byte{0xfe, 0, 0}
	return binary.LittleEndian.AppendUint16(b, statusAutocommit)
}

// SQLError is an error answered to the client with its number and state.
type SQLError struct {
	Number uint16
	State  string
	Msg    string
}

func (e *SQLError) Error() string { return fmt.Sprintf("Error %d (%s): %s", e.Number, e.State, e.Msg) }

func errPacket(e *SQLError) []byte {
	b := binary.LittleEndian.AppendUint16([]byte{0xff}, e.Number)
	b = append(append(b, '#'), e.State...)
	return append(b, e.Msg...)
}

// Result is a statement's answer: rows (a result set, possibly empty) when
// Columns is set, else OK with Affected rows.
type Result struct {
	Columns  []string
	Rows     [][]*string
	Affected uint64
}

// writeResult queues a result set or an OK packet.
func (p *packets) writeResult(r Result) {
	if r.Columns == nil {
		p.write(okPacket(r.Affected))
		return
	}
	p.write(lenenc(nil, uint64(len(r.Columns))))
	for _, c := range r.Columns {
		p.write(columnDef(c))
	}
	p.write(eofPacket())
	for _, row := range r.Rows {
		var b []byte
		for _, v := range row {
			if v == nil {
				b = append(b, 0xfb)
			} else {
				b = lenencStr(b, *v)
			}
		}
		p.write(b)
	}
	p.write(eofPacket())
}

func columnDef(name string) []byte {
	b := lenencStr(nil, "def")
	for _, s := range []string{"", "", "", name, name} {
		b = lenencStr(b, s)
	}
	b = append(b, 0x0c)
	b = binary.LittleEndian.AppendUint16(b, charsetUTF8MB4)
	b = binary.LittleEndian.AppendUint32(b, 1024)
	b = append(b, typeVarString)
	b = binary.LittleEndian.AppendUint16(b, 0)
	return append(b, 0, 0, 0)
}
