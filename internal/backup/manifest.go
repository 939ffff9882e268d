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
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Format and compression of base backups this build writes and reads.
const (
	FormatXBStream   = "xbstream"
	CompressionGzip  = "gzip"
	ManifestVersion1 = 1
)

// Manifest describes a complete base backup; it is written after the data, so its presence
// means the data is whole (its checksum says whether it is still intact).
type Manifest struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	// Namespace and Cluster name the cluster the backup was taken of.
	Namespace string `json:"namespace"`
	Cluster   string `json:"cluster"`
	// Engine is "mariadb" or "mysql"; ServerVersion is the server's VERSION().
	Engine        string `json:"engine"`
	ServerVersion string `json:"serverVersion"`
	// Member is the pod the backup was taken from.
	Member string `json:"member"`
	// GTIDPosition is what the backup holds: MariaDB's gtid_binlog_pos of the backup point
	// (one GTID per domain), MySQL's gtid_executed.
	GTIDPosition string `json:"gtidPosition"`
	// BinlogState is MariaDB's gtid_binlog_state when the backup started (every server's last GTID
	// per domain), a lower bound that keeps failover history; empty for MySQL.
	BinlogState string    `json:"binlogState,omitempty"`
	Start       time.Time `json:"start"`
	// End is the backup point: nothing committed after it is in the backup.
	End         time.Time `json:"end"`
	Format      string    `json:"format"`
	Compression string    `json:"compression"`
	// Size and SHA256 are of the object as stored (compressed).
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Tables are checksums of every user table at the backup point, when the member could hold
	// its data still while they were taken (a replica); verification compares them.
	Tables []TableChecksum `json:"tables,omitempty"`
}

// TableChecksum is one table's row count and CHECKSUM TABLE at the backup point.
type TableChecksum struct {
	Schema   string `json:"schema"`
	Table    string `json:"table"`
	Rows     int64  `json:"rows"`
	Checksum uint64 `json:"checksum"`
}

// BinlogFile is the manifest of one archived binary log file.
type BinlogFile struct {
	// Key is the object holding the file (BinlogKey).
	Key string `json:"key"`
	// Member and ServerID say which server wrote it; File is its name there.
	Member   string `json:"member"`
	ServerID uint32 `json:"serverID"`
	File     string `json:"file"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	// StartState is the GTID state before the file's first transaction (its Gtid_list event);
	// EndState the state after its last (the next file's Gtid_list event).
	StartState string `json:"startState"`
	EndState   string `json:"endState"`
	// FirstTime and LastTime bound the commit times of its transactions: the file was opened at
	// FirstTime and closed (rotated) at LastTime.
	FirstTime time.Time `json:"firstTime"`
	LastTime  time.Time `json:"lastTime"`
}

// ParseManifest decodes and checks a base backup manifest.
func ParseManifest(b []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("backup manifest: %w", err)
	}
	var errs []error
	if m.Version != ManifestVersion1 {
		errs = append(errs, fmt.Errorf("version %d is not one this build reads (%d)", m.Version, ManifestVersion1))
	}
	if m.Format != FormatXBStream || m.Compression != CompressionGzip {
		errs = append(errs, fmt.Errorf("format %q/%q is not %s/%s", m.Format, m.Compression, FormatXBStream, CompressionGzip))
	}
	if m.Name == "" || m.SHA256 == "" || m.End.IsZero() {
		errs = append(errs, errors.New("name, sha256 and end are required"))
	}
	if err := errors.Join(errs...); err != nil {
		return m, fmt.Errorf("backup manifest %q: %w", m.Name, err)
	}
	return m, nil
}

// ParseBinlogFile decodes an archived binary log's manifest.
func ParseBinlogFile(b []byte) (BinlogFile, error) {
	var f BinlogFile
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("binlog manifest: %w", err)
	}
	if f.Key == "" || f.File == "" || f.LastTime.IsZero() {
		return f, fmt.Errorf("binlog manifest %q: key, file and lastTime are required", f.Key)
	}
	return f, nil
}
