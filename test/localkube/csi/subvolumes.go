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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// snapshotInfo is what CreateSnapshot must answer again for a snapshot that
// exists already; it is kept beside the snapshot as <id>.json.
type snapshotInfo struct {
	Source  string    `json:"source"`
	Created time.Time `json:"created"`
	Size    int64     `json:"size"`
}

func (f Filesystem) volumePath(id string) string   { return filepath.Join(f.volumes(), id) }
func (f Filesystem) snapshotPath(id string) string { return filepath.Join(f.snapshots(), id) }

// createVolume makes volume id: empty, or a writable snapshot of the
// subvolume at from. It is built under a temporary name and renamed, so a
// volume that exists is complete and a repeated call returns at once.
func (f Filesystem) createVolume(ctx context.Context, id, from string) error {
	dst := f.volumePath(id)
	if exists(dst) {
		return nil
	}
	tmp := filepath.Join(f.volumes(), ".new-"+id)
	if err := deleteSubvolume(ctx, tmp); err != nil {
		return err
	}
	var err error
	if from == "" {
		err = run(ctx, "btrfs", "subvolume", "create", tmp)
	} else {
		err = run(ctx, "btrfs", "subvolume", "snapshot", from, tmp)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// createSnapshot takes a read-only snapshot of volume source: btrfs takes it
// atomically, so it holds the volume as one instant, as a crash would leave it.
func (f Filesystem) createSnapshot(ctx context.Context, id, source string) (snapshotInfo, error) {
	if info, err := f.snapshotInfo(id); err == nil {
		if info.Source != source {
			return info, fmt.Errorf("%w: snapshot %s exists for volume %s, not %s", errConflict, id, info.Source, source)
		}
		return info, nil
	}
	src := f.volumePath(source)
	if !exists(src) {
		return snapshotInfo{}, fmt.Errorf("%w: volume %s", errNotFound, source)
	}
	dst := f.snapshotPath(id)
	if err := deleteSubvolume(ctx, dst); err != nil {
		return snapshotInfo{}, err
	}
	created := time.Now()
	if err := run(ctx, "btrfs", "subvolume", "snapshot", "-r", src, dst); err != nil {
		return snapshotInfo{}, err
	}
	size, err := treeSize(dst)
	if err != nil {
		return snapshotInfo{}, err
	}
	info := snapshotInfo{Source: source, Created: created, Size: size}
	b, _ := json.Marshal(info)
	// The record is written last: a snapshot without one is retaken.
	return info, writeFileAtomic(dst+".json", b)
}

func (f Filesystem) snapshotInfo(id string) (snapshotInfo, error) {
	var info snapshotInfo
	b, err := os.ReadFile(f.snapshotPath(id) + ".json")
	if err != nil {
		return info, err
	}
	return info, json.Unmarshal(b, &info)
}

func (f Filesystem) deleteVolume(ctx context.Context, id string) error {
	return deleteSubvolume(ctx, f.volumePath(id))
}

func (f Filesystem) deleteSnapshot(ctx context.Context, id string) error {
	if err := os.Remove(f.snapshotPath(id) + ".json"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return deleteSubvolume(ctx, f.snapshotPath(id))
}

func deleteSubvolume(ctx context.Context, path string) error {
	if !exists(path) {
		return nil
	}
	return run(ctx, "btrfs", "subvolume", "delete", path)
}

func treeSize(dir string) (int64, error) {
	var size int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			size += info.Size()
		}
		return err
	})
	return size, err
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

var (
	errNotFound = errors.New("not found")
	errConflict = errors.New("already exists")
)
