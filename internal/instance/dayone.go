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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Day-one settings of a new datadir (docs/applications.md): the time zone tables and spec.initSQL.
// The operator sets these variables on the init container; internal/desired names the same ones
// (a test keeps the two equal).
const (
	EnvTimeZone = "ORDINAL_TIME_ZONE"
	EnvInitSQL  = "ORDINAL_INIT_SQL"
	// BootstrappedKey is the ConfigMap key (next to the cluster config) the operator adds once a
	// cluster with initSQL has had a primary.
	BootstrappedKey = "bootstrapped"
	// zoneinfoDir is the system time zone database the tables are loaded from.
	zoneinfoDir = "/usr/share/zoneinfo"
)

func splitNonEmpty(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// runsInitSQL: spec.initSQL runs on the first member only, and only while the cluster has never
// had a primary. A first member whose datadir is lost later must not run it again: the others
// already hold its data, and a second copy with the same GTIDs would hide what it lacks.
func (in *Init) runsInitSQL() bool {
	if len(in.Env.InitSQL) == 0 {
		return false
	}
	if n, err := in.Env.Ordinal(); err != nil || n != 0 {
		return false
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(in.Paths.ClusterConfig), BootstrappedKey))
	return errors.Is(err, os.ErrNotExist)
}

// timeZoneArgs keep a temporary server from reading the named default_time_zone of the config
// before the tables it needs exist.
func (in *Init) timeZoneArgs() []string {
	if in.Env.TimeZone == "" {
		return nil
	}
	return []string{"--default-time-zone=SYSTEM"}
}

// dayOne runs on init's temporary server of a new datadir, after the accounts: the time zone
// tables (not binary-logged: every member loads its own) and then spec.initSQL (binary-logged:
// the replicas receive the scripts' changes through replication or a seed).
func (in *Init) dayOne(ctx context.Context, srv *tempServer, initSQL bool) error {
	if in.Env.TimeZone != "" {
		if err := in.loadTimeZones(ctx, srv); err != nil {
			return err
		}
		in.Log.Info("time zone tables loaded", "timeZone", in.Env.TimeZone)
	}
	if !initSQL {
		return nil
	}
	for i, src := range in.Env.InitSQL {
		if err := in.runScript(ctx, srv, i, src); err != nil {
			return err
		}
		in.Log.Info("initSQL script ran", "index", i, "source", src)
	}
	return nil
}

func (in *Init) runScript(ctx context.Context, srv *tempServer, i int, src string) error {
	path := filepath.Join(in.Paths.InitSQLDir, fmt.Sprintf("%03d.sql", i))
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("initSQL[%d] (%s): the script is missing (does the key exist?): %w", i, src, err)
	}
	defer f.Close()
	if err := in.client(ctx, srv, "", f); err != nil {
		return fmt.Errorf("initSQL[%d] (%s) failed: %w", i, src, err)
	}
	return nil
}

// loadTimeZones pipes the system zoneinfo, as SQL, into the mysql schema.
func (in *Init) loadTimeZones(ctx context.Context, srv *tempServer) error {
	if _, err := os.Stat(filepath.Join(zoneinfoDir, in.Env.TimeZone)); err != nil {
		return fmt.Errorf("time zone %q: not in %s: %w", in.Env.TimeZone, zoneinfoDir, err)
	}
	var sql bytes.Buffer
	sql.WriteString("SET SESSION sql_log_bin = 0;\n")
	tz := exec.CommandContext(ctx, in.Tools.TZInfo, zoneinfoDir)
	tail := &tailWriter{}
	tz.Stdout, tz.Stderr = &sql, tail // it warns about every file that is no zone
	if err := tz.Run(); err != nil {
		return fmt.Errorf("%s: %w%s", filepath.Base(in.Tools.TZInfo), err, tail.suffix())
	}
	if err := in.client(ctx, srv, "mysql", &sql); err != nil {
		return fmt.Errorf("load time zone tables: %w", err)
	}
	return nil
}

// client runs the engine's client as root on the temporary server's socket with stdin as input.
// The password goes through an option file in the server's private directory, never argv.
func (in *Init) client(ctx context.Context, srv *tempServer, db string, stdin io.Reader) error {
	cnf := filepath.Join(srv.dir, "client.cnf")
	body := fmt.Sprintf("[client]\nuser=root\npassword=%s\nsocket=%s\n",
		optionQuote(in.Env.RootPassword), optionQuote(filepath.Join(srv.dir, "mysqld.sock")))
	if err := os.WriteFile(cnf, []byte(body), 0o600); err != nil {
		return fmt.Errorf("client options: %w", err)
	}
	defer os.Remove(cnf)
	args := []string{"--defaults-file=" + cnf, "--batch"}
	if db != "" {
		args = append(args, db)
	}
	cmd := exec.CommandContext(ctx, in.Tools.Client, args...)
	cmd.Stdin = stdin
	tail := &tailWriter{}
	out := io.MultiWriter(in.Tools.output(), tail)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w%s", filepath.Base(in.Tools.Client), err, tail.suffix())
	}
	return nil
}

// optionQuote quotes a value for an option file (double quotes; backslash and quote escaped).
func optionQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
