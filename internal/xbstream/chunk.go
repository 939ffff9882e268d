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

package xbstream

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Chunk types and flags (mariadb-backup's xbstream.h).
const (
	magic          = "XBSTCK01"
	typePayload    = 'P'
	typeEOF        = 'E'
	flagIgnorable  = 0x01
	headerLen      = len(magic) + 1 + 1 + 4 // magic, flags, type, path length
	payloadHdrLen  = 8 + 8 + 4              // length, offset, CRC-32
	maxPathLen     = 512                    // FN_REFLEN
	maxPayloadLen  = 64 << 20               // mariadb-backup writes at most 10 MiB
	readBufferSize = 1 << 20
)

// ErrCorrupt is wrapped by every error about the stream's content (not its transport or the disk).
var ErrCorrupt = errors.New("corrupt xbstream")

// chunk is one chunk's header; payload chunks are followed by length bytes.
type chunk struct {
	typ            byte
	ignorable      bool
	path           string
	length, offset uint64
	crc            uint32
}

// reader reads chunks from a stream and keeps the count of bytes read.
type reader struct {
	r   *bufio.Reader
	src *source
	pos int64 // bytes read: where an error is
	hdr [payloadHdrLen]byte
}

func newReader(r io.Reader) *reader {
	src := &source{r: r}
	return &reader{r: bufio.NewReaderSize(src, readBufferSize), src: src}
}

// source keeps the error the stream's reader returned, so that a transport's own error (a
// connection reset, a response cut short) is told from a stream that ends cleanly too early.
type source struct {
	r   io.Reader
	err error
}

func (s *source) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if err != nil {
		s.err = err
	}
	return n, err
}

// next reads the next chunk's header; io.EOF means the stream ended cleanly between chunks.
func (r *reader) next() (chunk, error) {
	var c chunk
	h := r.hdr[:headerLen]
	n, err := io.ReadFull(r.r, h)
	r.pos += int64(n)
	if err == io.EOF {
		return c, io.EOF
	}
	if err != nil {
		return c, r.truncated(err)
	}
	if !bytes.Equal(h[:len(magic)], []byte(magic)) {
		return c, r.corrupt("wrong chunk magic %q", h[:len(magic)])
	}
	c.ignorable, c.typ = h[8]&flagIgnorable != 0, h[9]
	if c.typ != typePayload && c.typ != typeEOF && !c.ignorable {
		return c, r.corrupt("unknown chunk type %q", c.typ)
	}
	pathLen := binary.LittleEndian.Uint32(h[10:])
	if pathLen >= maxPathLen {
		return c, r.corrupt("path length %d", pathLen)
	}
	p := make([]byte, pathLen)
	if err := r.full(p); err != nil {
		return c, err
	}
	c.path = string(p)
	if c.typ == typeEOF {
		return c, nil
	}
	return c, r.payloadHeader(&c)
}

// payloadHeader reads the length, offset and CRC-32 that follow the path of every chunk but EOF.
func (r *reader) payloadHeader(c *chunk) error {
	h := r.hdr[:]
	if err := r.full(h); err != nil {
		return err
	}
	c.length, c.offset = binary.LittleEndian.Uint64(h), binary.LittleEndian.Uint64(h[8:])
	c.crc = binary.LittleEndian.Uint32(h[16:])
	if c.length > maxPayloadLen {
		return r.corrupt("chunk of %d bytes for %s (at most %d)", c.length, c.path, maxPayloadLen)
	}
	return nil
}

// payload reads a chunk's bytes into buf (grown as needed) and checks their CRC-32.
func (r *reader) payload(c chunk, buf []byte) ([]byte, error) {
	if uint64(cap(buf)) < c.length {
		buf = alignedBuffer(int(c.length))
	}
	buf = buf[:c.length]
	if err := r.full(buf); err != nil {
		return buf, err
	}
	if sum := crc32.ChecksumIEEE(buf); sum != c.crc {
		return buf, r.corrupt("checksum of %s at offset %d is %08x, the stream says %08x", c.path, c.offset, sum, c.crc)
	}
	return buf, nil
}

// skip discards an ignorable chunk's payload.
func (r *reader) skip(c chunk) error {
	n, err := io.CopyN(io.Discard, r.r, int64(c.length))
	r.pos += n
	if err != nil {
		return r.truncated(err)
	}
	return nil
}

func (r *reader) full(b []byte) error {
	n, err := io.ReadFull(r.r, b)
	r.pos += int64(n)
	if err != nil {
		return r.truncated(err)
	}
	return nil
}

// truncated describes a read that did not fill a chunk: the stream's own error, or, when the
// stream ended cleanly, a truncated stream.
func (r *reader) truncated(err error) error {
	if r.src.err != nil && r.src.err != io.EOF {
		err = r.src.err
	} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: the stream ends inside a chunk at byte %d", ErrCorrupt, r.pos)
	}
	return fmt.Errorf("read the stream at byte %d: %w", r.pos, err)
}

func (r *reader) corrupt(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrCorrupt, r.pos, fmt.Sprintf(format, args...))
}
