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
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// backupPositionFiles are where mariadb-backup records the binary log position of the backup:
// "file<TAB>offset<TAB>gtid_binlog_pos" (MariaDB 11 renamed the file).
var backupPositionFiles = []string{"mariadb_backup_binlog_info", "xtrabackup_binlog_info"}

// readBackupPosition returns the GTID position (one GTID per domain) the backup holds.
func readBackupPosition(dir string) (string, error) {
	for _, name := range backupPositionFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read backup position: %w", err)
		}
		return parseBackupPosition(string(b))
	}
	return "", fmt.Errorf("backup holds no binary log position (%s): is the donor's binary log on?",
		strings.Join(backupPositionFiles, ", "))
}

func parseBackupPosition(s string) (string, error) {
	fields := strings.Split(strings.TrimSpace(s), "\t")
	if len(fields) < 2 || len(fields) > 3 {
		return "", fmt.Errorf("backup position %q: want file, offset and GTID position", s)
	}
	if len(fields) == 2 { // the donor had not written a transaction yet
		return "", nil
	}
	pos := strings.TrimSpace(fields[2])
	if _, err := gtid.ParseMariaDB(pos); err != nil {
		return "", fmt.Errorf("backup position: %w", err)
	}
	return pos, nil
}

// seededBinlogState is the binary log state a seeded member starts with: the backup's position
// merged with the donor's state as of the start of the backup, which keeps the last GTID of every
// server that ever wrote to a domain (after a failover there are several). Both are lower bounds
// of what the backup holds, so the member never claims a transaction it lacks. Within a domain
// the GTIDs are listed by sequence number, so the last one is the newest (MariaDB reads it so).
func seededBinlogState(donorState, pos string) (string, error) {
	a, err := gtid.ParseMariaDB(donorState)
	if err != nil {
		return "", fmt.Errorf("donor binlog state: %w", err)
	}
	b, err := gtid.ParseMariaDB(pos)
	if err != nil {
		return "", fmt.Errorf("backup position: %w", err)
	}
	u := a.Union(b)
	type last struct {
		domain, server string
		seq            uint64
	}
	var all []last
	for _, k := range u.Keys() {
		d, srv, _ := strings.Cut(k, "-")
		ivs := u.Intervals(k)
		all = append(all, last{d, srv, ivs[len(ivs)-1].End})
	}
	slices.SortStableFunc(all, func(x, y last) int {
		return cmp.Or(cmp.Compare(len(x.domain), len(y.domain)), cmp.Compare(x.domain, y.domain), cmp.Compare(x.seq, y.seq))
	})
	parts := make([]string, len(all))
	for i, l := range all {
		parts[i] = fmt.Sprintf("%s-%s-%d", l.domain, l.server, l.seq)
	}
	return strings.Join(parts, ","), nil
}
