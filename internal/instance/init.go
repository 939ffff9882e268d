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
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// Timeouts bound every wait of init.
type Timeouts struct {
	// Install bounds mariadb-install-db / mysqld --initialize-insecure.
	Install time.Duration
	// ServerStart bounds a temporary server's start (crash recovery included).
	ServerStart time.Duration
	// ServerStop bounds its clean shutdown.
	ServerStop time.Duration
	// Statement bounds each SQL statement on a temporary server.
	Statement time.Duration
	// Seed bounds a whole seed: transfer, prepare, positioning.
	Seed time.Duration
	// Stall aborts a transfer from the donor that delivers no byte for this long.
	Stall time.Duration
}

// DefaultTimeouts are generous: a seed copies a whole datadir.
func DefaultTimeouts() Timeouts {
	return Timeouts{Install: 10 * time.Minute, ServerStart: 30 * time.Minute, ServerStop: 10 * time.Minute,
		Statement: 30 * time.Second, Seed: 24 * time.Hour, Stall: 10 * time.Minute}
}

// Init is "ordinal init": it prepares the datadir before the server starts.
type Init struct {
	Env      Env
	Paths    Paths
	Tools    Tools
	Timeouts Timeouts
	Log      *slog.Logger
	// HTTP fetches the donor's backup; nil uses a client without an overall timeout (a
	// backup takes as long as it takes; Timeouts.Stall and Seed bound it).
	HTTP *http.Client
}

