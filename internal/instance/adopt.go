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
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// OwnerName is the file in the datadir that names the member whose server it holds, as
// "namespace/pod". Init writes it whenever the datadir holds a server. A datadir that names
// another member is a copy of that member's volume (a VolumeSnapshot restored, or a PVC cloned,
// for this member): init adopts it before the member's server first starts.
const OwnerName = ".ordinal-member"

// mysqlUUIDFile holds a MySQL server's server_uuid; a copy must not keep its donor's.
const mysqlUUIDFile = "auto.cnf"

func (in *Init) ownerPath() string { return filepath.Join(in.Paths.DataDir, OwnerName) }

// ownerID is how this member names itself in OwnerName.
func (in *Init) ownerID() string { return in.Env.Namespace + "/" + in.Env.PodName }

// recordedOwner reads OwnerName: "" when the datadir has none (it predates the file, or was
// never claimed).
func (in *Init) recordedOwner() (string, error) {
	b, err := os.ReadFile(in.ownerPath())
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", OwnerName, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// adoptIfCopied adopts a datadir that holds another member's server. The copy is crash-consistent
// (a snapshot of a running member's volume), so its server recovers as after a crash: it keeps
// the transactions it holds and its binary logs (log_slave_updates put every transaction a
// replica applied in its own), and its replica position becomes what its binary log holds, so
// replication resumes exactly after them (mysql.AdoptCopy). What belongs to the donor alone goes:
// its replication configuration and relay logs, and on MySQL its server_uuid.
func (in *Init) adoptIfCopied(ctx context.Context) error {
	from, err := in.recordedOwner()
	if err != nil || from == "" || from == in.ownerID() {
		return err
	}
	in.Log.Info("the datadir is a copy of another member's volume: adopting it", "from", from)
	t0 := time.Now()
	if in.Env.Flavor.Name() == mysql.MySQL.Name() {
		uuid := filepath.Join(in.Paths.DataDir, mysqlUUIDFile)
		if err := removeDurably(uuid); err != nil {
			return fmt.Errorf("adopt copy of %s: %w", from, err)
		}
	}
	srv, err := in.startServer(ctx, in.Paths.DataDir, in.Env.RootPassword)
	if err != nil {
		return fmt.Errorf("adopt copy of %s: %w", from, err)
	}
	err = srv.client.AdoptCopy(ctx)
	if stopErr := srv.stop(in.Timeouts.ServerStop); err == nil {
		err = stopErr
	}
	if err != nil {
		return fmt.Errorf("adopt copy of %s: %w", from, err)
	}
	if err := in.claimDatadir(); err != nil {
		return err
	}
	in.Log.Info("adopted the copy", "from", from, "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

// claimDatadir records this member as the datadir's owner once it holds a server. Written
// after everything else init does, so a crash before it adopts the copy again: harmless.
func (in *Init) claimDatadir() error {
	if !hasServer(in.Paths.DataDir) {
		return nil
	}
	if cur, err := in.recordedOwner(); err != nil || cur == in.ownerID() {
		return err
	}
	return writeFileAtomic(in.ownerPath(), []byte(in.ownerID()+"\n"), 0o640)
}
