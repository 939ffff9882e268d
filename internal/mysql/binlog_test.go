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
	"slices"
	"strings"
	"testing"
)

func TestBinaryLogs(t *testing.T) {
	c, rec := testClient(MariaDB)
	rec.rows["SHOW BINARY LOGS"] = []row{mkRow("Log_name", "binlog.000001", "File_size", "1106"),
		mkRow("Log_name", "binlog.000002", "File_size", "355")}
	got, err := c.BinaryLogs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []BinaryLog{{"binlog.000001", 1106}, {"binlog.000002", 355}}
	if !slices.Equal(got, want) {
		t.Errorf("BinaryLogs = %v, want %v", got, want)
	}
	rec.rows["SHOW BINARY LOGS"] = nil
	if _, err := c.BinaryLogs(context.Background()); err == nil {
		t.Error("no binary logs: want an error")
	}
	my, _ := testClient(MySQL)
	if _, err := my.BinaryLogs(context.Background()); err == nil || !strings.Contains(err.Error(), "MariaDB-only") {
		t.Errorf("MySQL: %v", err)
	}
}

func TestBinlogStartState(t *testing.T) {
	for _, tc := range []struct {
		info, want string
		ok         bool
	}{
		{"[0-1-4]", "0-1-4", true},
		{"[0-2-9,0-1-14,1-1-2]", "0-2-9,0-1-14,1-1-2", true},
		{"[]", "", true},
		{"0-1-4", "", false},
		{"[0-x-4]", "", false},
	} {
		c, rec := testClient(MariaDB)
		rec.rows["SHOW BINLOG EVENTS"] = []row{
			mkRow("Event_type", "Format_desc", "Info", "Server ver: 10.11.19-MariaDB, Binlog ver: 4"),
			mkRow("Event_type", "Gtid_list", "Info", tc.info),
			mkRow("Event_type", "Binlog_checkpoint", "Info", "binlog.000001"),
		}
		got, err := c.BinlogStartState(context.Background(), "binlog.000002")
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Info %q: got %q, %v; want %q, ok %v", tc.info, got, err, tc.want, tc.ok)
		}
		if want := "SHOW BINLOG EVENTS IN ? LIMIT 3 [binlog.000002]"; rec.calls[0] != want {
			t.Errorf("statement %q, want %q", rec.calls[0], want)
		}
	}
	c, rec := testClient(MariaDB)
	rec.rows["SHOW BINLOG EVENTS"] = []row{mkRow("Event_type", "Format_desc")}
	if _, err := c.BinlogStartState(context.Background(), "f"); err == nil {
		t.Error("no Gtid_list: want an error")
	}
}

func TestBinlogDirAndPrepareReplay(t *testing.T) {
	ctx := context.Background()
	c, rec := testClient(MariaDB)
	rec.rows["SELECT @@GLOBAL.log_bin_basename"] = []row{mkRow("base", "/var/lib/mysql/binlog")}
	if dir, err := c.BinlogDir(ctx); err != nil || dir != "/var/lib/mysql" {
		t.Errorf("BinlogDir = %q, %v", dir, err)
	}
	rec.rows["SELECT @@GLOBAL.log_bin_basename"] = []row{mkRow("base", "")}
	if _, err := c.BinlogDir(ctx); err == nil {
		t.Error("binary log off: want an error")
	}

	rec.rows["SELECT @@GLOBAL.log_bin "] = []row{mkRow("log_bin", "1")}
	if err := c.PrepareReplay(ctx); err != nil {
		t.Fatal(err)
	}
	if last := rec.calls[len(rec.calls)-1]; last != "SET GLOBAL max_allowed_packet = 1073741824" {
		t.Errorf("last statement %q", last)
	}
	rec.rows["SELECT @@GLOBAL.log_bin "] = []row{mkRow("log_bin", "0")}
	if err := c.PrepareReplay(ctx); err == nil {
		t.Error("log_bin off: want an error")
	}
	if err := c.FlushBinaryLogs(ctx); err != nil || rec.calls[len(rec.calls)-1] != "FLUSH BINARY LOGS" {
		t.Errorf("FlushBinaryLogs: %v, %q", err, rec.calls[len(rec.calls)-1])
	}
}
