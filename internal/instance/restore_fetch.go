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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os/exec"
	"regexp"

	"github.com/klauspost/compress/gzip"

	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/objstore"
	"github.com/ordinal-dev/ordinal/internal/xbstream"
)

// This file is what a restore and a verification share: the compatibility check, and the base
// backup fetched, checked, unpacked and prepared.

// versionRE finds major.minor in VERSION() ("10.11.19-MariaDB-0+deb12u1-log") and in the
// server's --version ("mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu …").
var versionRE = regexp.MustCompile(`(?:^|\s)(\d+\.\d+)\.\d+`)

func majorMinor(v string) string {
	if m := versionRE.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return ""
}

// compatible refuses a backup of another engine or of another major.minor version: InnoDB's
// files and the system tables change between them, and a physical backup is never upgraded.
func (in *Init) compatible(ctx context.Context, m backup.Manifest) error {
	if m.Engine != in.Env.Flavor.Name() {
		return fmt.Errorf("backup %q was taken of a %s server and this is %s: a physical backup restores only into "+
			"the same engine", m.Name, m.Engine, in.Env.Flavor.Name())
	}
	out, err := exec.CommandContext(ctx, in.Tools.Server, "--version").Output()
	if err != nil {
		return fmt.Errorf("server version: %w", err)
	}
	local := majorMinor(string(out))
	if local == "" || majorMinor(m.ServerVersion) != local {
		return fmt.Errorf("backup %q was taken with server version %s and this server is %s (%s): a physical backup "+
			"restores only into the same major.minor version", m.Name, m.ServerVersion, local, string(trimLine(out)))
	}
	return nil
}

func trimLine(b []byte) []byte {
	for i, c := range b {
		if c == '\n' || c == '\r' {
			return b[:i]
		}
	}
	return b
}

// fetchAndPrepare fills dir (empty) with the backup and prepares it; it returns the GTID
// position the prepared datadir holds, which must be the manifest's.
func (in *Init) fetchAndPrepare(ctx context.Context, b *objstore.Bucket, m backup.Manifest, dir string) (string, error) {
	if err := in.unpackFromStore(ctx, b, m, dir); err != nil {
		return "", err
	}
	err := in.Tools.run(ctx, in.Tools.Backup, "--defaults-file="+in.Paths.MemberConfig(), "--prepare", "--target-dir="+dir)
	if err != nil {
		return "", fmt.Errorf("prepare: %w", err)
	}
	pos, err := readBackupPosition(dir)
	if err != nil {
		return "", err
	}
	if pos != m.GTIDPosition {
		return "", fmt.Errorf("the prepared backup holds GTID position %q and its manifest says %q", pos, m.GTIDPosition)
	}
	return pos, nil
}

// unpackFromStore streams the backup's object through gunzip and unpacks it into dir; nothing
// is staged. The object's SHA-256 and size are compared with the manifest's once it is read
// whole: a mismatch is reported as corruption, before any gunzip or unpack error it caused (a
// flipped byte usually breaks the compressed stream first).
func (in *Init) unpackFromStore(ctx context.Context, b *objstore.Bucket, m backup.Manifest, dir string) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	rc, err := b.Get(ctx, backup.DataKey(m.Name))
	if err != nil {
		return fmt.Errorf("fetch backup: %w", err)
	}
	defer rc.Close()
	body := &progressReader{r: rc}
	go watchStall(ctx, cancel, body, in.Timeouts.Stall)
	sum := sha256.New()
	obj := io.TeeReader(body, sum)
	unpackErr := in.unpack(obj, dir)
	_, drainErr := io.Copy(io.Discard, obj) // the rest, when a broken stream stopped the unpack
	if got := hex.EncodeToString(sum.Sum(nil)); drainErr == nil && (got != m.SHA256 || body.n.Load() != m.Size) {
		return fmt.Errorf("the backup is corrupted: checksum mismatch: the stored object %s has SHA-256 %s "+
			"and %d bytes, its manifest says %s and %d bytes", backup.DataKey(m.Name), got, body.n.Load(), m.SHA256, m.Size)
	}
	if unpackErr != nil {
		if cause := context.Cause(ctx); cause != nil {
			unpackErr = fmt.Errorf("%w (%w)", cause, unpackErr)
		}
		return fmt.Errorf("unpack backup after %d bytes: %w", body.n.Load(), unpackErr)
	}
	if drainErr != nil {
		return fmt.Errorf("fetch backup: %w", drainErr)
	}
	return nil
}

// unpack gunzips r and unpacks the stream into dir, durably. The unpack reads the gzip stream
// to its end, so its CRC is checked too.
func (in *Init) unpack(r io.Reader, dir string) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("gunzip: %w", err)
	}
	defer zr.Close()
	res, err := xbstream.Unpack(zr, dir)
	if err != nil {
		return err
	}
	in.Log.Info("backup unpacked", "files", res.Files, "bytes", res.Bytes)
	return nil
}
