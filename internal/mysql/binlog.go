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

package mysql

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ordinal-dev/ordinal/internal/gtid"
)

// This file holds what binary log archiving (the agent) and point-in-time replay (init) ask of a
// MariaDB server. MySQL has no Gtid_list event and different GTIDs: every call is MariaDB-only.

// BinaryLog is one file of the server's binary log, as SHOW BINARY LOGS lists it.
type BinaryLog struct {
	// Name is the file name (no directory), e.g. "binlog.000042".
	Name string
	// Size is its length in bytes; the last file still grows.
	Size int64
}

func (c *Client) mariaDBOnly(what string) error {
	if c.cfg.Flavor.Name() != MariaDB.Name() {
		return fmt.Errorf("mysql %s: %s is MariaDB-only", c.Addr(), what)
	}
	return nil
}

// BinaryLogs lists the binary log files, oldest first; the last one is the active file.
func (c *Client) BinaryLogs(ctx context.Context) ([]BinaryLog, error) {
	if err := c.mariaDBOnly("listing binary logs"); err != nil {
		return nil, err
	}
	q := statement("SHOW BINARY LOGS")
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]BinaryLog, 0, len(rows))
	for _, r := range rows {
		n, err := r.num("File_size")
		if err != nil {
			return nil, c.fail(q, err)
		}
		out = append(out, BinaryLog{Name: r.str("Log_name"), Size: n})
	}
	if len(out) == 0 {
		return nil, c.fail(q, errors.New("no binary logs"))
	}
	return out, nil
}

// BinlogDir is the directory holding the binary log files (the directory of log_bin_basename):
// SHOW BINARY LOGS names the files without it.
func (c *Client) BinlogDir(ctx context.Context) (string, error) {
	q := statement("SELECT @@GLOBAL.log_bin_basename AS base")
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return "", err
	}
	base := firstRow(rows).str("base")
	if base == "" {
		return "", c.fail(q, errors.New("the binary log is off"))
	}
	return filepath.Dir(base), nil
}

// BinlogStartState returns the GTID state at the start of a binary log file: its Gtid_list event,
// which MariaDB writes second in every file and which holds the whole gtid_binlog_state of the
// moment the file was opened (every domain-server pair's last GTID, e.g. "0-101-57,0-102-80"; ""
// before the first transaction). The next file's start state is therefore this file's end state.
// Measured on 10.11: "SHOW BINLOG EVENTS IN f LIMIT 3" returns Format_desc, Gtid_list with Info
// "[0-101-57,0-102-80]" and a Binlog_checkpoint. BINLOG_GTID_POS(f, 4) gives only one GTID per
// domain, not the state.
func (c *Client) BinlogStartState(ctx context.Context, file string) (string, error) {
	if err := c.mariaDBOnly("reading a binary log's GTID list"); err != nil {
		return "", err
	}
	q := statement("SHOW BINLOG EVENTS IN ? LIMIT 3", file)
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		if r.str("Event_type") != "Gtid_list" {
			continue
		}
		state, err := parseGTIDList(r.str("Info"))
		if err != nil {
			return "", c.fail(q, err)
		}
		return state, nil
	}
	return "", c.fail(q, fmt.Errorf("no Gtid_list event at the start of %s", file))
}

// parseGTIDList reads the Info of a Gtid_list event, "[0-1-5,0-2-9]", as a GTID list.
func parseGTIDList(info string) (string, error) {
	s, ok := strings.CutPrefix(strings.TrimSpace(info), "[")
	if s, ok = strings.CutSuffix(s, "]"); !ok {
		return "", fmt.Errorf("gtid list %q: want [d-s-n,...]", info)
	}
	if _, err := gtid.ParseMariaDB(s); err != nil {
		return "", fmt.Errorf("gtid list: %w", err)
	}
	return s, nil
}

// FlushBinaryLogs closes the active binary log file and opens the next one. Measured on 10.11:
// the statement writes no GTID (it is never binlogged), so flushing an idle server leaves its
// gtid_binlog_state as it was.
func (c *Client) FlushBinaryLogs(ctx context.Context) error {
	if err := c.mariaDBOnly("flushing binary logs"); err != nil {
		return err
	}
	return c.s.exec(ctx, statement("FLUSH BINARY LOGS"))
}

// ReplayPacket is the largest packet a replayed binary log may need: a row event of a big
// transaction comes back as one BINLOG statement (replication allows 1 GiB likewise,
// slave_max_allowed_packet).
const ReplayPacket = 1 << 30

// PrepareReplay readies a private server (init's temporary server) for binary logs piped through
// the client: the binary log must be on, or the replayed transactions would not keep their GTIDs
// anywhere, and packets as large as replication's, or a big row event would be refused. The
// packet size applies to connections opened afterwards.
func (c *Client) PrepareReplay(ctx context.Context) error {
	if err := c.mariaDBOnly("binary log replay"); err != nil {
		return err
	}
	q := statement("SELECT @@GLOBAL.log_bin AS log_bin")
	rows, err := c.s.query(ctx, q)
	if err != nil {
		return err
	}
	if on := firstRow(rows).str("log_bin"); on != "1" {
		return c.fail(q, fmt.Errorf("log_bin is %q: the binary log must be on to keep the replayed GTIDs", on))
	}
	return c.s.exec(ctx, statement("SET GLOBAL max_allowed_packet = "+strconv.Itoa(ReplayPacket)))
}
