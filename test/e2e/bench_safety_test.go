//go:build e2e && bench

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

package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/test/bench/results"
	"github.com/ordinal-dev/ordinal/test/workload"
)

// sysbench's bounds: small tables, a fixed time, a few threads (the machine has 2 cores).
const (
	sbTables    = 4
	sbTableSize = 10000
	sbThreads   = 4
	sbSeconds   = 30
	// bareHost is the bare server's address: outside localkube's pod and Service ranges
	// (127.10/16, 127.96/16) and the integration servers' 127.0.0.11+.
	bareHost = "127.0.0.201"
)

// sbTarget is where sysbench connects. A tlsDir encrypts its connections (--mysql-ssl=on):
// sysbench 1.0 reads cacert.pem, client-cert.pem and client-key.pem from its working directory.
type sbTarget struct {
	host, port, user, password string
	tlsDir                     string
}

// sbResult is one sysbench run.
type sbResult struct{ tps, p95ms float64 }

var _ = Describe("bench: safety", Ordered, func() {
	var sec *benchSection
	BeforeAll(func() {
		if _, err := exec.LookPath("sysbench"); err != nil {
			Skip("sysbench is not installed (make bench-safety installs it)")
		}
		sec = newBenchSection("safety", "Cost of safety")
	})
	AfterAll(func() {
		if sec != nil {
			sec.Write()
		}
	})

	It("measures sysbench through the primary Service with semiSync and async, and on a bare mariadbd", func(ctx SpecContext) {
		runs := benchRuns("BENCH_SAFETY_RUNS", 3)
		ns := fmt.Sprintf("bench-safety-%d", time.Now().Unix()%100000)
		createFaultCluster(ctx, ns, nil) // the sample: 3 members, spec.replication.mode semiSync (the default)
		// Waited for, so the next bench section does not share the machine with this one's teardown.
		DeferCleanup(func(ctx SpecContext) { _, _ = kubectlOut(ctx, "delete", "namespace", ns, "--timeout=3m") })
		e := openFaultEnv(ctx, "safety", ns)
		e.stop()
		Expect(e.semiSyncAtPrimary(ctx, 2*time.Minute)).To(BeEmpty(), "the primary waits for a semi-sync ack")
		host, port, err := net.SplitHostPort(e.primary)
		Expect(err).NotTo(HaveOccurred())
		svc := sbTarget{host: host, port: port, user: e.user, password: e.password}
		semi := sysbenchSeries(ctx, svc, runs)
		tlsSvc := svc
		tlsSvc.tlsDir = sysbenchTLSDir(ctx, e)
		semiTLS := sysbenchSeries(ctx, tlsSvc, runs)
		setAsync(ctx, e)
		async := sysbenchSeries(ctx, svc, runs)
		cnf := kubectl(ctx, "-n", ns, "get", "configmap", faultClusterName+"-config", "-o", `jsonpath={.data.my\.cnf}`)
		bare, kept := startBare(ctx, cnf)
		bareRes := sysbenchSeries(ctx, bare, runs)
		recordSafety(sec, semi, async, bareRes, kept)
		recordTLSCost(sec, semi, semiTLS)
	}, SpecTimeout(30*time.Minute))
})

// setAsync switches the cluster to async replication and waits until the primary no longer waits.
func setAsync(ctx context.Context, e *faultEnv) {
	GinkgoHelper()
	kubectl(ctx, "-n", e.ns, "patch", "mysqlcluster", faultClusterName, "--type=merge",
		"-p", `{"spec":{"replication":{"mode":"async"}}}`)
	db, err := sql.Open("mysql", workload.DSN(e.user, e.password, e.primary, "", 3*time.Second, 10*time.Second))
	Expect(err).NotTo(HaveOccurred())
	defer db.Close()
	Eventually(func() (string, error) {
		var v string
		err := db.QueryRowContext(ctx, "SELECT @@GLOBAL.rpl_semi_sync_master_enabled").Scan(&v)
		return v, err
	}).WithContext(ctx).WithTimeout(3*time.Minute).WithPolling(time.Second).Should(Equal("0"), "the primary stopped waiting for acks")
	Eventually(func() string { _, why := clusterReady(ctx, e.c, e.ns); return why }).
		WithContext(ctx).WithTimeout(readyTimeout).WithPolling(time.Second).Should(BeEmpty())
}

