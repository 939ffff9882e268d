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

// copyStream copies src to dst through a streamBuffer-sized buffer. The wrappers hide ReadFrom
// and WriteTo, which would copy through 32 KiB buffers (an HTTP response's ReadFrom does).
func copyStream(dst io.Writer, src io.Reader) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, streamBuffer))
}
