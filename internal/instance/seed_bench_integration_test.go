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
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// TestSeedThroughput seeds new members over mutual TLS from a donor holding
// ORDINAL_SEED_BENCH_MB megabytes of 32 KiB rows (as the e2e seeding bench loads), and times each
// seed (and the donor's mariadb-backup alone) against cp -a of the donor's datadir. Opt-in: it
// measures the machine more than the code; it is how the seed's stages were profiled without
// Kubernetes (add -cpuprofile, or run it under perf record -a).
//
//	ORDINAL_SEED_BENCH_MB=1024 ORDINAL_SEED_BENCH_RUNS=3 go test -tags integration -run SeedThroughput -v ./internal/instance/
func TestSeedThroughput(t *testing.T) {
	target, _ := strconv.Atoi(os.Getenv("ORDINAL_SEED_BENCH_MB"))
	if target <= 0 {
		t.Skip("set ORDINAL_SEED_BENCH_MB to measure")
	}
	runs, _ := strconv.Atoi(os.Getenv("ORDINAL_SEED_BENCH_RUNS"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	c := mysqltest.StartWith(t, 1, mysqltest.Options{FirstHost: 81,
		ExtraArgs: []string{"--innodb-buffer-pool-size=256M", "--read-only=OFF", "--tmpdir=" + t.TempDir()}})
	m := c.Members[0]
	fillRows(t, m, target)
	size := dirSize(t, m.DataDir)
	pki := newTestPKI(t, m.Host)
	donor := newMemberAgent(t, m, 0)
	donor.Paths.TLSDir = pki.dir
	donor.tls = donor.Paths.tlsFiles()
	addr := serveOnTLS(t, m.Host, donor)
	n, took := timeBackup(t, ctx, donor, func(w io.Writer, r io.Reader) error { _, err := io.Copy(w, r); return err })
	t.Logf("mariadb-backup alone: %d MB in %v", n>>20, took.Round(time.Millisecond))
	for i := range max(runs, 1) {
		seeded, seed := timeSeed(t, ctx, addr, pki.dir)
		cp := timeCopy(t, m.DataDir)
		t.Logf("run %d: seeded %d MB in %v (%.1f MB/s); cp -a of %d MB: %v (%.1f MB/s); ratio %.2f", i, seeded>>20,
			seed.Round(time.Millisecond), mbps(seeded, seed), size>>20, cp.Round(time.Millisecond), mbps(size, cp),
			mbps(seeded, seed)/mbps(size, cp))
	}
}

// fillRows loads about mb megabytes of 32 KiB rows (each different) into app.big on m.
func fillRows(t *testing.T, m *mysqltest.Member, mb int) {
	app := longDB(t, m)
	exec1(t, app, "CREATE USER 'ordinal'@'localhost' IDENTIFIED BY '"+operatorPassword+"'")
	exec1(t, app, "GRANT ALL PRIVILEGES ON *.* TO 'ordinal'@'localhost' WITH GRANT OPTION")
	exec1(t, app, "CREATE TABLE app.big (id BIGINT AUTO_INCREMENT PRIMARY KEY, v LONGTEXT)")
	for range max(mb/8, 1) { // 256 rows of 32 KiB: 8 MiB each
		exec1(t, app, "INSERT INTO app.big (v) SELECT REPEAT(MD5(RAND()), 1024) FROM app.seq_1_to_256")
	}
}

// timeSeed runs init on a new pod whose marker names the donor at addr; it returns the seeded
// datadir's size and the seed's time, logs init's timings and the CPU busy meanwhile, and
// removes the pod's files.
func timeSeed(t *testing.T, ctx context.Context, addr, tlsDir string) (int64, time.Duration) {
	p := newTestPod(t, 1, "127.0.0.82")
	p.paths.TLSDir = tlsDir
	yes := true
	must(t, writeMarker(p.paths.SeedMarker(), SeedMarker{Donor: addr, DonorTLS: &yes}))
	busy0, all0 := cpuTicks(t)
	self0 := selfCPU(t)
	t0 := time.Now()
	must(t, p.init().Run(ctx))
	took := time.Since(t0)
	busy1, all1 := cpuTicks(t)
	b, _ := os.ReadFile(p.output.Name())
	t.Logf("CPU busy during the seed: %.0f%% of all cores, %v of it in the agent and init; init's log:\n%s",
		100*float64(busy1-busy0)/float64(all1-all0), (selfCPU(t) - self0).Round(time.Millisecond),
		grepLines(string(b), "backup received", "datadir seeded"))
	size := dirSize(t, p.paths.DataDir)
	must(t, os.RemoveAll(filepath.Dir(p.paths.DataDir)))
	settle(t)
	return size, took
}

// timeCopy times cp -a of dir beside itself, and removes the copy.
func timeCopy(t *testing.T, dir string) time.Duration {
	dst := dir + ".copy"
	t0 := time.Now()
	if out, err := exec.Command("cp", "-a", dir, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v %s", err, out)
	}
	took := time.Since(t0)
	must(t, os.RemoveAll(dst))
	settle(t)
	return took
}

// grepLines is the lines of s that hold any of the words.
func grepLines(s string, words ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(l, w) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// cpuTicks reads the machine's CPU time from /proc/stat: busy (all but idle and iowait) and all.
func cpuTicks(t *testing.T) (busy, all int64) {
	b, err := os.ReadFile("/proc/stat")
	must(t, err)
	f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1:]
	for i, v := range f {
		n, _ := strconv.ParseInt(v, 10, 64)
		all += n
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy, all
}

// settle writes back what is dirty and gives the file system time to discard freed blocks (this
// VM's root is mounted with discard), so the next measurement does not pay for the last one.
func settle(t *testing.T) {
	if out, err := exec.Command("sync").CombinedOutput(); err != nil {
		t.Fatalf("sync: %v %s", err, out)
	}
	time.Sleep(3 * time.Second)
}

// selfCPU is this process's CPU time so far (user and system): the donor's agent and init.
func selfCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	must(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
