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

package csi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Filesystem is the btrfs filesystem that holds every volume and snapshot:
// a sparse image file loop-mounted at Dir. It outlives localkube restarts, so
// volumes keep their data like the hostpath provisioner's directories do.
type Filesystem struct {
	// Image is the backing file, created sparse with Size bytes when missing.
	Image string
	Dir   string
	Size  int64
}

func (f Filesystem) volumes() string   { return filepath.Join(f.Dir, "volumes") }
func (f Filesystem) snapshots() string { return filepath.Join(f.Dir, "snapshots") }

// Mount formats the image on first use and mounts it, unless it is mounted
// already (a supervisor that died without unmounting).
func (f Filesystem) Mount(ctx context.Context) error {
	for _, tool := range []string{"mkfs.btrfs", "btrfs", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("localkube storage needs %s (Debian package btrfs-progs; hack/install-deps.sh installs it): %w", tool, err)
		}
	}
	mounted, err := isMountPoint(f.Dir)
	if err != nil || mounted {
		return err
	}
	if err := f.format(ctx); err != nil {
		return err
	}
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return err
	}
	// discard punches freed blocks out of the sparse image, so deleted
	// volumes give their disk space back.
	if err := run(ctx, "mount", "-o", "loop,discard,noatime", f.Image, f.Dir); err != nil {
		return fmt.Errorf("mounting %s (needs loop devices and btrfs in the kernel): %w", f.Image, err)
	}
	for _, d := range []string{f.volumes(), f.snapshots()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func (f Filesystem) format(ctx context.Context) error {
	if _, err := os.Stat(f.Image); err == nil {
		return nil
	}
	tmp := f.Image + ".new"
	file, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = errors.Join(file.Truncate(f.Size), file.Close())
	if err == nil {
		err = run(ctx, "mkfs.btrfs", "-q", tmp)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("formatting %s: %w", f.Image, err)
	}
	return os.Rename(tmp, f.Image)
}

// Unmount unmounts the filesystem; the loop device goes with it.
func (f Filesystem) Unmount(ctx context.Context) error {
	mounted, err := isMountPoint(f.Dir)
	if err != nil || !mounted {
		return err
	}
	return run(ctx, "umount", f.Dir)
}

// isMountPoint reports whether dir is a mount point in this mount namespace.
func isMountPoint(dir string) (bool, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false, err
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Field 5 is the mount point, with spaces escaped as \040.
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.ReplaceAll(fields[4], `\040`, " ") == abs {
			return true, nil
		}
	}
	return false, sc.Err()
}

func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