// sysbenchSeries prepares the tables afresh, runs oltp_write_only runs times, and cleans up.
func sysbenchSeries(ctx context.Context, t sbTarget, runs int) []sbResult {
	GinkgoHelper()
	db, err := sql.Open("mysql", workload.DSN(t.user, t.password, net.JoinHostPort(t.host, t.port), "", 5*time.Second, time.Minute))
	Expect(err).NotTo(HaveOccurred())
	defer db.Close()
	for _, q := range []string{"DROP DATABASE IF EXISTS sbtest", "CREATE DATABASE sbtest"} {
		_, err := db.ExecContext(ctx, q)
		Expect(err).NotTo(HaveOccurred(), q)
	}
	sysbench(ctx, t, "prepare")
	var out []sbResult
	for i := range runs {
		r := parseSysbench(sysbench(ctx, t, "run"))
		GinkgoWriter.Printf("bench: sysbench %s:%s run %d: %.1f tps, p95 %.2f ms\n", t.host, t.port, i, r.tps, r.p95ms)
		out = append(out, r)
	}
	_, err = db.ExecContext(ctx, "DROP DATABASE sbtest")
	Expect(err).NotTo(HaveOccurred())
	return out
}

// sysbench runs one sysbench command (prepare, run) against t, bounded in time.
func sysbench(ctx context.Context, t sbTarget, cmd string) string {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(ctx, sbSeconds*time.Second+3*time.Minute)
	defer cancel()
	args := []string{"oltp_write_only", "--db-driver=mysql", "--mysql-host=" + t.host, "--mysql-port=" + t.port,
		"--mysql-user=" + t.user, "--mysql-password=" + t.password, "--mysql-db=sbtest",
		fmt.Sprintf("--tables=%d", sbTables), fmt.Sprintf("--table-size=%d", sbTableSize),
		fmt.Sprintf("--threads=%d", sbThreads), fmt.Sprintf("--time=%d", sbSeconds), "--events=0",
		"--percentile=95", "--report-interval=0", cmd}
	if t.tlsDir != "" {
		args = append(args[:len(args)-1], "--mysql-ssl=on", cmd)
	}
	run := exec.CommandContext(ctx, "sysbench", args...)
	run.Dir = t.tlsDir
	out, err := run.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "sysbench %s: %s", cmd, out)
	return string(out)
}

// sysbenchTLSDir writes the files sysbench 1.0 reads for TLS: the cluster's CA bundle, and as
// its client certificate the members' own (signed by that CA; the server checks a client
// certificate it is shown).
func sysbenchTLSDir(ctx context.Context, e *faultEnv) string {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	data := tlsSecret(ctx, e).Data
	for file, key := range map[string]string{"cacert.pem": caKey, "client-cert.pem": corev1.TLSCertKey,
		"client-key.pem": corev1.TLSPrivateKeyKey} {
		Expect(os.WriteFile(filepath.Join(dir, file), data[key], 0o600)).To(Succeed())
	}
	return dir
}

var (
	sbTPS = regexp.MustCompile(`transactions:\s+\d+\s+\(([\d.]+) per sec\.\)`)
	sbP95 = regexp.MustCompile(`95th percentile:\s+([\d.]+)`)
)

// parseSysbench reads transactions per second and the 95th percentile latency of a run.
func parseSysbench(out string) sbResult {
	GinkgoHelper()
	tps, p95 := sbTPS.FindStringSubmatch(out), sbP95.FindStringSubmatch(out)
	Expect(tps).To(HaveLen(2), out)
	Expect(p95).To(HaveLen(2), out)
	var r sbResult
	r.tps, _ = strconv.ParseFloat(tps[1], 64)
	r.p95ms, _ = strconv.ParseFloat(p95[1], 64)
	Expect(r.tps).To(BeNumerically(">", 0), out)
	return r
}

// bareKeys are the rendered settings the bare server does not take: paths of the pod's layout
// (it gets its own), the fence (it must be writable) and the member's own settings.
var bareKeys = map[string]bool{"datadir": true, "log_bin": true, "relay_log": true, "pid_file": true, "socket": true,
	"port": true, "read_only": true, "bind_address": true, "server_id": true, "report_host": true, "report_port": true,
	// the pod's mounted certificates
	"ssl_ca": true, "ssl_cert": true, "ssl_key": true}

