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
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// A seed marker is stale when this member committed a transaction of its own after the marker was
// written. The agent writes a marker only while the server is read-only (or does not answer) and
// records the server's gtid_binlog_state in it; a MariaDB GTID keeps the server_id of the server
// that committed it, so a GTID with this member's server_id that the recorded state lacks can only
// come from this member being writable after the request: it was promoted, it is (or was) the
// primary, and a re-seed would wipe what it committed. The time of the last write to the binary
// log proves nothing: a server's shutdown appends a stop event to its binary log, so every seed
// (request, then pod deletion) would look stale. A member promoted and restarted before it
// committed anything is not caught by this rule; it has nothing of its own to lose since the
// request, and the agent's /readyz still removes the marker of a writable server.
//
// The rule needs the recorded state (the server answered the request) and MariaDB; otherwise
// init seeds as asked.

// staleSlack widens the files scanned: only binary log files written since the request can hold
// a commit after it; the slack covers coarse file-system timestamps.
const staleSlack = time.Minute

// gtidEvent matches the header line of a GTID event in mariadb-binlog's output
// ("#261130 18:40:56 server id 7  end_log_pos 367 CRC32 0x69aa04d0 \tGTID 0-7-1 ddl"); only header
// lines start with "#" and a date, so text inside a logged statement does not match.
var gtidEvent = regexp.MustCompile(`^#\d{6}\s.*\sGTID (\d+)-(\d+)-(\d+)(\s|$)`)

// staleMarker returns the first GTID this member committed after the marker was written, or ""
// when there is none or the rule cannot tell.
func (in *Init) staleMarker(ctx context.Context, m SeedMarker) (string, error) {
	if m.GTIDBinlogState == nil || in.Env.Flavor.Name() != mysql.MariaDB.Name() || in.Tools.Binlog == "" {
		return "", nil
	}
	recorded, err := gtid.ParseMariaDB(*m.GTIDBinlogState)
	if err != nil {
		return "", fmt.Errorf("seed marker: %w", err)
	}
	id, err := in.Env.ServerID()
	if err != nil {
		return "", err
	}
	names, err := binlogFiles(in.Paths.DataDir)
	if err != nil {
		return "", err
	}
	for _, n := range names {
		path := filepath.Join(in.Paths.DataDir, n)
		fi, err := os.Stat(path)
		if err != nil || fi.ModTime().Before(m.Requested.Add(-staleSlack)) || !isBinlogNumber(n) {
			continue
		}
		if g := in.ownCommitAfter(ctx, path, id, recorded); g != "" {
			return g, nil
		}
	}
	return "", nil
}

// isBinlogNumber: binlog.000042, not the index or the state file.
func isBinlogNumber(name string) bool {
	_, err := strconv.ParseUint(filepath.Ext(name)[1:], 10, 64)
	return err == nil
}

// ownCommitAfter scans one binary log file for a GTID with server_id id that recorded lacks. A
// file the tool cannot read to its end (a crash-torn tail) counts for the events it did print.
func (in *Init) ownCommitAfter(ctx context.Context, path string, id uint32, recorded gtid.Set) string {
	cmd := exec.CommandContext(ctx, in.Tools.Binlog, "--no-defaults", path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return ""
	}
	cmd.Stderr = in.Tools.output()
	if err := cmd.Start(); err != nil {
		in.Log.Warn("cannot read the binary log to check the seed marker", "file", path, "err", err)
		return ""
	}
	found := scanOwnGTID(out, id, recorded)
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		in.Log.Warn("reading the binary log failed part-way", "file", path, "err", err)
	}
	return found
}

// scanOwnGTID returns the first GTID in mariadb-binlog output r with server_id id not in recorded.
func scanOwnGTID(r io.Reader, id uint32, recorded gtid.Set) string {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20) // row events print long lines
	want := strconv.FormatUint(uint64(id), 10)
	for sc.Scan() {
		g := gtidEvent.FindStringSubmatch(sc.Text())
		if g == nil || g[2] != want {
			continue
		}
		s, err := gtid.ParseMariaDB(g[1] + "-" + g[2] + "-" + g[3])
		if err == nil && !s.SubsetOf(recorded) {
			return g[1] + "-" + g[2] + "-" + g[3]
		}
	}
	return ""
}
