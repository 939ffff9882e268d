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
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// maxListed bounds how many problems a verification message names.
const maxListed = 5

// check starts a temporary server on the restored datadir (no grant checks: the backup has the
// source cluster's passwords; no binary log: nothing is written) and checks every user table:
// CHECK TABLE, and the row counts and checksums against the manifest's when it has them.
func (v *Verifier) check(ctx context.Context, in *Init, m backup.Manifest) (int, string, error) {
	srv, err := in.startServer(ctx, in.Paths.DataDir, "", "--skip-grant-tables", "--skip-log-bin")
	if err != nil {
		return 0, "", err
	}
	n, msg, err := checkTables(ctx, in.Env.Flavor, filepath.Join(srv.dir, "mysqld.sock"), m)
	if stopErr := srv.stop(in.Timeouts.ServerStop); err == nil && stopErr != nil {
		err = fmt.Errorf("the restored server did not stop cleanly: %w", stopErr)
	}
	return n, msg, err
}

func checkTables(ctx context.Context, f mysql.Flavor, socket string, m backup.Manifest) (int, string, error) {
	// CHECK TABLE and CHECKSUM TABLE read whole tables: the temporary server's statement
	// timeout is far too short for them.
	db, err := mysql.Open(mysql.Config{Flavor: f, Socket: socket, User: mysql.AccountRoot,
		StatementTimeout: longStatement, ReadTimeout: longStatement})
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	tables, err := db.UserTables(ctx)
	if err != nil {
		return 0, "", err
	}
	problems, err := db.CheckTables(ctx, tables)
	if err != nil {
		return 0, "", err
	}
	if len(problems) > 0 {
		return len(tables), "", fmt.Errorf("CHECK TABLE found %d damaged tables: %s", len(problems), listSome(problems))
	}
	if len(m.Tables) == 0 {
		return len(tables), fmt.Sprintf("restored and checked %d tables; the manifest has no checksums to compare "+
			"(the backup was taken on the primary, or without checksums)", len(tables)), nil
	}
	sums, err := db.ChecksumTables(ctx, tables)
	if err != nil {
		return 0, "", err
	}
	if diff := compareTables(m.Tables, sums); len(diff) > 0 {
		return len(tables), "", fmt.Errorf("%d tables differ from the manifest's row counts and checksums: %s",
			len(diff), listSome(diff))
	}
	return len(tables), fmt.Sprintf("restored and checked %d tables; row counts and checksums equal the manifest's",
		len(tables)), nil
}

// compareTables lists every table whose restored rows or checksum differ from the manifest's,
// and tables present on one side only.
func compareTables(want []backup.TableChecksum, got []mysql.TableChecksum) []string {
	restored := make(map[string]mysql.TableChecksum, len(got))
	for _, g := range got {
		restored[g.String()] = g
	}
	var diff []string
	for _, w := range want {
		name := w.Schema + "." + w.Table
		g, ok := restored[name]
		delete(restored, name)
		switch {
		case !ok:
			diff = append(diff, name+" is missing")
		case g.Rows != w.Rows || g.Checksum != w.Checksum:
			diff = append(diff, fmt.Sprintf("%s has %d rows, checksum %d (manifest: %d rows, checksum %d)",
				name, g.Rows, g.Checksum, w.Rows, w.Checksum))
		}
	}
	for _, g := range got { // in the server's order
		if _, extra := restored[g.String()]; extra {
			diff = append(diff, g.String()+" is not in the manifest")
		}
	}
	return diff
}

func listSome(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:maxListed], "; ") + fmt.Sprintf("; and %d more", len(items)-maxListed)
}
