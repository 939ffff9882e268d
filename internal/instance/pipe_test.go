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
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// trickle returns at most a random few KiB per Read, as a pipe fed by a slow writer does.
type trickle struct {
	r   io.Reader
	rnd *rand.Rand
}

func (t *trickle) Read(b []byte) (int, error) {
	return t.r.Read(b[:min(len(b), 1+t.rnd.IntN(64<<10))])
}

// TestCopyStreamCopiesEveryByteInOrder: the read-ahead hands every byte on, in order, whatever
// the sizes of the reads, and returns the source's error other than EOF.
func TestCopyStreamCopiesEveryByteInOrder(t *testing.T) {
	src := make([]byte, 3*readAhead+12345)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range src {
		src[i] = byte(rnd.Uint32())
	}
	var dst bytes.Buffer
	n, err := copyStream(&dst, &trickle{r: bytes.NewReader(src), rnd: rnd})
	if err != nil || n != int64(len(src)) || !bytes.Equal(dst.Bytes(), src) {
		t.Fatalf("copyStream = %d, %v; copied equal: %v", n, err, bytes.Equal(dst.Bytes(), src))
	}
	broken := errors.New("pipe broke")
	n, err = copyStream(io.Discard, io.MultiReader(bytes.NewReader(src[:1000]), errReader{broken}))
	if !errors.Is(err, broken) || n != 1000 {
		t.Fatalf("copyStream of a failing source = %d, %v; want 1000, %v", n, err, broken)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// failingWriter fails its second write.
type failingWriter struct{ writes int }

func (f *failingWriter) Write(b []byte) (int, error) {
	if f.writes++; f.writes > 1 {
		return 0, errors.New("receiver gone")
	}
	return len(b), nil
}

// TestCopyStreamReturnsAtOnceWhenTheReceiverIsGone: a write error ends the copy without waiting
// for the source (the caller then stops the backup tool); the reader ends when the source does.
func TestCopyStreamReturnsAtOnceWhenTheReceiverIsGone(t *testing.T) {
	pr, pw := io.Pipe()
	go func() { _, _ = pw.Write(make([]byte, 2*streamBuffer)) }() // then blocks: the tool still runs
	done := make(chan error, 1)
	go func() {
		_, err := copyStream(&failingWriter{}, pr)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || err.Error() != "receiver gone" {
			t.Fatalf("copyStream = %v, want the write's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("copyStream still waits on its source after the receiver failed")
	}
	_ = pr.Close()
}
