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
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/xbstream"
)

// seed re-creates the datadir from the donor named by the marker: wipe (keeping the marker),
// stream the donor's backup into the datadir, prepare it, record its GTID position, and remove
// the marker last, so a crash anywhere before that starts the whole seed again.
func (in *Init) seed(ctx context.Context, m SeedMarker) error {
	ctx, cancel := context.WithTimeout(ctx, in.Timeouts.Seed)
	defer cancel()
	if err := in.keepAsideIfAsked(m); err != nil {
		return err
	}
	if in.Env.Flavor.Name() == mysql.MySQL.Name() {
		return in.cloneSeed(ctx, m)
	}
	if err := wipe(in.Paths.DataDir, SeedMarkerName); err != nil {
		return err
	}
	t0 := time.Now()
	donorState, got, err := in.receive(ctx, m)
	if err != nil {
		return fmt.Errorf("seed from %s: %w", m.Donor, err)
	}
	in.Log.Info("backup received", "donor", m.Donor, "files", got.Files, "bytes", got.Bytes,
		"took", time.Since(t0).Round(time.Millisecond))
	// The member config, not the image's default option files, as for every program init runs.
	t1 := time.Now()
	err = in.Tools.run(ctx, in.Tools.Backup, "--defaults-file="+in.Paths.MemberConfig(), "--prepare",
		"--target-dir="+in.Paths.DataDir)
	if err != nil {
		return fmt.Errorf("seed from %s: prepare: %w", m.Donor, err)
	}
	pos, err := readBackupPosition(in.Paths.DataDir)
	if err != nil {
		return fmt.Errorf("seed from %s: %w", m.Donor, err)
	}
	state, err := seededBinlogState(donorState, pos)
	if err != nil {
		return fmt.Errorf("seed from %s: %w", m.Donor, err)
	}
	t2 := time.Now()
	if err := in.position(ctx, state, pos); err != nil {
		return fmt.Errorf("seed from %s: %w", m.Donor, err)
	}
	if err := removeDurably(in.Paths.SeedMarker()); err != nil {
		return err
	}
	in.Log.Info("datadir seeded", "donor", m.Donor, "gtid_slave_pos", pos, "gtid_binlog_state", state,
		"prepare", t2.Sub(t1).Round(time.Millisecond), "position", time.Since(t2).Round(time.Millisecond))
	return nil
}

// keepAsideIfAsked keeps the binary logs before the wipe when the request said why (errant
// transactions that may be acknowledged writes): see keepAside.
func (in *Init) keepAsideIfAsked(m SeedMarker) error {
	if m.KeepAside == "" {
		return nil
	}
	dir, err := keepAside(in.Paths.DataDir, in.Env.PodName, m, time.Now())
	if err != nil {
		return fmt.Errorf("seed from %s: %w", m.Donor, err)
	}
	in.Log.Warn("kept the binary logs aside before re-seeding; only a person deletes them", "dir", dir,
		"reason", m.KeepAside)
	return nil
}

// position starts a temporary server on the seeded datadir and records which transactions it
// holds; any replication configuration copied from the donor is dropped.
func (in *Init) position(ctx context.Context, state, pos string) error {
	srv, err := in.startServer(ctx, in.Paths.DataDir, in.Env.RootPassword)
	if err != nil {
		return err
	}
	err = srv.client.ResetReplication(ctx)
	if err == nil {
		err = srv.client.SetSeededPosition(ctx, state, pos)
	}
	if stopErr := srv.stop(in.Timeouts.ServerStop); err == nil {
		err = stopErr
	}
	return err
}

// receive unpacks the donor agent's backup stream into the datadir, durably. It returns the
// donor's binary log state as of the start of the backup.
func (in *Init) receive(ctx context.Context, m SeedMarker) (string, xbstream.Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var res xbstream.Result
	resp, err := in.fetchBackup(ctx, m)
	if err != nil {
		return "", res, fmt.Errorf("fetch backup: %w", err)
	}
	defer resp.Body.Close()
	body := &progressReader{r: resp.Body}
	go watchStall(ctx, cancel, body, in.Timeouts.Stall)
	res, err = xbstream.Unpack(body, in.Paths.DataDir)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = fmt.Errorf("%w (%w)", cause, err)
		}
		return "", res, fmt.Errorf("unpack backup after %d bytes: %w", body.n.Load(), err)
	}
	// A truncated stream may end at a clean chunk boundary: only the trailer says
	// the donor's backup tool finished.
	if status := resp.Trailer.Get(agentapi.TrailerBackupStatus); status != agentapi.BackupStatusOK {
		return "", res, fmt.Errorf("donor's backup did not complete (%s %q)", agentapi.TrailerBackupStatus, status)
	}
	return resp.Header.Get(agentapi.HeaderBinlogState), res, nil
}

func (in *Init) httpClient() *http.Client {
	if in.HTTP != nil {
		return in.HTTP
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 2 * time.Minute // the donor answers as soon as its backup tool starts
	t.ReadBufferSize = streamBuffer
	return &http.Client{Transport: t}
}

// progressReader counts the bytes read through it.
type progressReader struct {
	r io.Reader
	n atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n.Add(int64(n))
	return n, err
}

// errStalled is the cause of a transfer cancelled by watchStall.
var errStalled = errors.New("transfer stalled")

// watchStall cancels the transfer when no byte arrives for stall; it returns when ctx ends.
func watchStall(ctx context.Context, cancel context.CancelCauseFunc, p *progressReader, stall time.Duration) {
	tick := time.NewTicker(max(stall/10, 10*time.Millisecond))
	defer tick.Stop()
	last, since := p.n.Load(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if n := p.n.Load(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= stall {
			cancel(fmt.Errorf("%w: no data from the donor for %v", errStalled, stall))
			return
		}
	}
}