// bareConfig is the operator's rendered [mysqld] settings without bareKeys, plus the bare
// server's own paths and address; it returns the my.cnf and the settings kept.
func bareConfig(rendered, dir, port string) (string, []string) {
	var kept []string
	for _, l := range strings.Split(rendered, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "[") {
			continue
		}
		k, _, _ := strings.Cut(l, "=")
		if !bareKeys[strings.TrimSpace(k)] {
			kept = append(kept, l)
		}
	}
	own := []string{"datadir=" + filepath.Join(dir, "data"), "socket=" + filepath.Join(dir, "sock"),
		"pid_file=" + filepath.Join(dir, "pid"), "log_error=" + filepath.Join(dir, "error.log"),
		"log_bin=" + filepath.Join(dir, "data", "binlog"), "port=" + port, "bind_address=" + bareHost,
		"server_id=1", "read_only=OFF"}
	return "[mysqld]\n" + strings.Join(append(append([]string{}, kept...), own...), "\n") + "\n", kept
}

// startBare starts a mariadbd on bareHost with the operator's settings, creates a user for
// sysbench, and stops the server (then removes its files) when the spec ends.
func startBare(ctx context.Context, rendered string) (sbTarget, []string) {
	GinkgoHelper()
	dir, err := os.MkdirTemp("", "bench-bare-") // short: socket paths are limited to 107 bytes
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { os.RemoveAll(dir) })
	port := strconv.Itoa(freeLoopbackPort(bareHost))
	cnf, kept := bareConfig(rendered, dir, port)
	Expect(os.WriteFile(filepath.Join(dir, "my.cnf"), []byte(cnf), 0o644)).To(Succeed())
	ictx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ictx, "mariadb-install-db", "--no-defaults", "--user=root",
		"--datadir="+filepath.Join(dir, "data"), "--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	cmd := exec.Command("mariadbd", "--defaults-file="+filepath.Join(dir, "my.cnf"), "--user=root")
	Expect(cmd.Start()).To(Succeed())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	DeferCleanup(func() { stopBare(cmd, done) })
	sock := mysqldriver.NewConfig()
	sock.User, sock.Net, sock.Addr = "root", "unix", filepath.Join(dir, "sock")
	sock.Timeout, sock.ReadTimeout = 2*time.Second, 30*time.Second
	db, err := sql.Open("mysql", sock.FormatDSN())
	Expect(err).NotTo(HaveOccurred())
	defer db.Close()
	Eventually(db.PingContext).WithContext(ctx).WithTimeout(time.Minute).WithPolling(250*time.Millisecond).
		Should(Succeed(), "bare mariadbd up (log: %s)", filepath.Join(dir, "error.log"))
	for _, q := range []string{"CREATE USER 'bench'@'127.%' IDENTIFIED BY 'bench'", "GRANT ALL ON *.* TO 'bench'@'127.%'"} {
		_, err := db.ExecContext(ctx, q)
		Expect(err).NotTo(HaveOccurred(), q)
	}
	return sbTarget{host: bareHost, port: port, user: "bench", password: "bench"}, kept
}

