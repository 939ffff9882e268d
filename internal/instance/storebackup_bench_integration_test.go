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

package instance

import (
	"compress/gzip"
	"context"
	"database/sql"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
	"github.com/ordinal-dev/ordinal/internal/objstore/s3test"
)

// TestStoreBackupThroughput measures a store backup of a datadir of ORDINAL_BACKUP_BENCH_MB
// megabytes (filled by a loop of inserts) against a plain cp -r of the same datadir. Opt-in: it
// takes minutes and measures the machine more than the code.
//
//	ORDINAL_BACKUP_BENCH_MB=200 go test -tags integration -run Throughput -v ./internal/instance/
func TestStoreBackupThroughput(t *testing.T) {
	target, _ := strconv.Atoi(os.Getenv("ORDINAL_BACKUP_BENCH_MB"))
	if target <= 0 {
		t.Skip("set ORDINAL_BACKUP_BENCH_MB to measure")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	c := mysqltest.StartWith(t, 1, mysqltest.Options{FirstHost: 71,
		ExtraArgs: []string{"--innodb-buffer-pool-size=256M", "--innodb-log-file-size=16M", "--sync-binlog=0",
			"--innodb-flush-log-at-trx-commit=2", "--read-only=OFF", "--tmpdir=" + t.TempDir()}})
	m := c.Members[0]
	size := fillBench(t, ctx, m, int64(target)<<20)
	a, addr := newStoreAgent(t, m, 0, DefaultTools(mysql.MariaDB).Backup)
	for _, stage := range []struct {
		name string
		sink func(io.Writer, io.Reader) error
	}{
		{"mariadb-backup alone", func(w io.Writer, r io.Reader) error { _, err := io.Copy(w, r); return err }},
		{"mariadb-backup | klauspost gzip -1 (the agent's)", compress},
		{"mariadb-backup | compress/gzip -6", stdGzip},
	} {
		n, took := timeBackup(t, ctx, a, stage.sink)
		t.Logf("%s: %v, %d MB out: %.1f MB/s of datadir", stage.name, took.Round(time.Millisecond), n>>20, mbps(size, took))
	}
	timeStoreBackup(t, ctx, addr, size)
	dst := filepath.Join(t.TempDir(), "copy")
	t0 := time.Now()
	if out, err := exec.Command("cp", "-r", m.DataDir, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -r: %v %s", err, out)
	}
	took := time.Since(t0)
	t.Logf("cp -r: %v: %.1f MB/s", took.Round(time.Millisecond), mbps(size, took))
}

// fillBench fills a table until the datadir holds target bytes; it returns the datadir's size.
func fillBench(t *testing.T, ctx context.Context, m *mysqltest.Member, target int64) int64 {
	app := longDB(t, m)
	exec1(t, app, "CREATE USER 'ordinal'@'localhost' IDENTIFIED BY '"+operatorPassword+"'")
	exec1(t, app, "GRANT ALL PRIVILEGES ON *.* TO 'ordinal'@'localhost' WITH GRANT OPTION")
	exec1(t, app, "CREATE TABLE app.bench (id BIGINT AUTO_INCREMENT PRIMARY KEY, n BIGINT, s VARCHAR(255), b VARBINARY(64), KEY (n))")
	exec1(t, app, "INSERT INTO app.bench (n, s, b) VALUES (1, MD5(RAND()), RANDOM_BYTES(64))")
	t0 := time.Now()
	for rows := int64(1); ; {
		size := dirSize(t, m.DataDir)
		if size >= target {
			break
		}
		// Up to doubling the rows, less near the target: hex text (compressible), random bytes
		// (not), numbers.
		n := min(rows, max(1000, rows*(target-size)/size))
		_, err := app.ExecContext(ctx, "INSERT INTO app.bench (n, s, b) SELECT n * 7 + id, "+
			"CONCAT(MD5(RAND()), SHA1(id), MD5(n)), RANDOM_BYTES(64) FROM app.bench LIMIT ?", n)
		must(t, err)
		rows += n
	}
	size := dirSize(t, m.DataDir)
	ibd, err := os.Stat(filepath.Join(m.DataDir, "app", "bench.ibd"))
	must(t, err)
	t.Logf("datadir: %d MB (the table: %d MB, %s rows), filled in %v", size>>20, ibd.Size()>>20,
		query(t, app, "SELECT COUNT(*) FROM app.bench"), time.Since(t0).Round(time.Second))
	return size
}

// timeStoreBackup runs a store backup through the agent into a local S3 server.
func timeStoreBackup(t *testing.T, ctx context.Context, addr string, size int64) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "backups")
	cfg := srv.Config("backups", "bench")
	store := agentapi.Store{Endpoint: cfg.Endpoint, Bucket: cfg.Bucket, Prefix: cfg.Prefix, AccessKey: cfg.AccessKey,
		SecretKey: cfg.SecretKey}
	op := agentapi.Client{User: "ordinal", Password: operatorPassword}
	t0 := time.Now()
	_, err := op.StartStoreBackup(ctx, addr, agentapi.StoreBackupRequest{Name: "bench", Store: store})
	must(t, err)
	f := &storeFixture{donorCluster: &donorCluster{t: t, ctx: ctx}, op: op}
	job := f.wait(addr)
	took := time.Since(t0)
	if job.Phase != agentapi.JobSucceeded {
		t.Fatalf("backup: %+v", job)
	}
	t.Logf("store backup: %v, %d MB datadir -> %d MB stored: %.1f MB/s of datadir, %.1f MB/s stored",
		took.Round(time.Millisecond), size>>20, job.Manifest.Size>>20, mbps(size, took), mbps(job.Manifest.Size, took))
}

// timeBackup runs the agent's backup command into sink, to a counter.
func timeBackup(t *testing.T, ctx context.Context, a *Agent, sink func(io.Writer, io.Reader) error) (int64, time.Duration) {
	work := t.TempDir()
	cmd := exec.CommandContext(ctx, a.Tools.Backup, a.backupArgs(work)...)
	out, err := cmd.StdoutPipe()
	must(t, err)
	t0 := time.Now()
	must(t, cmd.Start())
	var n atomic.Int64
	must(t, sink(counter{&n}, out))
	must(t, cmd.Wait())
	return n.Load(), time.Since(t0)
}

func stdGzip(w io.Writer, r io.Reader) error {
	zw := gzip.NewWriter(w)
	if _, err := io.Copy(zw, r); err != nil {
		return err
	}
	return zw.Close()
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / (1 << 20) / d.Seconds() }

func dirSize(t *testing.T, dir string) int64 {
	var n int64
	must(t, filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	}))
	return n
}

// longDB is root on m without mysqltest's 10 s read timeout: one pass of the fill takes minutes.
func longDB(t *testing.T, m *mysqltest.Member) *sql.DB {
	cfg, err := driver.ParseDSN(m.DSN(mysqltest.RootUser, mysqltest.RootPassword))
	must(t, err)
	cfg.ReadTimeout, cfg.WriteTimeout = 20*time.Minute, 20*time.Minute
	conn, err := driver.NewConnector(cfg)
	must(t, err)
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	return db
}
