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
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Names inside the datadir.
const (
	// SeedMarkerName asks init to re-create the datadir from a donor (written by the agent's /seed).
	SeedMarkerName = ".ordinal-seed"
	// stagingName is where init builds a fresh datadir before moving it into place.
	stagingName = ".ordinal-staging"
	// systemDir exists in every initialised datadir; it is moved into place last, so its presence
	// means "this datadir holds a complete server".
	systemDir = "mysql"
	// lostFound is the file system's own directory on a freshly formatted volume: never removed.
	lostFound = "lost+found"
)

// SeedMarker is the content of the seed marker file.
type SeedMarker struct {
	// Donor is host:port of the donor member's agent.
	Donor string `json:"donor"`
	// Requested is when the agent wrote the marker.
	Requested time.Time `json:"requested"`
	// KeepAside, when set, is why the member's binary logs must be kept before the wipe (e.g.
	// "errant: 0-101-57"): init moves them under QuarantineDirName with a manifest.
	KeepAside string `json:"keepAside,omitempty"`
	// GTIDBinlogState is the member's gtid_binlog_state when the seed was requested: nil when its
	// server did not answer, "" for a server without transactions. Init uses it to recognise a
	// stale marker (staleMarker).
	GTIDBinlogState *string `json:"gtidBinlogState,omitempty"`
	// DonorTLS is the seed request's: whether the donor's agent serves HTTPS; nil when the
	// request did not say (see fetchBackup).
	DonorTLS *bool `json:"donorTLS,omitempty"`
}

// maxKeepAside bounds the reason text (it ends up in a manifest, status and an event).
const maxKeepAside = 1024

// validateKeepAside accepts printable text of bounded length.
func validateKeepAside(s string) error {
	if len(s) > maxKeepAside {
		return fmt.Errorf("keepAside: longer than %d bytes", maxKeepAside)
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return errors.New("keepAside: control characters")
	}
	return nil
}

// validateDonor accepts host:port with a plain host name or IP and a port in 1..65535.
func validateDonor(donor string) error {
	host, port, err := net.SplitHostPort(donor)
	if err != nil {
		return fmt.Errorf("donor %q is not host:port: %w", donor, err)
	}
	if host == "" || strings.ContainsAny(host, "/@?#% \t\r\n") {
		return fmt.Errorf("donor %q: bad host", donor)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("donor %q: bad port", donor)
	}
	return nil
}

// readMarker returns the seed marker, and false when there is none.
func readMarker(path string) (SeedMarker, bool, error) {
	var m SeedMarker
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("read seed marker: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, false, fmt.Errorf("seed marker %s: %w", path, err)
	}
	if err := errors.Join(validateDonor(m.Donor), validateKeepAside(m.KeepAside)); err != nil {
		return m, false, fmt.Errorf("seed marker %s: %w", path, err)
	}
	return m, true, nil
}

// writeMarker writes the seed marker atomically and durably: a temporary file, fsync, rename,
// fsync of the directory. A crash leaves either no marker or a complete one.
func writeMarker(path string, m SeedMarker) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'), 0o640)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return syncDir(filepath.Dir(path))
}

// removeDurably removes a file and makes the removal durable.
func removeDurably(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// hasServer reports whether dir holds an initialised server.
func hasServer(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, systemDir))
	return err == nil && fi.IsDir()
}

// wipe removes everything in dir except lost+found, what was kept aside (QuarantineDirName: only
// a person deletes it) and the names in keep.
func wipe(dir string, keep ...string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("wipe %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.Name() == lostFound || e.Name() == QuarantineDirName || slices.Contains(keep, e.Name()) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("wipe %s: %w", dir, err)
		}
	}
	return syncDir(dir)
}

// moveUp moves every entry of from into to, the system directory last (the commit point: a crash
// before it leaves a datadir without one, which the next init wipes and rebuilds), then removes from.
func moveUp(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return fmt.Errorf("move %s into place: %w", from, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Name() != systemDir {
			names = append(names, e.Name())
		}
	}
	if len(names) == len(entries) {
		return fmt.Errorf("move %s into place: it has no %s directory", from, systemDir)
	}
	for _, group := range [][]string{names, {systemDir}} {
		for _, n := range group {
			if err := os.Rename(filepath.Join(from, n), filepath.Join(to, n)); err != nil {
				return fmt.Errorf("move %s into place: %w", n, err)
			}
		}
		if err := syncDir(to); err != nil {
			return err
		}
	}
	return os.Remove(from)
}
