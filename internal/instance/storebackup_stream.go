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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// gzipLevel trades size for speed: the backup must keep up with the disk on one core, and
// InnoDB pages compress well even at the fastest level.
const gzipLevel = gzip.BestSpeed

// streamed is what streamToStore learnt about the object it wrote.
type streamed struct {
	size   int64
	sha256 string
	// position is the backup's GTID position, point the time mariadb-backup reported it (just
	// after it released the commit lock: nothing committed later is in the backup).
	position string
	point    time.Time
}

// streamToStore runs mariadb-backup and streams its xbstream, gzip-compressed, into key through
// a pipe: nothing is staged on disk, and memory is bounded by the store client's part size. The
// byte count and SHA-256 are of the compressed object, as stored.
func (a *Agent) streamToStore(ctx context.Context, b *objstore.Bucket, key string, n *atomic.Int64) (streamed, error) {
	work, err := os.MkdirTemp(a.Paths.TmpDir, "ordinal-store-backup-")
	if err != nil {
		return streamed{}, err
	}
	defer os.RemoveAll(work)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.Tools.Backup, a.backupArgs(work)...)
	tail, pos := &tailWriter{}, &positionLine{}
	cmd.Stderr = io.MultiWriter(a.Tools.output(), tail, pos)
	out, err := startPiped(cmd)
	if err != nil {
		return streamed{}, fmt.Errorf("start mariadb-backup: %w", err)
	}
	defer out.Close()
	up := startUpload(ctx, b, key)
	sum := sha256.New()
	copyErr := compress(io.MultiWriter(up.pw, sum, counter{n}), out)
	if copyErr != nil {
		cancel() // the store or the pipe failed: stop reading the datadir
	}
	abort := backupOutcome(cmd.Wait(), copyErr, pos, tail)
	size, err := up.finish(abort)
	if err != nil {
		return streamed{}, err
	}
	position, point, _ := pos.get()
	return streamed{size: size, sha256: hex.EncodeToString(sum.Sum(nil)), position: position, point: point}, nil
}

// backupArgs are mariadb-backup's for a peer's /backup and a store backup alike: the member
// config, root over the socket, an xbstream on standard output.
func (a *Agent) backupArgs(work string) []string {
	return []string{"--defaults-file=" + a.Paths.MemberConfig(), "--backup", "--stream=xbstream",
		"--user=" + mysql.AccountRoot, "--password=" + a.Env.RootPassword, "--socket=" + a.Paths.Socket(),
		"--target-dir=" + work}
}

// compress gzips src into dst, reading ahead of the compression (see copyStream).
func compress(dst io.Writer, src io.Reader) error {
	zw, err := gzip.NewWriterLevel(dst, gzipLevel)
	if err != nil {
		return err
	}
	if _, err := copyStream(zw, src); err != nil {
		return err
	}
	return zw.Close()
}

// backupOutcome is why the upload must be abandoned, nil when the stream is complete: the tool
// succeeded, every byte went into the pipe and the backup's position was reported.
func backupOutcome(waitErr, copyErr error, pos *positionLine, tail *tailWriter) error {
	if waitErr != nil {
		return fmt.Errorf("mariadb-backup: %w%s", waitErr, tail.suffix())
	}
	if copyErr != nil {
		return fmt.Errorf("stream the backup: %w", copyErr)
	}
	if _, _, err := pos.get(); err != nil {
		return err
	}
	return nil
}

// upload is one Put fed through a pipe.
type upload struct {
	pw     *io.PipeWriter
	src    *abortAware
	result chan putResult
}

type putResult struct {
	size int64
	err  error
}

func startUpload(ctx context.Context, b *objstore.Bucket, key string) *upload {
	pr, pw := io.Pipe()
	u := &upload{pw: pw, src: &abortAware{r: pr}, result: make(chan putResult, 1)}
	go func() {
		size, err := b.Put(ctx, key, u.src)
		pr.CloseWithError(cmpErr(err, io.ErrClosedPipe)) // the writer stops at once
		u.result <- putResult{size, err}
	}()
	return u
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// finish ends the stream: complete when abort is nil, else the upload fails (an incomplete
// multipart upload is abandoned: without a manifest the object is never used). A store failure
// that came first is the one reported: the tool's failure was only its consequence.
func (u *upload) finish(abort error) (int64, error) {
	if abort != nil {
		u.pw.CloseWithError(abort)
	} else {
		u.pw.Close()
	}
	res := <-u.result
	switch {
	case res.err != nil && !u.src.aborted.Load():
		return 0, asStoreError(res.err)
	case abort != nil:
		return 0, abort
	case res.err != nil:
		return 0, asStoreError(res.err)
	}
	return res.size, nil
}

// abortAware notes that the reader saw the writer's abort, to tell a failure of the store from
// one of the backup.
type abortAware struct {
	r       io.Reader
	aborted atomic.Bool
}

func (r *abortAware) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.aborted.Store(true)
	}
	return n, err
}

// counter adds the bytes written through it to n (the job's live progress).
type counter struct{ n *atomic.Int64 }

func (c counter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// positionRE is mariadb-backup's report of the backup point (seen on 10.11):
// "MySQL binlog position: filename 'binlog.000001', position '849', GTID of the last change '0-7-3'"
// (” before the first transaction, several GTIDs with several domains).
var positionRE = regexp.MustCompile(`GTID of the last change '([^']*)'`)

// positionLine watches mariadb-backup's output for the backup point.
type positionLine struct {
	mu       sync.Mutex
	partial  []byte
	found    bool
	position string
	at       time.Time
}

func (p *positionLine) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		if m := positionRE.FindSubmatch(p.partial[:i]); m != nil && !p.found {
			p.found, p.position, p.at = true, string(m[1]), time.Now()
		}
		p.partial = p.partial[i+1:]
	}
	if len(p.partial) > tailSize { // a runaway line: nothing of interest is that long
		p.partial = p.partial[len(p.partial)-tailSize:]
	}
	return len(b), nil
}

// get returns the position; an error when mariadb-backup reported none (its binary log is off, or
// its output changed) or an invalid one: a backup without a position cannot be restored.
func (p *positionLine) get() (string, time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.found {
		return "", time.Time{}, errors.New("mariadb-backup reported no binary log position " +
			"(\"GTID of the last change\"): is the binary log on?")
	}
	if _, err := gtid.ParseMariaDB(p.position); err != nil {
		return "", time.Time{}, fmt.Errorf("mariadb-backup's binary log position: %w", err)
	}
	return p.position, p.at, nil
}
