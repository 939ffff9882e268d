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
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stream builds xbstreams as mariadb-backup writes them.
type stream struct{ bytes.Buffer }

func (s *stream) header(flags, typ byte, path string) {
	s.WriteString(magic)
	s.WriteByte(flags)
	s.WriteByte(typ)
	_ = binary.Write(s, binary.LittleEndian, uint32(len(path)))
	s.WriteString(path)
}

func (s *stream) payload(path string, offset uint64, data []byte) *stream {
	s.header(0, typePayload, path)
	_ = binary.Write(s, binary.LittleEndian, uint64(len(data)))
	_ = binary.Write(s, binary.LittleEndian, offset)
	_ = binary.Write(s, binary.LittleEndian, crc32.ChecksumIEEE(data))
	s.Write(data)
	return s
}

func (s *stream) eof(path string) *stream { s.header(0, typeEOF, path); return s }

// file streams data as chunks of at most size bytes, then its EOF chunk.
func (s *stream) file(path string, data []byte, size int) *stream {
	for off := 0; off < len(data); off += size {
		s.payload(path, uint64(off), data[off:min(off+size, len(data))])
	}
	return s.eof(path)
}

func TestUnpackWritesEveryFile(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<20/16+5) // several chunks, past writebackEvery
	var s stream
	s.file("ibdata1", big, 1<<20).file("app/t.ibd", []byte("rows"), 1<<20).file("a/b/c/deep", []byte("x"), 1)
	s.eof("empty").payload("zero", 0, nil).eof("zero")
	dir := t.TempDir()
	res, err := Unpack(&s, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"ibdata1": big, "app/t.ibd": []byte("rows"), "a/b/c/deep": []byte("x"), "empty": nil,
		"zero": nil}
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: %d bytes, %v; want %d bytes", name, len(got), err, len(data))
		}
	}
	if res.Files != len(want) || res.Bytes != int64(len(big)+5) {
		t.Errorf("result %+v, want %d files and %d bytes", res, len(want), len(big)+5)
	}
}

// TestUnpackRefusesBadStreams: every damaged stream is an ErrCorrupt naming what is wrong, and
// nothing is written outside the directory.
func TestUnpackRefusesBadStreams(t *testing.T) {
	good := func() *stream { var s stream; return s.file("f", []byte("hello"), 2) }
	flipped := good().Bytes()
	flipped[len(flipped)-len("o")-len(magic)-10-1] ^= 1 // a payload byte of the last chunk
	huge := &stream{}
	huge.header(0, typePayload, "f")
	_ = binary.Write(huge, binary.LittleEndian, [3]uint64{1 << 40, 0, 0})
	unknown := &stream{}
	unknown.header(0, 'Z', "f")
	for _, tc := range []struct {
		name, want string
		in         []byte
	}{
		{"bad magic", "wrong chunk magic", append([]byte("XBSTCK02"), good().Bytes()[8:]...)},
		{"flipped byte", "checksum of f", flipped},
		{"truncated", "ends inside a chunk", good().Bytes()[:30]},
		{"gap", "at offset 4, expected 2", (&stream{}).payload("f", 0, []byte("he")).payload("f", 4, []byte("o")).Bytes()},
		{"parent", "not inside the archive", (&stream{}).file("../escape", []byte("x"), 1).Bytes()},
		{"absolute", "not inside the archive", (&stream{}).file("/tmp/escape", []byte("x"), 1).Bytes()},
		{"twice", "in the archive twice", good().file("f", []byte("again"), 5).Bytes()},
		{"huge chunk", "chunk of 1099511627776 bytes", huge.Bytes()},
		{"unknown type", `unknown chunk type 'Z'`, unknown.Bytes()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "data")
			if err := os.Mkdir(dir, 0o750); err != nil {
				t.Fatal(err)
			}
			_, err := Unpack(bytes.NewReader(tc.in), dir)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Unpack = %v, want ErrCorrupt with %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(root); len(entries) != 1 {
				t.Errorf("%d entries beside the directory", len(entries))
			}
		})
	}
}

func TestUnpackSkipsIgnorableChunks(t *testing.T) {
	var s stream
	s.header(flagIgnorable, 'Z', "meta")
	_ = binary.Write(&s, binary.LittleEndian, [2]uint64{3, 0})
	_ = binary.Write(&s, binary.LittleEndian, uint32(0))
	s.WriteString("abc")
	s.file("f", []byte("data"), 4)
	dir := t.TempDir()
	if _, err := Unpack(&s, dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || string(b) != "data" {
		t.Errorf("f = %q, %v", b, err)
	}
}

// failingReader returns its stream, then err.
type failingReader struct {
	r   io.Reader
	err error
}

func (f failingReader) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestUnpackReportsReadErrors(t *testing.T) {
	for _, broken := range []error{errors.New("connection reset"), io.ErrUnexpectedEOF} {
		var s stream
		s.payload("f", 0, []byte("part"))
		_, err := Unpack(failingReader{bytes.NewReader(s.Bytes()[:s.Len()-2]), broken}, t.TempDir())
		if !errors.Is(err, broken) || errors.Is(err, ErrCorrupt) {
			t.Errorf("Unpack = %v, want the read error %v (not corruption)", err, broken)
		}
	}
}

// endless repeats one chunk forever: a stream that never ends.
type endless struct{ chunk []byte }

func (e *endless) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		n += copy(b[n:], e.chunk)
	}
	return n, nil
}

// TestUnpackStopsReadingOnWriteError: a file that cannot be written ends the unpack (and its
// reader) at once, however much stream is left.
func TestUnpackStopsReadingOnWriteError(t *testing.T) {
	dir := t.TempDir()
	var s stream
	s.file("a", []byte("file"), 4).payload("a/b", 0, []byte("x")) // a is a file: a/b cannot be made
	var rest stream
	rest.header(flagIgnorable, 'Z', "pad")
	_ = binary.Write(&rest, binary.LittleEndian, [2]uint64{0, 0})
	_ = binary.Write(&rest, binary.LittleEndian, uint32(0))
	done := make(chan error, 1)
	go func() {
		_, err := Unpack(io.MultiReader(&s, &endless{rest.Bytes()}), dir)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, ErrCorrupt) {
			t.Errorf("Unpack = %v, want the write error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Unpack went on reading after a write failed")
	}
}
