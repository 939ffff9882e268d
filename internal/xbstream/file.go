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
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// writebackEvery is how many bytes a file collects before Unpack asks the kernel to start
// writing them out: the stream then runs at most at the disk's rate instead of filling the page
// cache and waiting for all of it at the end.
const writebackEvery = 8 << 20

// outFile is a file being unpacked.
type outFile struct {
	f       *os.File
	written int64
	flushed int64 // bytes whose writeback has been started
}

func (o *outFile) write(b []byte) error {
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
