//go:build integration

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

package xbstream

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// TestUnpackMatchesMbstream: a real mariadb-backup stream of a server holding rows unpacks into
// the same files, byte for byte, as the engine's own mbstream -x makes of it.
func TestUnpackMatchesMbstream(t *testing.T) {
	m := mysqltest.StartWith(t, 1, mysqltest.Options{FirstHost: 71}).Members[0]
	db := m.DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	for _, q := range []string{"CREATE TABLE app.t (id INT PRIMARY KEY, pad LONGBLOB)",
		"INSERT INTO app.t SELECT seq, REPEAT(MD5(seq), 2048) FROM app.seq_1_to_2000"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	work := t.TempDir()
	archive := filepath.Join(work, "backup.xbstream")
	backup := exec.Command("mariadb-backup", "--no-defaults", "--backup", "--stream=xbstream", "--datadir="+m.DataDir,
		"--socket="+m.Socket, "--user="+mysqltest.RootUser, "--password="+mysqltest.RootPassword,
		"--target-dir="+filepath.Join(work, "tmp"))
	out, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	backup.Stdout, backup.Stderr = out, &stderr
	if err := backup.Run(); err != nil {
		t.Fatalf("mariadb-backup: %v\n%s", err, stderr.String())
	}
	out.Close()

	theirs, ours := filepath.Join(work, "mbstream"), filepath.Join(work, "ours")
	for _, d := range []string{theirs, ours} {
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	mb := exec.Command("mbstream", "-x", "-C", theirs)
	mb.Stdin, _ = os.Open(archive)
	if b, err := mb.CombinedOutput(); err != nil {
		t.Fatalf("mbstream: %v\n%s", err, b)
	}
	in, _ := os.Open(archive)
	defer in.Close()
	res, err := Unpack(in, ours)
	if err != nil {
		t.Fatal(err)
	}
	want, got := tree(t, theirs), tree(t, ours)
	if got != want {
		t.Errorf("unpacked:\n%s\nmbstream:\n%s", got, want)
	}
	if !strings.Contains(got, "app/t.ibd") || res.Files != strings.Count(got, "\n") {
		t.Errorf("%d files in the result, tree:\n%s", res.Files, got)
	}
}

// tree lists every file under dir with its size and SHA-256.
func tree(t *testing.T, dir string) string {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		rel, _ := filepath.Rel(dir, p)
		b.WriteString(rel + " " + hex.EncodeToString(sum[:8]) + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
