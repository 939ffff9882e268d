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

package instance

import (
	"io"
	"os"
	"os/exec"

	"golang.org/x/sys/unix"
)

// streamBuffer is the size of the buffers a donor's backup stream goes through: the pipe from
// mariadb-backup, the copy into the response, and the receiver's HTTP reads. With the defaults
// (64 KiB pipe, 32 KiB copies, 4 KiB HTTP reads) every stage waited on the next more often.
const streamBuffer = 1 << 20

// bigPipe is os.Pipe with streamBuffer of room (best effort: the kernel may cap it, at
// /proc/sys/fs/pipe-max-size for an unprivileged process).
func bigPipe() (r, w *os.File, err error) {
	r, w, err = os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	_, _ = unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, streamBuffer)
	return r, w, nil
}

// startPiped starts cmd with its standard output on a bigPipe and returns the read end, which
// the caller closes; the tool's exit ends the reading.
func startPiped(cmd *exec.Cmd) (*os.File, error) {
	out, pw, err := bigPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = pw
	err = cmd.Start()
	pw.Close() // the tool holds the write end now
	if err != nil {
		out.Close()
		return nil, err
	}
	return out, nil
}

// readAhead is how many bytes copyStream may read from its source ahead of its writes: more
// than one of mariadb-backup's 10 MiB chunks, so that the tool's write of a chunk returns at
// once and its next (synchronous, O_DIRECT) read of the datadir overlaps the sending of the last.
// With only the pipe's room between them, the tool's reads and the network took turns.
const readAhead = 24 << 20

// copyStream copies src to dst through streamBuffer-sized buffers, reading up to readAhead bytes
// ahead of the writes in a goroutine of its own. On a write error it returns at once; the reading
// goroutine then ends at src's next error or EOF (the caller closes src, or stops its writer).
func copyStream(dst io.Writer, src io.Reader) (int64, error) {
	full, free := make(chan []byte, readAhead/streamBuffer), make(chan []byte, readAhead/streamBuffer)
	quit := make(chan struct{})
	defer close(quit)
	var readErr error
	go func() {
		defer close(full)
		readErr = readInto(full, free, quit, src)
	}()
	var n int64
	for b := range full {
		w, err := dst.Write(b)
		n += int64(w)
		if err != nil {
			return n, err
		}
		select {
		case free <- b[:cap(b)]:
		default: // the reader has stopped: no one takes it
		}
	}
	if readErr == io.EOF {
		readErr = nil
	}
	return n, readErr
}

// readInto reads src into buffers (recycled from free, or new) and sends each filled one to
// full, until src ends or quit closes.
func readInto(full chan<- []byte, free <-chan []byte, quit <-chan struct{}, src io.Reader) error {
	for {
		var b []byte
		select {
		case b = <-free:
		default:
			b = make([]byte, streamBuffer)
		}
		n, err := src.Read(b) // what the pipe holds: a slow trickle is passed on as it comes
		if n > 0 {
			select {
			case full <- b[:n]:
			case <-quit:
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
}
