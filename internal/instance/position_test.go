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
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBackupPosition(t *testing.T) {
	for in, want := range map[string]string{
		"bin.000002\t534\t0-11-4\n":       "0-11-4",
		"bin.000002\t534\t0-11-4,1-12-9":  "0-11-4,1-12-9",
		"binlog.000001\t328\n":            "",
		"binlog.000001\t328\t0-11-5 \r\n": "0-11-5",
	} {
		if got, err := parseBackupPosition(in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "bin.000002", "a\tb\tc\td", "bin.1\t4\tnot-a-gtid"} {
		if _, err := parseBackupPosition(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	dir := t.TempDir()
	if _, err := readBackupPosition(dir); err == nil || !strings.Contains(err.Error(), "binary log") {
		t.Errorf("no position file: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "xtrabackup_binlog_info"), []byte("b.1\t4\t0-1-2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if pos, err := readBackupPosition(dir); err != nil || pos != "0-1-2" {
		t.Errorf("10.x file: %q, %v", pos, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mariadb_backup_binlog_info"), []byte("b.1\t4\t0-1-3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if pos, err := readBackupPosition(dir); err != nil || pos != "0-1-3" {
		t.Errorf("11.x file wins: %q, %v", pos, err)
	}
}

func TestSeededBinlogState(t *testing.T) {
	for _, tc := range []struct{ state, pos, want string }{
		{"", "", ""},
		{"0-11-4", "0-11-4", "0-11-4"},
		{"0-11-4", "0-11-9", "0-11-9"}, // written during the backup
		// After a failover from 11 to 12 (and back to 11): the newest GTID of a domain comes last.
		{"0-11-5,0-12-10", "0-12-12", "0-11-5,0-12-12"},
		{"0-12-10,0-11-5", "0-11-14", "0-12-10,0-11-14"},
		{"0-11-5,1-12-3,10-13-2", "0-11-6,1-12-3,10-13-2", "0-11-6,1-12-3,10-13-2"},
	} {
		got, err := seededBinlogState(tc.state, tc.pos)
		if err != nil || got != tc.want {
			t.Errorf("state %q pos %q: %q, %v; want %q", tc.state, tc.pos, got, err, tc.want)
		}
	}
	if _, err := seededBinlogState("0-11", ""); err == nil {
		t.Error("a malformed donor state was accepted")
	}
}

// blockingReader blocks until its context ends.
type blockingReader struct{ ctx context.Context }

func (b blockingReader) Read([]byte) (int, error) { <-b.ctx.Done(); return 0, b.ctx.Err() }

func TestWatchStall(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	p := &progressReader{r: blockingReader{ctx}}
	go watchStall(ctx, cancel, p, 100*time.Millisecond)
	t0 := time.Now()
	_, err := io.ReadAll(p)
	if err == nil || !errors.Is(context.Cause(ctx), errStalled) {
		t.Fatalf("read %v, cause %v", err, context.Cause(ctx))
	}
	if d := time.Since(t0); d < 100*time.Millisecond || d > 2*time.Second {
		t.Errorf("stall detected after %v", d)
	}
}

// TestReceiveRefusals: the receiver reports the donor's refusal with its status and message.
func TestReceiveRefusals(t *testing.T) {
	in := testInit(t, "mariadb")
	var gotUser, gotPassword string
	donor := fakeDonor(t, func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPassword, _ = r.BasicAuth()
		http.Error(w, "a backup is already running on this member", http.StatusTooManyRequests)
	})
	_, _, err := in.receive(context.Background(), SeedMarker{Donor: donor})
	if err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "already running") {
		t.Errorf("receive = %v", err)
	}
	if gotUser != "repl" || gotPassword != "p" {
		t.Errorf("receiver authenticated as %q/%q", gotUser, gotPassword)
	}
}
