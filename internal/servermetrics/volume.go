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

package servermetrics

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DatadirRefresh: the datadir's size comes from walking it, too slow for every scrape of a large
// datadir, so a walk starts at most this often and scrapes report the last result.
const DatadirRefresh = time.Minute

// walkLimit bounds one walk; a walk that takes longer is abandoned and the last result stays.
const walkLimit = 2 * time.Minute

// volume reports the datadir volume: its size and free space (statfs, cheap) and the bytes the
// datadir occupies (a cached walk).
type volume struct {
	dir       string
	maxAge    time.Duration
	walkLimit time.Duration

	mu      sync.Mutex
	bytes   int64
	at      time.Time     // when the last walk that completed started; zero before the first
	walking chan struct{} // closed when the running walk ends; nil when none runs
}

func (v *volume) metrics(ctx context.Context) []prometheus.Metric {
	var out []prometheus.Metric
	var st syscall.Statfs_t
	if err := syscall.Statfs(v.dir, &st); err == nil {
		out = append(out,
			gauge("ordinal_volume_capacity_bytes", "Size of the datadir volume.", float64(st.Blocks)*float64(st.Bsize)),
			gauge("ordinal_volume_available_bytes", "Bytes of the datadir volume available to the server.", float64(st.Bavail)*float64(st.Bsize)))
	}
	if b, ok := v.datadirBytes(ctx); ok {
		out = append(out, gauge("ordinal_datadir_bytes", "Bytes the datadir's files occupy on the volume (like du), refreshed every minute at most.", float64(b)))
	}
	return out
}

// datadirBytes returns the last walk's result, starting a walk when it is older than maxAge.
// Before the first result it waits for the walk until ctx ends.
func (v *volume) datadirBytes(ctx context.Context) (int64, bool) {
	v.mu.Lock()
	if v.walking == nil && (v.at.IsZero() || time.Since(v.at) >= v.maxAge) {
		v.walking = make(chan struct{})
		go v.walk(v.walking)
	}
	walking, have := v.walking, !v.at.IsZero()
	v.mu.Unlock()
	if !have && walking != nil {
		select {
		case <-walking:
		case <-ctx.Done():
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.bytes, !v.at.IsZero()
}

func (v *volume) walk(done chan struct{}) {
	start := time.Now()
	n, ok := diskUsage(v.dir, start.Add(v.walkLimit))
	v.mu.Lock()
	defer v.mu.Unlock()
	if ok {
		v.bytes, v.at = n, start
	}
	v.walking = nil
	close(done)
}

// diskUsage sums the allocated size of the files under dir. Entries that vanish during the walk
// (temporary tables, rotated logs) are skipped; false when the walk passes the deadline or dir
// cannot be read.
func diskUsage(dir string, deadline time.Time) (int64, bool) {
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return err
			}
			return nil
		}
		if time.Now().After(deadline) {
			return errWalkTooLong
		}
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512
			}
		}
		return nil
	})
	return total, err == nil
}

var errWalkTooLong = errors.New("datadir walk took too long")
