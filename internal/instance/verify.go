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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// VerifyResult is the one JSON line "ordinal verify-backup" prints (and leaves as the
// container's termination message, which the operator reads into the MySQLBackup's status).
type VerifyResult struct {
	Backup   string `json:"backup"`
	Verified bool   `json:"verified"`
	Message  string `json:"message"`
	// Tables is how many tables were checked.
	Tables int    `json:"tables"`
	Took   string `json:"took"`
	// StoreUnavailable says the store could not be read (credentials, bucket, network): nothing is
	// known of the backup, and the operator verifies it again later.
	StoreUnavailable bool `json:"storeUnavailable,omitempty"`
}

// terminationLog is where Kubernetes reads a container's termination message.
const terminationLog = "/dev/termination-log"

// VerifyMain is "ordinal verify-backup": restore the backup EnvRestore names into a scratch
// directory, check it, print the result; exit 0 only when it is verified. It needs no pod
// environment: the verification Job has only the store's.
func VerifyMain(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("verify-backup takes no arguments, got %v", args)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	v, err := verifierFromEnv(osEnv)
	var res VerifyResult
	if err != nil {
		res = VerifyResult{Message: err.Error(), Took: "0s"}
	} else {
		res = v.Run(ctx)
	}
	writeVerifyResult(res, os.Stdout, terminationLog)
	if !res.Verified {
		return errors.New(res.Message)
	}
	return nil
}

// Verifier restores one backup into scratch space and checks it.
type Verifier struct {
	Source   RestoreSource
	Flavor   mysql.Flavor
	TmpDir   string
	Tools    Tools
	Timeouts Timeouts
	// ServerUser is passed on as --user (tests run as root).
	ServerUser string
	Log        *slog.Logger
}

func verifierFromEnv(getenv func(string) string) (*Verifier, error) {
	f, err := mysql.FlavorByName(cmpOr(getenv("MYSQL_FLAVOR"), mysql.MariaDB.Name()))
	if err != nil {
		return nil, err
	}
	if f.Name() != mysql.MariaDB.Name() {
		return nil, errors.New(errMariaDBOnly)
	}
	src, err := loadRestoreSource(getenv)
	if err != nil {
		return nil, err
	}
	if src == nil || src.Backup == "" {
		return nil, fmt.Errorf("%s must name the backup to verify", EnvRestore)
	}
	return &Verifier{Source: *src, Flavor: f, TmpDir: DefaultPaths().TmpDir, Tools: DefaultTools(f),
		Timeouts: DefaultTimeouts(), ServerUser: getenv("ORDINAL_SERVER_USER"),
		Log: slog.New(slog.NewTextHandler(os.Stderr, nil))}, nil
}

// Run verifies the backup; every failure is a result, not an error.
func (v *Verifier) Run(ctx context.Context) VerifyResult {
	t0 := time.Now()
	n, msg, err := v.verify(ctx)
	res := VerifyResult{Backup: v.Source.Backup, Verified: err == nil, Message: msg, Tables: n,
		Took: time.Since(t0).Round(time.Millisecond).String()}
	if err != nil {
		res.Message = err.Error()
		switch objstore.Classify(err) {
		case objstore.ReasonAccessDenied, objstore.ReasonNoSuchBucket, objstore.ReasonUnreachable:
			res.StoreUnavailable = true
		}
	}
	return res
}

// verify restores into a scratch directory that is removed afterwards, then checks the tables.
func (v *Verifier) verify(ctx context.Context) (int, string, error) {
	scratch, err := os.MkdirTemp(v.TmpDir, "ordinal-verify-")
	if err != nil {
		return 0, "", err
	}
	defer os.RemoveAll(scratch)
	in := v.scratchInit(scratch)
	if err := os.Mkdir(in.Paths.DataDir, 0o750); err != nil {
		return 0, "", err
	}
	b, err := objstore.New(v.Source.Store.Config())
	if err != nil {
		return 0, "", err
	}
	m, err := readManifest(ctx, b, v.Source.Backup)
	if err != nil {
		return 0, "", err
	}
	if err := in.compatible(ctx, m); err != nil {
		return 0, "", err
	}
	// The backup's own InnoDB settings (backup-my.cnf, unpacked with it) are what its files need.
	cnf := fmt.Sprintf("[mysqld]\n!include %s\n", filepath.Join(in.Paths.DataDir, "backup-my.cnf"))
	if err := os.WriteFile(in.Paths.MemberConfig(), []byte(cnf), 0o644); err != nil {
		return 0, "", err
	}
	if _, err := in.fetchAndPrepare(ctx, b, m, in.Paths.DataDir); err != nil {
		return 0, "", err
	}
	return v.check(ctx, in, m)
}

// scratchInit is an Init whose paths all live in scratch: the datadir, the config and the
// temporary server's socket (the verification Job's tools volume is read-only).
func (v *Verifier) scratchInit(scratch string) *Init {
	return &Init{Env: Env{Flavor: v.Flavor, ServerUser: v.ServerUser}, Tools: v.Tools, Timeouts: v.Timeouts, Log: v.Log,
		Paths: Paths{DataDir: filepath.Join(scratch, "data"), ToolsDir: scratch, TmpDir: scratch}}
}

func readManifest(ctx context.Context, b *objstore.Bucket, name string) (backup.Manifest, error) {
	data, err := b.GetBytes(ctx, backup.ManifestKey(name))
	if errors.Is(err, objstore.ErrNotFound) {
		return backup.Manifest{}, fmt.Errorf("backup %q has no manifest in the store: it is incomplete or does not exist", name)
	}
	if err != nil {
		return backup.Manifest{}, err
	}
	return backup.ParseManifest(data)
}

// writeVerifyResult prints the result as one JSON line, and leaves it as the termination
// message when path can be written (in a pod; not elsewhere).
func writeVerifyResult(res VerifyResult, w io.Writer, path string) {
	line, _ := json.Marshal(res) // strings, a bool and an int
	line = append(line, '\n')
	_, _ = w.Write(line)
	if f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0); err == nil {
		_, _ = f.Write(line)
		_ = f.Close()
	}
}
