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
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// upload streams one closed binary log file from the datadir into the store, then writes its
// manifest: a file without a manifest is not archived (a crash in between leaves an object that
// restores ignore, and the retry uploads it again under the same key).
func (ar *archiver) upload(ctx context.Context, f localBinlog) error {
	key, ok := ar.keys[f.Name]
	if !ok {
		key = backup.BinlogKey(time.Now(), ar.a.Env.PodName, f.Name)
		ar.keys[f.Name] = key
	}
	size, sum, err := ar.putFile(ctx, key, binlogPath(ar.dir, f.Name))
	if err != nil {
		return err
	}
	if size != f.Size {
		return fmt.Errorf("archive %s: uploaded %d bytes, the server lists %d", f.Name, size, f.Size)
	}
	m := binlogManifest(f, key, ar.a.Env.PodName, ar.serverID, size, sum)
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("archive %s: %w", f.Name, err)
	}
	if err := ar.bucket.PutBytes(ctx, key+backup.ManifestSuffix, data); err != nil {
		return archiveStoreErr(err)
	}
	end, err := gtid.ParseMariaDB(f.End)
	if err != nil {
		return fmt.Errorf("archive %s: %w", f.Name, err)
	}
	union := ar.archived.Union(end)
	ar.archived = &union
	delete(ar.keys, f.Name)
	ar.setLast(m)
	ar.a.Log.Info("archived a binary log", "file", f.Name, "key", key, "bytes", size, "endState", f.End)
	return nil
}

// putFile streams the file at path to key and returns its size and SHA-256, both of what was
// read (a closed binary log file no longer changes).
func (ar *archiver) putFile(ctx context.Context, key, path string) (int64, string, error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("archive: %w", err)
	}
	defer file.Close()
	h := sha256.New()
	counted := &progressReader{r: io.TeeReader(file, h)}
	if _, err := ar.bucket.Put(ctx, key, counted); err != nil {
		return 0, "", archiveStoreErr(err)
	}
	return counted.n.Load(), hex.EncodeToString(h.Sum(nil)), nil
}

// binlogPath is where a file SHOW BINARY LOGS names lives.
func binlogPath(dir, name string) string { return filepath.Join(dir, filepath.Base(name)) }

// Binary log file layout (MariaDB and MySQL alike): the magic "\xfebin", then the first event,
// always a Format_description event, whose common header starts with its timestamp (4 bytes,
// little endian, seconds) and its type code (1 byte).
var binlogMagic = []byte{0xfe, 'b', 'i', 'n'}

const formatDescriptionEvent = 15

// binlogOpened is when a binary log file was opened: the timestamp of its Format_description
// event, which the server writes when it opens the file (measured on 10.11: mariadb-binlog prints
// the same time as "created"). SQL cannot tell it: SHOW BINLOG EVENTS has no time column. The
// event is never encrypted (encrypt_binlog starts after it), so reading the header always works.
func binlogOpened(path string) (time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, fmt.Errorf("binary log header: %w", err)
	}
	defer f.Close()
	var head [9]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return time.Time{}, fmt.Errorf("binary log header of %s: %w", path, err)
	}
	if !bytes.Equal(head[:4], binlogMagic) || head[8] != formatDescriptionEvent {
		return time.Time{}, fmt.Errorf("%s is not a binary log file (no format description event)", path)
	}
	return time.Unix(int64(binary.LittleEndian.Uint32(head[4:8])), 0).UTC(), nil
}
