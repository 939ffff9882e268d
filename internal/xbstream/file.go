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
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// writebackEvery is how many bytes a buffered file collects before Unpack asks the kernel to
// start writing them out: the stream then runs at most at the disk's rate instead of filling the
// page cache and waiting for all of it at the end.
const writebackEvery = 8 << 20

// directAlign is the alignment O_DIRECT needs of a write's memory, offset and length (the
// logical block size of any disk a datadir sits on divides it).
const directAlign = 4096

// outFile is a file being unpacked. It is written with O_DIRECT while the stream's chunks allow
// it (aligned, as InnoDB's pages are): the bytes go from the chunk's buffer to the disk, not
// through new page cache (copying into it was the largest CPU cost in a profiled seed). The
// first write that is not aligned (a file's tail, a small file) turns O_DIRECT off for good.
type outFile struct {
	f       *os.File
	direct  bool
	written int64
	flushed int64 // bytes whose writeback has been started (buffered writes)
}

// createFile creates a new file, with O_DIRECT where the file system has it.
func createFile(path string) (*outFile, error) {
	const flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	f, err := os.OpenFile(path, flags|unix.O_DIRECT, 0o640)
	direct := err == nil
	if errors.Is(err, unix.EINVAL) { // no O_DIRECT here: nothing was created
		f, err = os.OpenFile(path, flags, 0o640)
	}
	if err != nil {
		return nil, err
	}
	return &outFile{f: f, direct: direct}, nil
}

func (o *outFile) write(b []byte) error {
	if o.direct {
		n, err := o.writeDirect(b)
		if err != nil {
			return err
		}
		b = b[n:]
	}
	if len(b) == 0 {
		return nil
	}
	if _, err := o.f.Write(b); err != nil {
		return err
	}
	o.written += int64(len(b))
	if o.written-o.flushed >= writebackEvery {
		// Best effort: fsync at the end is what makes the file durable.
		_ = unix.SyncFileRange(int(o.f.Fd()), o.flushed, o.written-o.flushed, unix.SYNC_FILE_RANGE_WRITE)
		o.flushed = o.written
	}
	return nil
}

// writeDirect writes the aligned start of b with O_DIRECT and returns how much it wrote; when
// some of b is left (or none of it could go), it turns O_DIRECT off for the rest of the file.
func (o *outFile) writeDirect(b []byte) (int, error) {
	n := 0
	if aligned(b) && o.written%directAlign == 0 {
		n = len(b) &^ (directAlign - 1)
	}
	if n > 0 {
		w, err := o.f.Write(b[:n])
		o.written += int64(w)
		o.flushed = o.written // on the disk already, short of its cache
		if errors.Is(err, unix.EINVAL) {
			// The file system wants a larger block: the rest goes buffered.
			return w, o.buffered()
		}
		if err != nil {
			return w, err
		}
	}
	if n < len(b) {
		if err := o.buffered(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// buffered turns O_DIRECT off: the file's further writes go through the page cache.
func (o *outFile) buffered() error {
	fd := int(o.f.Fd())
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err == nil {
		_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, fl&^unix.O_DIRECT)
	}
	if err != nil {
		return fmt.Errorf("turn O_DIRECT off for %s: %w", o.f.Name(), err)
	}
	o.direct = false
	return nil
}

// alignedBuffer is a buffer of n bytes whose start suits O_DIRECT.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+directAlign)
	skip := int(-uintptr(unsafe.Pointer(&b[0])) % directAlign)
	return b[skip : skip+n : skip+n]
}

func aligned(b []byte) bool {
	return len(b) > 0 && uintptr(unsafe.Pointer(&b[0]))%directAlign == 0
}

// finish makes the file durable and closes it.
func (o *outFile) finish() error {
	err := o.f.Sync()
	if closeErr := o.f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", o.f.Name(), err)
	}
	return nil
}

// syncer finishes files in the background while the stream goes on, one at a time.
type syncer struct {
	files chan *outFile
	done  sync.WaitGroup
	err   error // the first error, read after done
}

func newSyncer() *syncer {
	s := &syncer{files: make(chan *outFile, 1024)}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		for f := range s.files {
			if err := f.finish(); err != nil && s.err == nil {
				s.err = err
			}
		}
	}()
	return s
}

func (s *syncer) add(f *outFile) { s.files <- f }

// wait finishes every file added and returns the first error.
func (s *syncer) wait() error {
	close(s.files)
	s.done.Wait()
	return s.err
}