// stopBare stops the server: SIGTERM, then SIGKILL after 30 s.
func stopBare(cmd *exec.Cmd, done <-chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// freeLoopbackPort is a port free on host now.
func freeLoopbackPort(host string) int {
	GinkgoHelper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// recordSafety turns the three series into figures (medians) and plots.
func recordSafety(sec *benchSection, semi, async, bare []sbResult, kept []string) {
	tps := func(rs []sbResult) []float64 { return pick(rs, func(r sbResult) float64 { return r.tps }) }
	lat := func(rs []sbResult) []float64 { return pick(rs, func(r sbResult) float64 { return r.p95ms }) }
	for _, t := range []struct {
		key, label string
		rs         []sbResult
	}{{"semisync", "semi-sync, through the primary Service", semi}, {"async", "async, through the primary Service", async},
		{"bare", "bare mariadbd on 127.0.0.201", bare}} {
		sec.Figure(pctFigure(t.key+"_tps", "Transactions/s, "+t.label+", median", tps(t.rs), 50, "tx/s"))
		sec.Figure(pctFigure(t.key+"_p95_ms", "p95 latency, "+t.label+", median of runs", lat(t.rs), 50, "ms"))
	}
	ratio := func(name, label string, a, b []sbResult) results.Figure {
		return results.Figure{Name: name, Label: label, Value: round3(median(tps(a)) / median(tps(b))), Unit: "ratio",
			Samples: min(len(a), len(b))}
	}
	r := ratio("semisync_async_ratio", "semi-sync / async transactions/s", semi, async)
	r.Target, r.Op, r.Goal = "≥ 0.7", ">=", 0.7
	sec.Figure(r)
	sec.Figure(ratio("async_bare_ratio", "async through the Service / bare mariadbd transactions/s (proxy, Service, replication)", async, bare))
	sec.Figure(ratio("semisync_bare_ratio", "semi-sync through the Service / bare mariadbd transactions/s (the whole stack)", semi, bare))
	groups := func(f func([]sbResult) []float64) []results.Group {
		return []results.Group{{Label: "semi-sync", Values: f(semi)}, {Label: "async", Values: f(async)}, {Label: "bare mariadbd", Values: f(bare)}}
	}
	sec.Series(results.Series{Name: "safety-tps", Title: "sysbench oltp_write_only: transactions/s per run", Kind: "box",
		YLabel: "transactions/s", Groups: groups(tps)})
	sec.Series(results.Series{Name: "safety-p95", Title: "sysbench oltp_write_only: p95 latency per run", Kind: "box",
		YLabel: "ms", Groups: groups(lat)})
	sec.Note(fmt.Sprintf("sysbench 1.0.20 oltp_write_only, %d tables × %d rows, %d threads, %d s per run, %d runs per "+
		"target after a fresh prepare; figures are medians over runs, ratios are of the median transactions/s. "+
		"Targets: the sample 3-member MariaDB cluster through the ClusterIP of mysql-primary (from the host, through "+
		"localkube's Service proxy) with spec.replication.mode semiSync, then the same cluster patched to async "+
		"(once the primary's rpl_semi_sync_master_enabled read 0); then a bare mariadbd started by the test on %s.",
		sbTables, sbTableSize, sbThreads, sbSeconds, len(semi), bareHost))
	sec.Note("The bare server runs the same binary with the operator's rendered my.cnf (the cluster's ConfigMap), without " +
		"the pod's paths, the member's own settings and the read-only fence; it kept: " + strings.Join(kept, ", ") +
		". So it has the same durability (binary log, sync_binlog, innodb_flush_log_at_trx_commit) but no replica, " +
		"no Service proxy and no semi-sync wait. All on one 2-core machine: the other members, the operator and the " +
		"control plane share the CPUs with the primary.")
	sec.Note(fmt.Sprintf("Run-to-run spread of transactions/s (min–max): semi-sync %s, async %s, bare %s. Every commit "+
		"waits for fsyncs (sync_binlog=1, innodb_flush_log_at_trx_commit=1) on one shared virtual disk, and the machine "+
		"ran other work at the same time, so differences smaller than this spread are noise, not a cost.",
		spread(semi), spread(async), spread(bare)))
}

// recordTLSCost is the write throughput over TLS connections as a ratio to plain ones, both
// through the primary Service of the same semi-sync cluster (docs/security.md).
func recordTLSCost(sec *benchSection, plain, encrypted []sbResult) {
	tps := func(rs []sbResult) []float64 { return pick(rs, func(r sbResult) float64 { return r.tps }) }
	sec.Figure(pctFigure("semisync_tls_tps", "Transactions/s, semi-sync, clients over TLS, median", tps(encrypted), 50, "tx/s"))
	sec.Figure(results.Figure{Name: "tls_plain_ratio", Label: "clients over TLS / plain clients, transactions/s (semi-sync)",
		Value: round3(median(tps(encrypted)) / median(tps(plain))), Unit: "ratio", Samples: min(len(plain), len(encrypted))})
	sec.Note(fmt.Sprintf("TLS cost: the same semi-sync cluster, sysbench with --mysql-ssl=on (TLS to the primary through "+
		"the Service, presenting the members' certificate; sysbench 1.0 does not verify the server's), against the plain "+
		"series above; replication runs over verified TLS in both series, the default. Spread (min–max): TLS %s, plain %s.",
		spread(encrypted), spread(plain)))
}

// spread is the run-to-run range of transactions/s, "min–max".
func spread(rs []sbResult) string {
	v := sortedCopy(pick(rs, func(r sbResult) float64 { return r.tps }))
	return fmt.Sprintf("%.0f–%.0f", v[0], v[len(v)-1])
}

func pick(rs []sbResult, f func(sbResult) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}
