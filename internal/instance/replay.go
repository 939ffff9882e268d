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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/objstore"
)

// replayBinlogs applies a restore plan's archived binary logs to the restored temporary server,
// file by file in the plan's order: download (checked against the manifest's size and SHA-256),
// read what the server holds, and pipe the transactions it lacks, up to the plan's stop, through
// "mariadb-binlog … FILE | mariadb". The output of mariadb-binlog sets each transaction's
// server_id and gtid_seq_no, so the transactions keep their original GTIDs in the server's binary
// log (the replicas seeded from it afterwards compare those). Files overlap after a failover (the
// new primary archives what it wrote as a replica): what the server holds already is skipped,
// so nothing is applied twice. The replay ends at the first file it could not apply to its end
// when a stop is set (the stop was reached), which keeps the result a prefix of the history.
func (in *Init) replayBinlogs(ctx context.Context, srv *tempServer, b *objstore.Bucket, plan backup.Plan) error {
	if len(plan.Binlogs) == 0 {
		return nil
	}
	stop, err := gtid.ParseMariaDB(plan.StopGTID)
	if err != nil {
		return fmt.Errorf("replay: stop position: %w", err)
	}
	if err := srv.client.PrepareReplay(ctx); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	work, err := os.MkdirTemp(in.Paths.TmpDir, "ordinal-replay-")
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer os.RemoveAll(work)
	cnf, err := writeClientConfig(work, srv.socketPath(), in.Env.RootPassword)
	if err != nil {
		return err
	}
	r := replayer{in: in, srv: srv, bucket: b, work: work, cnf: cnf, stop: stop, stopTime: plan.StopTime}
	for i, f := range plan.Binlogs {
		done, err := r.file(ctx, f)
		if err != nil {
			return fmt.Errorf("replay %s of %s (%s, file %d of %d): %w", f.File, f.Member, f.Key, i+1, len(plan.Binlogs), err)
		}
		if done {
			break
		}
	}
	state, err := srv.client.GTIDBinlogState(ctx)
	in.Log.Info("binary logs replayed", "files", len(plan.Binlogs), "gtid_binlog_state", state,
		"stopTime", plan.StopTime, "stopGTID", plan.StopGTID)
	return err
}

// replayer applies the files of one plan.
type replayer struct {
	in       *Init
	srv      *tempServer
	bucket   *objstore.Bucket
	work     string // scratch directory for downloads
	cnf      string // the client's option file
	stop     gtid.Set
	stopTime time.Time
}

// file applies one archived file; done says the stop was reached.
func (r *replayer) file(ctx context.Context, f backup.BinlogFile) (bool, error) {
	held, err := r.held(ctx)
	if err != nil {
		return false, err
	}
	start, err := gtid.ParseMariaDB(f.StartState)
	if err != nil {
		return false, fmt.Errorf("start state: %w", err)
	}
	end, err := gtid.ParseMariaDB(f.EndState)
	if err != nil {
		return false, fmt.Errorf("end state: %w", err)
	}
	step, err := planReplay(held, start, end, r.stop)
	if err != nil || step.Done || step.Skip {
		return step.Done, err
	}
	path, err := r.download(ctx, f)
	if err != nil {
		return false, err
	}
	defer os.Remove(path)
	if err := r.apply(ctx, step, path); err != nil {
		return r.stoppedBeforeFile(ctx, held, err)
	}
	if held, err = r.held(ctx); err != nil {
		return false, err
	}
	if reachedEnd(held, end, step.Ignore) {
		return false, nil
	}
	if r.stop.IsEmpty() && r.stopTime.IsZero() {
		return false, fmt.Errorf("applied, but the server holds %s, short of the file's end %s", held, end)
	}
	return true, nil // the stop fell inside this file
}

// stoppedBeforeFile tells a stop time before the file's first transaction from a failure:
// mariadb-binlog then ends without passing its start position and says it "never reached" it,
// and the server holds what it held before. The replay is complete: nothing later is wanted.
func (r *replayer) stoppedBeforeFile(ctx context.Context, before gtid.Set, applyErr error) (bool, error) {
	if r.stopTime.IsZero() || !strings.Contains(applyErr.Error(), "never reached expected GTID state") {
		return false, applyErr
	}
	held, err := r.held(ctx)
	if err != nil || !held.Equal(before) {
		return false, applyErr
	}
	return true, nil
}

