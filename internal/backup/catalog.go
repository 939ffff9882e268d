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

package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// Catalog is what reads a store's manifests: an objstore.Bucket.
type Catalog interface {
	List(ctx context.Context, prefix string) ([]objstore.Object, error)
	GetBytes(ctx context.Context, key string) ([]byte, error)
}

// Through marks how far the archive is complete: the primary writes it when it has archived
// every transaction it holds, so a time target after the last write (an idle primary closes no
// file) is still known to be covered.
type Through struct {
	Member string `json:"member"`
	// State is the primary's GTID state then; Time is when it was read: every transaction
	// committed before Time is in State, and State is archived.
	State string    `json:"state"`
	Time  time.Time `json:"time"`
}

// ThroughKey is where the completeness mark lies under a cluster's prefix.
const ThroughKey = "archived-through.json"

// ReadArchive reads the store's catalog; the binary logs and the completeness mark only when
// withBinlogs (a target past a backup).
func ReadArchive(ctx context.Context, s Catalog, withBinlogs bool) (Archive, error) {
	var a Archive
	var err error
	if a.Backups, err = ListBackups(ctx, s); err != nil || !withBinlogs {
		return a, err
	}
	if a.Binlogs, err = ListBinlogs(ctx, s); err != nil {
		return a, err
	}
	b, err := s.GetBytes(ctx, ThroughKey)
	if errors.Is(err, objstore.ErrNotFound) {
		return a, nil
	}
	if err != nil {
		return a, fmt.Errorf("read %s: %w", ThroughKey, err)
	}
	var t Through
	if err := json.Unmarshal(b, &t); err != nil {
		return a, fmt.Errorf("read %s: %w", ThroughKey, err)
	}
	a.Through = &t
	return a, nil
}

// PlanFromStore reads what the store holds and plans the restore of t.
func PlanFromStore(ctx context.Context, s Catalog, t Target) (Plan, error) {
	a, err := ReadArchive(ctx, s, t.Time != nil || t.GTID != "" || t.Latest)
	if err != nil {
		return Plan{}, err
	}
	return a.Plan(t)
}

// ListBackups reads the manifests of the complete backups in the store.
func ListBackups(ctx context.Context, s Catalog) ([]Manifest, error) {
	objs, err := s.List(ctx, BaseDir)
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	var out []Manifest
	for _, o := range objs {
		if _, ok := BackupOfManifestKey(o.Key); !ok {
			continue
		}
		b, err := s.GetBytes(ctx, o.Key)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", o.Key, err)
		}
		m, err := ParseManifest(b)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", o.Key, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// ListBinlogs reads the manifests of the archived binary logs, in archive order. A file whose
// manifest is missing (its upload was cut short) is not listed: it was never complete.
func ListBinlogs(ctx context.Context, s Catalog) ([]BinlogFile, error) {
	objs, err := s.List(ctx, BinlogDir)
	if err != nil {
		return nil, fmt.Errorf("list archived binary logs: %w", err)
	}
	var out []BinlogFile
	for _, o := range objs {
		if !IsBinlogManifestKey(o.Key) {
			continue
		}
		b, err := s.GetBytes(ctx, o.Key)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", o.Key, err)
		}
		f, err := ParseBinlogFile(b)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", o.Key, err)
		}
		if f.Key != strings.TrimSuffix(o.Key, ManifestSuffix) {
			return nil, fmt.Errorf("read %s: it describes %s", o.Key, f.Key)
		}
		out = append(out, f)
	}
	return out, nil
}
