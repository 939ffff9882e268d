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

package node

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

type logOptions struct {
	follow, previous bool
	tail             int // lines; <0 means all
	limit            int64
}

func (n *Node) serveLogs(rw http.ResponseWriter, r *http.Request) {
	_, c, err := n.lookup(r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container"))
	if err != nil {
		http.Error(rw, err.Error(), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	opts := logOptions{follow: q.Get("follow") == "true", previous: q.Get("previous") == "true", tail: -1}
	if t, err := strconv.Atoi(q.Get("tailLines")); err == nil {
		opts.tail = t
	}
	if l, err := strconv.ParseInt(q.Get("limitBytes"), 10, 64); err == nil {
		opts.limit = l
	}
	rw.Header().Set("Content-Type", "text/plain")
	out := io.Writer(rw)
	if opts.limit > 0 {
		out = &limitWriter{w: rw, n: opts.limit}
	}
	if err := c.followLog(r.Context(), flushWriter{out, rw}, opts); err != nil {
		http.Error(rw, err.Error(), http.StatusNotFound)
	}
}

// followLog writes the container's log (the previous run's with previous),
// its last tail lines, then with follow the new output until the run ends.
func (c *ctr) followLog(ctx context.Context, out io.Writer, o logOptions) error {
	c.w.mu.Lock()
	run, exited := int(c.restarts), c.exited
	if c.state.Running == nil {
		exited = nil
	}
	c.w.mu.Unlock()
	if o.previous {
		run, exited, o.follow = run-1, nil, false
	}
	path := filepath.Join(c.w.dir, "logs", c.spec.Name, strconv.Itoa(run)+".log")
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("no log for container %s run %d: %w", c.spec.Name, run, err)
	}
	defer func() { _ = f.Close() }()
	if err := writeTail(f, out, o.tail); err != nil || !o.follow || exited == nil {
		return err
	}
	for {
		if _, err := io.Copy(out, f); err != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-exited:
			_, _ = io.Copy(out, f)
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// writeTail copies the last n lines of f (all with n < 0), leaving f at EOF.
func writeTail(f *os.File, out io.Writer, n int) error {
	if n < 0 {
		_, err := io.Copy(out, f)
		return err
	}
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		lines = append(lines, append(bytes.Clone(sc.Bytes()), '\n'))
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	for _, l := range lines {
		if _, err := out.Write(l); err != nil {
			return err
		}
	}
	return sc.Err()
}

type flushWriter struct {
	w  io.Writer
	rw http.ResponseWriter
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if fl, ok := f.rw.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}

type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.w.Write(p)
	l.n -= int64(n)
	return n, err
}
