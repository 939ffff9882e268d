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
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// cloneName is where the clone plugin writes the donor's copy before it is moved into place.
const cloneName = ".ordinal-clone"

// cloneSeed seeds a MySQL member with the clone plugin: a throwaway server on a freshly initialised
// staging datadir receives the donor's copy into a separate directory (CLONE ... DATA DIRECTORY),
// which then becomes the datadir. The donor is the marker's host on the server port: MySQL clones
// over its own protocol, not through the donor's agent. The copy carries the donor's accounts and
// gtid_executed, so nothing is positioned afterwards. Not exercised against a real MySQL server in
// this repository's tests (no MySQL server on the build machines).
func (in *Init) cloneSeed(ctx context.Context, m SeedMarker) error {
	host, _, err := net.SplitHostPort(m.Donor)
	if err != nil {
		return fmt.Errorf("seed from %s: %w", m.Donor, err)
	}
	if err := wipe(in.Paths.DataDir, SeedMarkerName); err != nil {
		return err
	}
	staging := filepath.Join(in.Paths.DataDir, stagingName)
	if err := os.Mkdir(staging, 0o750); err != nil {
		return fmt.Errorf("seed from %s: %w", m.Donor, err)
	}
	if err := in.installDB(ctx, staging); err != nil {
		return fmt.Errorf("seed from %s: %w", m.Donor, err)
	}
	donor := mysql.Source{Host: host, Port: mycnf.Port, User: mysql.AccountReplication, Password: in.Env.ReplicationPassword}
	if _, err := os.Stat(mycnf.TLSCAFile); err == nil {
		// The pod mounts the cluster's certificates: the donor serves TLS and its replication
		// account may require it.
		donor.TLS = &mysql.SourceTLS{CAFile: mycnf.TLSCAFile}
	}
	clone := filepath.Join(in.Paths.DataDir, cloneName)
	if err := in.cloneInto(ctx, staging, donor, clone); err != nil {
		return fmt.Errorf("seed from %s: %w", donor.Host, err)
	}
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("seed from %s: %w", donor.Host, err)
	}
	if err := moveUp(clone, in.Paths.DataDir); err != nil {
		return err
	}
	if err := removeDurably(in.Paths.SeedMarker()); err != nil {
		return err
	}
	in.Log.Info("datadir cloned", "donor", donor.Host)
	return nil
}

// cloneInto runs the throwaway recipient server on staging (no network, unfenced: the clone must
// not trip over super_read_only) and clones the donor into dir.
func (in *Init) cloneInto(ctx context.Context, staging string, donor mysql.Source, dir string) error {
	srv, err := in.startServer(ctx, staging, "", append([]string{"--skip-log-bin"}, in.unfenced()...)...)
	if err != nil {
		return err
	}
	c, err := mysql.Open(mysql.Config{Flavor: in.Env.Flavor, Socket: srv.client.Addr(), User: mysql.AccountRoot,
		ReadTimeout: in.Timeouts.Seed, WriteTimeout: time.Minute, StatementTimeout: in.Timeouts.Seed})
	if err == nil {
		t0 := time.Now()
		err = c.CloneFrom(ctx, donor, dir)
		in.Log.Info("clone finished", "donor", donor.Host, "took", time.Since(t0).Round(time.Millisecond), "err", err)
		c.Close()
	}
	if stopErr := srv.stop(in.Timeouts.ServerStop); err == nil {
		err = stopErr
	}
	return err
}
