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

// Command scale is the operator-scale benchmark (make bench-scale): it
// runs the operator as a host process against localkube with 1, 10, 100
// and 1,000 three-member clusters on a hollow node whose members a SQL
// simulator (test/bench/simmember) answers, and writes
// bench/results/scale.json. It needs localkube (started when down) and
// bin/ordinal (make build); run it under flock /tmp/localkube.lock.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ordinal-dev/ordinal/internal/manager"
	"github.com/ordinal-dev/ordinal/test/bench/simmember"
	"github.com/ordinal-dev/ordinal/test/localkube"
)

type config struct {
	sizes            []int
	runs, namespaces int
	workers          int
	rest, settle     time.Duration
	out, name        string
	operator         string
	// compare, when set, is a second operator binary measured at every
	// cluster count too (the same clusters), written as section compareName.
	compare, compareName  string
	keep, shared, noAlone bool
	pprof                 bool
	memLimit              string
	// repeat measures each size this many times on the same clusters, restarting the operator
	// binary each time (rebuilt in between when pauseFile is set: the run waits for that file).
	repeat    int
	pauseFile string
}

// bench is one run.
type bench struct {
	config
	env   *env
	log   *slog.Logger
	fleet *simmember.Fleet
	proxy *apiProxy
	op    *operator // the one running now
	// variants are the operators measured: the compared one first.
	variants []variant
	// nsNames are the bench namespaces.
	nsNames []string
}

