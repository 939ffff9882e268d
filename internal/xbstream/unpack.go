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
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Result is what an unpack wrote.
type Result struct {
	Files int
	Bytes int64
}

// Unpack reads an xbstream from r and writes its files under dir, which must exist. Every file
// is new (a path that exists, or comes back after its EOF chunk, is an error), each chunk's
// CRC-32 and offset are checked, and nothing outside dir is written. Writeback starts as the
// bytes arrive; before Unpack returns without an error, every file it wrote and every directory
// it added to is on disk (fsync), so a caller that records "unpacked" afterwards can rely on it.
// On an error the files written so far are left for the caller to remove. Unpack reads r in a
// goroutine of its own, ahead of the writes, and returns only once that goroutine has stopped.
func Unpack(r io.Reader, dir string) (Result, error) {
	u := &unpacker{dir: dir, open: map[string]*outFile{}, dirs: map[string]bool{dir: true}, sync: newSyncer()}
	in := startReading(newReader(r))
	err := u.writeAll(in.pieces)
	if readErr := in.stop(); err == nil {
		err = readErr
	}
	for _, f := range u.open { // files without their EOF chunk: the stream ended early or failed
		if err != nil {
			_ = f.f.Close() // left for the caller to remove: not worth a sync
			continue
		}
		u.sync.add(f)
	}
	if syncErr := u.sync.wait(); err == nil {
		err = syncErr
	}
	if err == nil {
		err = u.syncDirs()
	}
	return u.res, err
}

type unpacker struct {
	dir  string
	open map[string]*outFile // files between their first chunk and their EOF chunk
	dirs map[string]bool     // directories that got a new entry
	sync *syncer
	res  Result
}

// writeAll writes the pieces as they come, and recycles their buffers; it stops at the first
// error.
func (u *unpacker) writeAll(pieces <-chan piece) error {
	for p := range pieces {
		if p.c.typ == typeEOF {
			if err := u.close(p.c.path); err != nil {
				return err
			}
			continue
		}
		err := u.write(p.c, p.buf)
		p.recycle()
		if err != nil {
			return err
		}
	}
	return nil
}

// write appends a payload chunk to its file, creating the file on its first chunk.
func (u *unpacker) write(c chunk, b []byte) error {
	f, err := u.file(c.path)
	if err != nil {
		return err
	}
	if c.offset != uint64(f.written) {
		return fmt.Errorf("%w: chunk of %s at offset %d, expected %d", ErrCorrupt, c.path, c.offset, f.written)
	}
	if err := f.write(b); err != nil {
		return err
	}
	u.res.Bytes += int64(len(b))
	return nil
}

// close ends a file at its EOF chunk; a file with no payload chunk is created empty, as mbstream
// does (mariadb-backup streams empty files, such as the CSV logs, as an EOF chunk alone).
func (u *unpacker) close(name string) error {
	f, err := u.file(name)
	if err != nil {
		return err
	}
	delete(u.open, name)
	u.sync.add(f)
	return nil
}

// file is the open file of a path of the stream, created on the path's first chunk.
func (u *unpacker) file(name string) (*outFile, error) {
	if f := u.open[name]; f != nil {
		return f, nil
	}
	f, err := u.create(name)
	if err == nil {
		u.open[name] = f
	}
	return f, err
}

// create makes a new file for a path of the stream, and the directories it needs.
func (u *unpacker) create(name string) (*outFile, error) {
	if name == "" || !filepath.IsLocal(name) {
		return nil, fmt.Errorf("%w: path %q is not inside the archive", ErrCorrupt, name)
	}
	path := filepath.Join(u.dir, name)
	if err := u.mkdirs(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := createFile(path)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%w: %s is in the archive twice, or was already there: %w", ErrCorrupt, name, err)
	}
	if err != nil {
		return nil, err
	}
	u.dirs[filepath.Dir(path)] = true
	u.res.Files++
	return f, nil
}

// mkdirs creates d and its missing parents below u.dir, remembering each parent that got an entry.
func (u *unpacker) mkdirs(d string) error {
	if u.dirs[d] {
		return nil
	}
	if _, err := os.Lstat(d); err == nil {
		return nil
	}
	if err := u.mkdirs(filepath.Dir(d)); err != nil {
		return err
	}
	if err := os.Mkdir(d, 0o750); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	u.dirs[filepath.Dir(d)] = true
	return nil
}

// syncDirs fsyncs every directory that got a new entry, so the new names are on disk too.
func (u *unpacker) syncDirs() error {
	for d := range u.dirs {
		f, err := os.Open(d)
		if err != nil {
			return err
		}
		err = f.Sync()
		if closeErr := f.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return fmt.Errorf("sync %s: %w", d, err)
		}
	}
	return nil
}
