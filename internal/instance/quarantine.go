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
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// QuarantineDirName holds what a re-seed kept aside, one directory per seed, on the data volume.
// The volume is the datadir itself (docs/pod.md), so it cannot be a sibling of the datadir. A
// directory in the datadir is listed as a database by MariaDB (measured on 10.11: SHOW DATABASES
// lists it as `#mysql50#.ordinal-quarantine`) unless the server runs with
// ignore_db_dirs=.ordinal-quarantine, but mariadb-backup --backup --stream does not copy it (it
// copies files by known table-file extensions, and a binary log or JSON file has none), so a
// member seeded from this one never receives it. Init's wipes skip it. Nothing deletes it but a
// person.
const QuarantineDirName = ".ordinal-quarantine"

// manifestName is written last into a kept-aside directory: without it the directory is
// incomplete (init crashed while moving files; the next seed attempt completes it).
const manifestName = "manifest.json"

// binlogBase is the binary log's base name in the datadir: log_bin is an owned key rendered as
// <datadir>/binlog by internal/mycnf (a test checks they agree). Its files are binlog.NNNNNN,
// the index binlog.index and MariaDB's binlog.state.
const binlogBase = "binlog"

// QuarantineManifest describes one kept-aside directory.
type QuarantineManifest struct {
	// Time is when init kept the files aside.
	Time time.Time `json:"time"`
	// Member is the pod name.
	Member string `json:"member"`
	// Reason is the seed request's keepAside text, e.g. "errant: 0-101-57".
	Reason string `json:"reason"`
	// Donor is the agent the member was re-seeded from.
	Donor string `json:"donor"`
	// Requested is when the seed was requested.
	Requested time.Time `json:"requested"`
	// GTIDBinlogState is the member's gtid_binlog_state when the seed was requested, if its
	// server answered then.
	GTIDBinlogState *string `json:"gtidBinlogState,omitempty"`
	// Files are the names kept, relative to the directory.
	Files []string `json:"files"`
}

// QuarantineEntry is one kept-aside directory as GET /quarantine reports it.
type QuarantineEntry struct {
	// Name is the directory's name under QuarantineDirName.
	Name string `json:"name"`
	// Path is its absolute path in the pod.
	Path string `json:"path"`
	// Bytes is the size of its files.
	Bytes int64 `json:"bytes"`
	// Manifest is nil for an incomplete directory (an interrupted seed).
	Manifest *QuarantineManifest `json:"manifest,omitempty"`
}

// keptName names the directory after the seed request, so an interrupted seed that is retried
// completes the same directory instead of starting a second one.
func keptName(m SeedMarker) string {
	return "seed-" + m.Requested.UTC().Format("20060102T150405.000000000Z")
}

// keepAside moves every binary log file and the index out of the datadir into a new directory
// under QuarantineDirName and writes its manifest last. A directory that already has a manifest
// was completed by an earlier attempt of the same seed: the binary logs now in the datadir are
// then the seed's own, and are left to the wipe.
func keepAside(dataDir, member string, m SeedMarker, now time.Time) (string, error) {
	dir := filepath.Join(dataDir, QuarantineDirName, keptName(m))
	if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("keep aside: %w", err)
	}
	names, err := binlogFiles(dataDir)
	if err != nil {
		return "", err
	}
	for _, n := range names {
		// Same volume: a rename, atomic and instant whatever the size.
		if err := os.Rename(filepath.Join(dataDir, n), filepath.Join(dir, n)); err != nil {
			return "", fmt.Errorf("keep aside %s: %w", n, err)
		}
	}
	if err := syncDir(dataDir); err != nil {
		return "", err
	}
	kept, err := binlogFiles(dir) // also those an interrupted attempt moved
	if err != nil {
		return "", err
	}
	man := QuarantineManifest{Time: now.UTC(), Member: member, Reason: m.KeepAside, Donor: m.Donor,
		Requested: m.Requested, GTIDBinlogState: m.GTIDBinlogState, Files: kept}
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(filepath.Join(dir, manifestName), append(b, '\n'), 0o640); err != nil {
		return "", fmt.Errorf("keep aside: %w", err)
	}
	return dir, syncDir(filepath.Dir(dir))
}

// binlogFiles lists the binary log's files in dir (binlog.*), sorted.
func binlogFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list binary logs: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), binlogBase+".") &&
			!strings.HasSuffix(e.Name(), ".tmp") {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

// listQuarantine returns the kept-aside directories, oldest first; none when nothing was kept.
func listQuarantine(dataDir string) ([]QuarantineEntry, error) {
	root := filepath.Join(dataDir, QuarantineDirName)
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return []QuarantineEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	out := []QuarantineEntry{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		q, err := readEntry(filepath.Join(root, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

func readEntry(dir string) (QuarantineEntry, error) {
	q := QuarantineEntry{Name: filepath.Base(dir), Path: dir}
	files, err := os.ReadDir(dir)
	if err != nil {
		return q, fmt.Errorf("list %s: %w", dir, err)
	}
	for _, f := range files {
		if fi, err := f.Info(); err == nil && fi.Mode().IsRegular() {
			q.Bytes += fi.Size()
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return q, nil
	}
	if err != nil {
		return q, fmt.Errorf("read manifest: %w", err)
	}
	var m QuarantineManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return q, fmt.Errorf("manifest %s: %w", dir, err)
	}
	q.Manifest = &m
	return q, nil
}