func main() {
	var c config
	var sizes string
	flag.StringVar(&sizes, "sizes", "10,100,1000", "cluster counts to measure, ascending (N=1 is always measured first)")
	flag.IntVar(&c.runs, "failovers", 3, "failovers per cluster count")
	flag.IntVar(&c.namespaces, "namespaces", 10, "namespaces the clusters are spread over")
	flag.IntVar(&c.workers, "workers", 16, "parallel cluster creations")
	flag.DurationVar(&c.rest, "rest", time.Minute, "how long the operator is observed at rest")
	flag.DurationVar(&c.settle, "settle", time.Minute, "pause between all clusters reconciled and the observation at rest: steady state, after the passes' connection pools closed (15 s idle) and their garbage was collected")
	flag.StringVar(&c.out, "out", "bench/results", "results directory (relative to the repository)")
	flag.StringVar(&c.name, "name", "scale", "section name: the file is OUT/NAME.json (scale-before for the measurement before a change)")
	flag.StringVar(&c.operator, "operator", "bin/ordinal", "the operator binary (relative to the repository), e.g. one built from the commit before a change")
	flag.StringVar(&c.compare, "compare-operator", "", "a second operator binary measured on the same clusters (e.g. built from the commit before a change)")
	flag.StringVar(&c.compareName, "compare-name", "scale-before", "the second operator's section name")
	flag.BoolVar(&c.noAlone, "no-alone", false, "skip N=1 (the failover alone), e.g. to re-measure only a large N")
	flag.BoolVar(&c.shared, "shared", false, "use the shared localkube (.localkube; pauses its in-cluster operator) instead of the bench's own")
	flag.BoolVar(&c.keep, "keep", false, "keep the bench namespaces afterwards (debugging)")
	flag.StringVar(&c.memLimit, "memlimit", strconv.FormatInt(manager.SoftMemoryLimit(256<<20), 10),
		"GOMEMLIMIT of the operator: in its pod it sets it itself from its container's limit (the chart's 256Mi); empty: none")
	flag.IntVar(&c.repeat, "repeat", 1, "measure each size this many times on the same clusters, the operator restarted each time (the section keeps every point)")
	flag.StringVar(&c.pauseFile, "pause-file", "", "with -repeat: before each repeat, wait until this file exists, then remove it (rebuild the operator meanwhile)")
	flag.BoolVar(&c.pprof, "pprof", false, "after each rest, save the operator's 30 s CPU profile and heap profile beside its log (the operator needs --pprof-bind-address)")
	flag.Parse()
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "scale: bad size %q\n", s)
			os.Exit(2)
		}
		c.sizes = append(c.sizes, n)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, log); err != nil {
		log.Error("Scale benchmark failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config, log *slog.Logger) error {
	root, err := localkube.FindRepoRoot()
	if err != nil {
		return err
	}
	e, err := attach(ctx, root, c.shared, log)
	if err != nil {
		return err
	}
	defer e.detach()
	b := &bench{config: c, env: e, log: log}
	cleanup := context.WithoutCancel(ctx)
	defer e.restore(cleanup)
	if err := b.setUp(ctx, root); err != nil {
		b.tearDown(cleanup)
		return err
	}
	defer b.tearDown(cleanup)
	return b.measureAll(ctx, root)
}

// setUp: CRDs, the in-cluster operator paused, a hollow node, the member
// simulator, the API proxy, the namespaces and the operator.
func (b *bench) setUp(ctx context.Context, root string) error {
	e := b.env
	if err := e.ensureCRDs(ctx); err != nil {
		return err
	}
	if err := e.pauseInClusterOperators(ctx); err != nil {
		return err
	}
	if err := e.startBinder(ctx, 16); err != nil {
		return err
	}
	h, err := e.lk.StartHollowNode(ctx, 1, 5000, b.log)
	if err != nil {
		return err
	}
	e.hollow = h
	b.fleet = simmember.NewFleet(3306, b.log)
	if err := b.fleet.WatchPods(ctx, e.cs, "spec.nodeName="+h.Name()); err != nil {
		return err
	}
	cfg, err := e.lk.RESTConfig()
	if err != nil {
		return err
	}
	if b.proxy, err = startAPIProxy(cfg); err != nil {
		return err
	}
	dir := filepath.Join(root, "bin", "bench-scale")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	kc := filepath.Join(dir, "operator.kubeconfig")
	if err := b.proxy.kubeconfig(kc); err != nil {
		return err
	}
	for i := 0; i < b.config.namespaces; i++ {
		b.nsNames = append(b.nsNames, fmt.Sprintf("bench-scale-%d", i))
	}
	if err := e.createNamespaces(ctx, b.nsNames); err != nil {
		return err
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	newOp := func(bin, log string) *operator {
		return &operator{bin: abs(bin), kubeconfig: kc, logPath: filepath.Join(dir, log), memLimit: b.memLimit,
			metricsAddr: "127.0.0.1:18093", probeAddr: "127.0.0.1:18094", namespaces: b.nsNames}
	}
	if b.compare != "" {
		b.variants = append(b.variants, variant{name: b.compareName, op: newOp(b.compare, b.compareName+"-operator.log")})
	}
	b.variants = append(b.variants, variant{name: b.name, op: newOp(b.config.operator, b.name+"-operator.log")})
	if b.pprof {
		b.variants[len(b.variants)-1].op.pprofAddr = "127.0.0.1:18095"
	}
	for _, v := range b.variants {
		_ = os.Remove(v.op.logPath)
	}
	b.op = b.variants[len(b.variants)-1].op
	return b.op.start()
}

// tearDown deletes the clusters while the operator still runs (its
// finalizers), then stops the operator, the simulator and the hollow node.
func (b *bench) tearDown(ctx context.Context) {
	e := b.env
	// The bench's own cluster goes as a whole with detach.
	if !b.keep && !e.own && len(b.nsNames) > 0 {
		b.log.Info("Deleting the bench namespaces")
		if err := e.deleteNamespaces(ctx, b.nsNames, 15*time.Minute); err != nil {
			b.log.Error("Deleting the bench namespaces failed", "err", err)
		}
	}
	if b.op != nil {
		b.op.stop()
	}
	if b.proxy != nil {
		b.proxy.close()
	}
	if b.fleet != nil {
		b.fleet.Close()
	}
	if e.hollow != nil && (e.own || !b.keep) {
		if err := e.hollow.Stop(ctx); err != nil {
			b.log.Error("Removing the hollow node failed", "err", err)
		}
	}
}

// variant is one operator binary and the section it is written to.
type variant struct {
	name string
	op   *operator
	sec  *section
}

// measureAll measures N=1 (the failover alone), then each size, with every
// operator variant on the same clusters, writing the sections after each
// measurement so a failure keeps what was measured.
func (b *bench) measureAll(ctx context.Context, root string) error {
	out := b.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	for i := range b.variants {
		v := &b.variants[i]
		title := "Operator scale"
		if v.name != b.name {
			title = "Operator scale, the operator before the change (" + filepath.Base(v.op.bin) + ")"
		}
		v.sec = newSection(v.name, title, b.memLimit, b.settle)
	}
	created := 0
	sizes := append([]int{1}, b.sizes...)
	if b.noAlone {
		sizes = b.sizes
	}
	for _, n := range sizes {
		if n <= created {
			continue
		}
		began := time.Now()
		if err := b.env.createClusters(ctx, b.nsNames, created, n, b.workers); err != nil {
			return err
		}
		created = n
		if err := b.env.waitReady(ctx, b.nsNames, n, 10*time.Minute+time.Duration(n)*3*time.Second); err != nil {
			return err
		}
		b.log.Info("Clusters Ready", "n", n, "seconds", time.Since(began).Seconds())
		for k := 0; k < max(b.repeat, 1); k++ {
			if err := b.pause(ctx, k); err != nil {
				return err
			}
			if err := b.measureVariants(ctx, out, n, began); err != nil {
				return err
			}
		}
	}
	return nil
}

// measureVariants measures every operator variant with n clusters, writing each section.
func (b *bench) measureVariants(ctx context.Context, out string, n int, began time.Time) error {
	for _, v := range b.variants {
		b.op.stop()
		b.op = v.op
		b.log.Info("Measuring", "operator", v.op.bin, "section", v.name, "n", n)
		pt, err := b.measure(ctx, n)
		v.sec.add(pt, time.Since(began))
		if werr := v.sec.write(out, b.fleet.Stats()); werr != nil {
			return werr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// pause waits, before every repeat but the first, for the pause file (when one is set).
func (b *bench) pause(ctx context.Context, repeat int) error {
	if repeat == 0 || b.pauseFile == "" {
		return nil
	}
	b.log.Info("Waiting for the pause file", "file", b.pauseFile, "repeat", repeat)
	for {
		if _, err := os.Stat(b.pauseFile); err == nil {
			return os.Remove(b.pauseFile)
		}
		if err := waitCtx(ctx, time.Second); err != nil {
			return err
		}
	}
}
