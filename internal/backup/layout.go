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
	"fmt"
	"path"
	"strings"
	"time"
)

// The object names under a cluster's prefix (see the package doc).
const (
	BaseDir      = "base/"
	BinlogDir    = "binlog/"
	DataObject   = "backup.xb.gz"
	ManifestName = "manifest.json"
	// ManifestSuffix follows an archived binary log's key to name its manifest.
	ManifestSuffix = ".json"
)

// DataKey is the key of a base backup's data.
func DataKey(backup string) string { return BaseDir + backup + "/" + DataObject }

// ManifestKey is the key of a base backup's manifest.
func ManifestKey(backup string) string { return BaseDir + backup + "/" + ManifestName }

// BackupOfManifestKey returns the backup a manifest key belongs to, false for any other key.
func BackupOfManifestKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, BaseDir)
	if !ok {
		return "", false
	}
	name, file, ok := strings.Cut(rest, "/")
	return name, ok && file == ManifestName && name != ""
}

// BinlogKey is the key of an archived binary log file: ordered by the time it was archived, so
// a listing is in archive order, and unique even when a re-seeded member reuses file names.
func BinlogKey(archivedAt time.Time, member, file string) string {
	return fmt.Sprintf("%s%013d-%s-%s", BinlogDir, archivedAt.UnixMilli(), member, path.Base(file))
}

// IsBinlogManifestKey reports whether key names an archived binary log's manifest.
func IsBinlogManifestKey(key string) bool {
	return strings.HasPrefix(key, BinlogDir) && strings.HasSuffix(key, ManifestSuffix)
}
