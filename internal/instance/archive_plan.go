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
	"fmt"
	"time"

	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// The pure decisions of binary log archiving: which closed files to upload, whether the archive
// has a gap, whether the active file must be closed first, and what a file's manifest says.

// localBinlog is a closed binary log file of this member with the GTID states around it.
type localBinlog struct {
	Name string
	Size int64
	// Start is the file's Gtid_list (the binlog state when it was opened); End the next file's.
	Start, End string
	// FirstTime is when the file was opened, LastTime when the next one was (the rotation): every
	// transaction of the file is stamped within [FirstTime, LastTime] at whole seconds.
	FirstTime, LastTime time.Time
}

// uploadPlan says which files of a member the archive lacks.
type uploadPlan struct {
	// Upload are indexes into the member's files, oldest first.
	Upload []int
	// Gap, when set, says which transactions neither the store nor this member holds.
	Gap string
}

// planUploads picks every file holding a transaction the archive lacks. archived is the union of
// the end states of every archived file (a MariaDB state: per domain and server, everything up to
// the last sequence number, see internal/gtid). A file's own transactions are End minus Start;
// a file whose transactions are all archived (written by another member while this one was its
// replica, or uploaded before a restart) is skipped, and so is a file without transactions (a
// rotation at a restart). When the first file to upload does not start where the archive ends,
// the transactions in between are in no file anywhere: a gap, which only a new base backup
// bridges. An empty archive has no gap: the base backups decide where it may start.
func planUploads(files []localBinlog, archived gtid.Set) (uploadPlan, error) {
	var p uploadPlan
	for i, f := range files {
		start, end, err := parseStates(f)
		if err != nil {
			return uploadPlan{}, err
		}
		own := end.Subtract(start)
		if own.IsEmpty() || own.SubsetOf(archived) {
			continue
		}
		if len(p.Upload) == 0 && !archived.IsEmpty() && !start.SubsetOf(archived) {
			p.Gap = fmt.Sprintf("binary logs between %s and %s are not in the store: take a new backup",
				displayState(archived), displayState(start))
		}
		p.Upload = append(p.Upload, i)
	}
	return p, nil
}

func parseStates(f localBinlog) (start, end gtid.Set, err error) {
	if start, err = gtid.ParseMariaDB(f.Start); err != nil {
		return start, end, fmt.Errorf("binary log %s: start state: %w", f.Name, err)
	}
	if end, err = gtid.ParseMariaDB(f.End); err != nil {
		return start, end, fmt.Errorf("binary log %s: end state: %w", f.Name, err)
	}
	return start, end, nil
}

// needsFlush reports whether the active file holds a transaction the archive lacks: state is the
// server's gtid_binlog_state, activeStart the active file's Gtid_list. Closing the file then
// makes it uploadable, which bounds the recovery point by the archiving interval rather than by
// max_binlog_size; an idle server is never flushed (FLUSH BINARY LOGS writes no GTID).
func needsFlush(state, activeStart string, archived gtid.Set) (bool, error) {
	s, err := gtid.ParseMariaDB(state)
	if err != nil {
		return false, fmt.Errorf("gtid_binlog_state: %w", err)
	}
	a, err := gtid.ParseMariaDB(activeStart)
	if err != nil {
		return false, fmt.Errorf("active binary log start state: %w", err)
	}
	own := s.Subtract(a)
	return !own.IsEmpty() && !own.SubsetOf(archived), nil
}

// binlogManifest is the manifest of an uploaded file.
func binlogManifest(f localBinlog, key, member string, serverID uint32, size int64, sha string) backup.BinlogFile {
	return backup.BinlogFile{Key: key, Member: member, ServerID: serverID, File: f.Name, Size: size, SHA256: sha,
		StartState: f.Start, EndState: f.End, FirstTime: f.FirstTime.UTC(), LastTime: f.LastTime.UTC()}
}

// displayState prints a state for people; the empty state would print as nothing.
func displayState(s gtid.Set) string {
	if s.IsEmpty() {
		return "the first transaction"
	}
	return s.String()
}
