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
	"io"
	"sync"
)

// inFlight is how many payload chunks the reader may hold ahead of the writes (each at most
// 10 MiB from mariadb-backup): enough that the network is read while a chunk is written.
const inFlight = 3

// piece is a chunk to write: an EOF chunk, or a payload chunk and its checked bytes.
type piece struct {
	c    chunk
	buf  []byte
	free chan<- []byte
}

// recycle hands the piece's buffer back to the reader.
func (p piece) recycle() {
	select {
	case p.free <- p.buf[:0]:
	default:
	}
}

// readAhead reads chunks in a goroutine of its own and hands them to the writer.
type readAhead struct {
	pieces chan piece
	free   chan []byte
	quit   chan struct{}
	done   sync.WaitGroup
	err    error // read after done
}

func startReading(r *reader) *readAhead {
	a := &readAhead{pieces: make(chan piece, inFlight), free: make(chan []byte, inFlight+2), quit: make(chan struct{})}
	a.done.Add(1)
	go func() {
		defer a.done.Done()
		defer close(a.pieces)
		a.err = a.run(r)
	}()
	return a
}

func (a *readAhead) run(r *reader) error {
	for {
		c, err := r.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p := piece{c: c, free: a.free}
		switch {
		case c.typ == typePayload:
			if p.buf, err = r.payload(c, a.buffer()); err != nil {
				return err
			}
		case c.typ == typeEOF:
		default: // an ignorable chunk of a type this reader does not know (next refused the others)
			if err := r.skip(c); err != nil {
				return err
			}
			continue
		}
		select {
		case a.pieces <- p:
		case <-a.quit:
			return nil
		}
	}
}

// buffer is a recycled buffer, or nil (payload allocates one).
func (a *readAhead) buffer() []byte {
	select {
	case b := <-a.free:
		return b
	default:
		return nil
	}
}

// stop ends the reading (at the next chunk, when the writer stopped early) and returns its error.
func (a *readAhead) stop() error {
	close(a.quit)
	for range a.pieces { // unblock a send under way
	}
	a.done.Wait()
	return a.err
}