// held is what the restored server holds now.
func (r *replayer) held(ctx context.Context) (gtid.Set, error) {
	state, err := r.srv.client.GTIDBinlogState(ctx)
	if err != nil {
		return gtid.Set{}, err
	}
	return gtid.ParseMariaDB(state)
}

// download copies the archived file into the work directory and checks it against its manifest.
func (r *replayer) download(ctx context.Context, f backup.BinlogFile) (string, error) {
	rc, err := r.bucket.Get(ctx, f.Key)
	if err != nil {
		return "", fmt.Errorf("download: %w", err)
	}
	defer rc.Close()
	path := filepath.Join(r.work, filepath.Base(f.File))
	out, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("download: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), rc)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	sum := hex.EncodeToString(h.Sum(nil))
	switch {
	case err != nil:
		err = fmt.Errorf("download: %w", err)
	case n != f.Size:
		err = fmt.Errorf("download: %d bytes, the manifest says %d", n, f.Size)
	case f.SHA256 != "" && sum != f.SHA256:
		err = fmt.Errorf("download: sha256 %s, the manifest says %s: the object is damaged", sum, f.SHA256)
	}
	if err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}

// apply pipes the file through mariadb-binlog into the client; either failing fails the file.
// The client stops at the first failing statement and its session ends, so an incomplete
// transaction is rolled back.
func (r *replayer) apply(ctx context.Context, step replayStep, path string) error {
	dump := exec.CommandContext(ctx, r.in.Tools.Binlog, binlogArgs(step, r.stopTime, path)...)
	dump.Env = append(os.Environ(), "TZ=UTC") // --stop-datetime is read in local time
	client := exec.CommandContext(ctx, r.in.Tools.Client, "--defaults-file="+r.cnf, "--binary-mode",
		fmt.Sprintf("--max-allowed-packet=%d", mysql.ReplayPacket))
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	dumpTail, clientTail := &tailWriter{}, &tailWriter{}
	dump.Stdout, dump.Stderr = pw, io.MultiWriter(r.in.Tools.output(), dumpTail)
	client.Stdin = pr
	client.Stdout, client.Stderr = r.in.Tools.output(), io.MultiWriter(r.in.Tools.output(), clientTail)
	err = client.Start()
	if err == nil {
		if err = dump.Start(); err != nil {
			_ = client.Process.Kill()
		}
	}
	pr.Close() // the children hold their own ends now
	pw.Close()
	if err != nil {
		_ = client.Wait()
		return fmt.Errorf("apply: %w", err)
	}
	clientErr, dumpErr := client.Wait(), dump.Wait()
	if clientErr != nil {
		return fmt.Errorf("mariadb: %w%s", clientErr, clientTail.suffix())
	}
	if dumpErr != nil {
		return fmt.Errorf("mariadb-binlog: %w%s", dumpErr, dumpTail.suffix())
	}
	return nil
}

// binlogArgs are mariadb-binlog's arguments for one file (see replay_plan.go for what each does).
func binlogArgs(step replayStep, stopTime time.Time, path string) []string {
	args := []string{"--no-defaults"}
	if step.Start != "" {
		args = append(args, "--start-position="+step.Start)
	}
	if len(step.Ignore) > 0 {
		args = append(args, "--ignore-domain-ids="+strings.Join(step.Ignore, ","))
	}
	if step.Stop != "" {
		args = append(args, "--stop-position="+step.Stop)
	}
	if !stopTime.IsZero() {
		args = append(args, "--stop-datetime="+stopDatetime(stopTime))
	}
	return append(args, path)
}

// writeClientConfig writes the client's option file (root over the temporary server's socket),
// readable by this user only, so the password is on no command line.
func writeClientConfig(dir, socket, password string) (string, error) {
	quote := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	body := fmt.Sprintf("[client]\nuser=%s\npassword=\"%s\"\nsocket=\"%s\"\n", mysql.AccountRoot,
		quote.Replace(password), quote.Replace(socket))
	path := filepath.Join(dir, "client.cnf")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return "", fmt.Errorf("replay: client options: %w", err)
	}
	return path, nil
}

// socketPath is the temporary server's private socket (startServer puts it there).
func (s *tempServer) socketPath() string { return filepath.Join(s.dir, "mysqld.sock") }