// InitMain runs init in the pod, with the pod's paths and the database image's tools.
func InitMain(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("init takes no arguments, got %v", args)
	}
	env, err := LoadEnv(osEnv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	in := &Init{Env: env, Paths: DefaultPaths(), Tools: DefaultTools(env.Flavor), Timeouts: DefaultTimeouts(),
		Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	return in.Run(ctx)
}

// Run renders the member config, then finishes an interrupted restore, seeds (a seed marker is
// present), leaves an existing server alone (adopting it first when it is a copy of another
// member's), restores an empty datadir from the store (the first member of a cluster created from
// a backup), or initialises it; last, it records this member as the datadir's owner.
func (in *Init) Run(ctx context.Context) error {
	if err := in.prepareDatadir(ctx); err != nil {
		return err
	}
	return in.claimDatadir()
}

func (in *Init) prepareDatadir(ctx context.Context) error {
	if err := in.writeMemberConfig(); err != nil {
		return err
	}
	if pending, err := in.restorePending(); err != nil || pending {
		if err == nil {
			in.Log.Info("an interrupted restore is in the datadir: restoring again")
			err = in.restore(ctx)
		}
		return err
	}
	marker, seed, err := readMarker(in.Paths.SeedMarker())
	if err != nil {
		return err
	}
	if seed {
		stale, err := in.dropIfStale(ctx, marker)
		if err != nil {
			return err
		}
		if !stale {
			in.Log.Info("seed marker found: re-creating the datadir from the donor", "donor", marker.Donor,
				"keepAside", marker.KeepAside)
			return in.seed(ctx, marker)
		}
	}
	switch {
	case hasServer(in.Paths.DataDir):
		in.Log.Info("the datadir holds a server; leaving it as it is", "datadir", in.Paths.DataDir)
		if err := in.adoptIfCopied(ctx); err != nil {
			return err
		}
		// A crash right after the last move of an initialisation leaves the empty staging dir.
		return os.RemoveAll(filepath.Join(in.Paths.DataDir, stagingName))
	case in.restoresFromStore():
		in.Log.Info("empty datadir of a cluster created from a backup: restoring", "datadir", in.Paths.DataDir)
		return in.restore(ctx)
	default:
		in.Log.Info("empty datadir: initialising", "datadir", in.Paths.DataDir)
		return in.initialise(ctx)
	}
}

// dropIfStale removes a provably stale seed marker (see staleMarker) instead of seeding. A stale
// marker over a datadir without a server is refused: nothing then says which datadir is right.
func (in *Init) dropIfStale(ctx context.Context, m SeedMarker) (bool, error) {
	own, err := in.staleMarker(ctx, m)
	if err != nil || own == "" {
		return false, err
	}
	if !hasServer(in.Paths.DataDir) {
		return false, fmt.Errorf("seed marker is stale (this member committed %s after it) but the datadir holds no server", own)
	}
	in.Log.Warn("seed marker is stale: this member committed a transaction of its own after the seed was "+
		"requested, so it was made writable (promoted); not seeding", "gtid", own, "requested", m.Requested)
	return true, removeDurably(in.Paths.SeedMarker())
}

// writeMemberConfig adds the member's own settings to the cluster-wide config.
func (in *Init) writeMemberConfig() error {
	base, err := os.ReadFile(in.Paths.ClusterConfig)
	if err != nil {
		return fmt.Errorf("read cluster config: %w", err)
	}
	id, err := in.Env.ServerID()
	if err != nil {
		return err
	}
	out := mycnf.Member(base, mycnf.MemberSettings{ServerID: id, ReportHost: in.Env.Host(), BindAddress: in.Env.PodIP})
	if err := writeFileAtomic(in.Paths.MemberConfig(), out, 0o644); err != nil {
		return fmt.Errorf("write member config: %w", err)
	}
	return nil
}

// initialise builds a server with its accounts in a staging directory inside the volume, then
// moves it into place. Leftovers of an interrupted attempt are wiped first.
func (in *Init) initialise(ctx context.Context) error {
	if err := wipe(in.Paths.DataDir); err != nil {
		return err
	}
	staging := filepath.Join(in.Paths.DataDir, stagingName)
	if err := os.Mkdir(staging, 0o750); err != nil {
		return fmt.Errorf("initialise: %w", err)
	}
	if err := in.installDB(ctx, staging); err != nil {
		return err
	}
	// No binary log unless spec.initSQL runs: creating the accounts must leave no GTID behind
	// (they are created with sql_log_bin=0 anyway), but the scripts' changes must be replicated.
	initSQL := in.runsInitSQL()
	extra := append(in.unfenced(), in.timeZoneArgs()...)
	if !initSQL {
		extra = append([]string{"--skip-log-bin"}, extra...)
	}
	srv, err := in.startServer(ctx, staging, "", extra...)
	if err != nil {
		return fmt.Errorf("initialise: %w", err)
	}
	err = srv.client.CreateAccounts(ctx, mysql.Accounts{RootPassword: in.Env.RootPassword,
		ReplicationPassword: in.Env.ReplicationPassword, OperatorPassword: in.Env.OperatorPassword})
	if err == nil {
		err = in.dayOne(ctx, srv, initSQL)
	}
	if stopErr := srv.stop(in.Timeouts.ServerStop); err == nil {
		err = stopErr
	}
	if err != nil {
		return fmt.Errorf("initialise: %w", err)
	}
	if err := moveUp(staging, in.Paths.DataDir); err != nil {
		return err
	}
	in.Log.Info("datadir initialised", "datadir", in.Paths.DataDir)
	return nil
}

// installDB creates the system tables in dir: mariadb-install-db, or mysqld --initialize-insecure.
func (in *Init) installDB(ctx context.Context, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, in.Timeouts.Install)
	defer cancel()
	defaults := "--defaults-file=" + in.Paths.MemberConfig()
	if in.Env.Flavor.Name() == mysql.MySQL.Name() {
		args := append([]string{defaults, "--initialize-insecure", "--datadir=" + dir, "--skip-log-bin"}, in.unfenced()...)
		args = append(append(args, in.timeZoneArgs()...), in.userArgs()...)
		return in.Tools.run(ctx, in.Tools.Server, args...)
	}
	args := append([]string{defaults, "--datadir=" + dir, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-log-bin"}, append(in.timeZoneArgs(), in.userArgs()...)...)
	return in.Tools.run(ctx, in.Tools.InstallDB, args...)
}

// unfenced lowers MySQL's super_read_only on a throwaway server that builds a datadir: unlike
// MariaDB's read_only, it stops even root from creating the accounts. Such a server has no
// network; the server that runs the datadir afterwards starts fenced from its config.
func (in *Init) unfenced() []string {
	if in.Env.Flavor.Name() != mysql.MySQL.Name() {
		return nil
	}
	return []string{"--super-read-only=OFF", "--read-only=OFF"}
}
