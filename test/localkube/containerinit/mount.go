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

package containerinit

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// mounter makes bind mounts, creating missing mount points without changing
// the host: the deepest existing ancestor gets an overlay whose upper layer
// lives in the scratch directory, and the mount point is created there.
type mounter struct {
	scratch  string
	overlaid map[string]bool
	writable []string // targets of writable volumes: create inside them directly
	n        int
}

// prepare creates the mount points that are not inside another mount's
// target (those are created after that mount, inside the volume).
func (m *mounter) prepare(mounts []Mount) error {
	for _, mnt := range mounts {
		nested := false
		for _, other := range mounts {
			nested = nested || strings.HasPrefix(filepath.Clean(mnt.Target), filepath.Clean(other.Target)+"/")
		}
		if nested {
			continue
		}
		st, err := os.Stat(mnt.Source)
		if err != nil {
			return fmt.Errorf("volume source for %s: %w", mnt.Target, err)
		}
		if err := m.ensure(mnt.Target, st.IsDir()); err != nil {
			return fmt.Errorf("creating mount point %s: %w", mnt.Target, err)
		}
	}
	return nil
}

func (m *mounter) bind(mnt Mount) error {
	st, err := os.Stat(mnt.Source)
	if err != nil {
		return fmt.Errorf("volume source for %s: %w", mnt.Target, err)
	}
	if err := m.ensure(mnt.Target, st.IsDir()); err != nil {
		return fmt.Errorf("creating mount point %s: %w", mnt.Target, err)
	}
	if err := unix.Mount(mnt.Source, mnt.Target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind-mounting %s at %s: %w", mnt.Source, mnt.Target, err)
	}
	if mnt.ReadOnly {
		flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY)
		if err := unix.Mount("", mnt.Target, "", flags, ""); err != nil {
			return fmt.Errorf("making %s read-only: %w", mnt.Target, err)
		}
	} else if st.IsDir() {
		m.writable = append(m.writable, mnt.Target)
	}
	return nil
}

// ensure makes path exist (a directory, or an empty file when dir is false).
func (m *mounter) ensure(path string, dir bool) error {
	path = filepath.Clean(path)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	anc := filepath.Dir(path)
	for anc != "/" {
		if _, err := os.Stat(anc); err == nil {
			break
		}
		anc = filepath.Dir(anc)
	}
	if anc != "/" && !m.insideWritable(anc) && !m.overlaid[anc] {
		if err := m.overlay(anc); err != nil {
			return err
		}
	}
	// With anc == "/" the directory is created on the host: an overlay on /
	// would hide /proc, /dev and every other mount.
	if dir {
		return os.MkdirAll(path, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

func (m *mounter) insideWritable(p string) bool {
	for _, w := range m.writable {
		if p == w || strings.HasPrefix(p, w+"/") {
			return true
		}
	}
	return false
}

func (m *mounter) overlay(dir string) error {
	if m.scratch == "" {
		return fmt.Errorf("%s does not exist and no scratch directory was given", dir)
	}
	m.n++
	base := filepath.Join(m.scratch, strconv.Itoa(m.n))
	upper, work := filepath.Join(base, "upper"), filepath.Join(base, "work")
	for _, d := range []string{upper, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("creating overlay dir: %w", err)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", dir, upper, work)
	if err := unix.Mount("overlay", dir, "overlay", 0, opts); err != nil {
		return fmt.Errorf("overlaying %s to add mount points: %w", dir, err)
	}
	m.overlaid[dir] = true
	m.writable = append(m.writable, dir)
	return nil
}
