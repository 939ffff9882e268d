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

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// point is what one cluster count measured.
type point struct {
	N int `json:"n"`
	// Runs is how many measurements of N were pooled into this point (-repeat; 0 and 1: one).
	Runs int `json:"runs,omitempty"`
	// ReconciledSeconds: operator start to controller_runtime_reconcile_total
	// of the cluster controller reaching N.
	ReconciledSeconds float64 `json:"reconciledSeconds"`
	RSSMiB            float64 `json:"rssMiB"`  // max over the minute at rest
	HeapMiB           float64 `json:"heapMiB"` // go_memstats_heap_inuse_bytes at the end of it
	CPUPercent        float64 `json:"cpuPercent"`
	// PerMinute: requests the operator sent in the minute at rest, by verb
	// (and TopResources the resources of the largest counts).
	PerMinute    map[string]float64 `json:"perMinute"`
	TopResources map[string]float64 `json:"topResources"`
	// RESTPerMinute is the operator's own rest_client_requests_total by
	// HTTP method over the same minute (a cross-check of the proxy).
	RESTPerMinute      map[string]float64 `json:"restPerMinute"`
	QueueMax           float64            `json:"queueMax"`
	QueueAddsPerMin    float64            `json:"queueAddsPerMinute"`
	QueueMean          float64            `json:"queueMean"`
	StatementsPerSec   float64            `json:"statementsPerSec"`
	FailoverSeconds    []float64          `json:"failoverSeconds"`
	UnknownStatements  uint64             `json:"unknownStatements"`
	ReconcileErrorsMin float64            `json:"reconcileErrorsPerMinute"`
}

// restSample is how often the operator's metrics are read at rest.
const restSample = 15 * time.Second

// measure restarts the operator with n clusters Ready and measures it:
// time to reconcile all, then a minute at rest, then failovers.
func (b *bench) measure(ctx context.Context, n int) (point, error) {
	pt := point{N: n}
	b.op.stop()
	if err := b.op.start(); err != nil {
		return pt, err
	}
	startProfile := make(chan struct{})
	go func() {
		defer close(startProfile)
		if b.op.pprofAddr != "" {
			b.saveProfile(ctx, "/debug/pprof/profile?seconds=15", fmt.Sprintf("cpu-start-n%d.pprof", n))
		}
	}()
	secs, err := b.timeToReconcile(ctx, n)
	<-startProfile
	if err != nil {
		return pt, err
	}
	pt.ReconciledSeconds = secs
	b.log.Info("All clusters reconciled after the operator start", "n", n, "seconds", secs)
	if err := waitCtx(ctx, b.settle); err != nil {
		return pt, err
	}
	if err := b.atRest(ctx, &pt); err != nil {
		return pt, err
	}
	if b.op.pprofAddr != "" {
		b.saveProfiles(ctx, n)
	}
	b.log.Info("At rest", "n", n, "rssMiB", pt.RSSMiB, "cpuPercent", pt.CPUPercent, "perMinute", pt.PerMinute,
		"queueMax", pt.QueueMax, "queueAddsPerMin", pt.QueueAddsPerMin, "statementsPerSec", pt.StatementsPerSec, "top", pt.TopResources)
	runs, err := b.failovers(ctx, n)
	pt.FailoverSeconds = runs
	pt.UnknownStatements = b.fleet.Stats().Unknown
	return pt, err
}

// timeToReconcile polls the operator's metrics until the cluster
// controller has reconciled n times since its start (at most 10 minutes).
func (b *bench) timeToReconcile(ctx context.Context, n int) (float64, error) {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		m, err := scrapeWith(pollClient, b.op.metricsAddr)
		if err == nil && m.sum("controller_runtime_reconcile_total", map[string]string{"controller": "mysqlcluster"}) >= float64(n) {
			return time.Since(b.op.started).Seconds(), nil
		}
		// Every second, uncompressed: a scrape renders every cluster's series, and scraping every
		// 100 ms cost the starting operator a tenth of its CPU.
		if err := waitCtx(ctx, time.Second); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("the operator did not reconcile %d clusters in 10 minutes", n)
}

// atRest samples the operator for b.rest (a minute): CPU, API requests by
// verb, queue depth every second, RSS, heap, statements the members got.
func (b *bench) atRest(ctx context.Context, pt *point) error {
	pid := b.op.pid()
	cpu0, err := cpuSeconds(pid)
	if err != nil {
		return err
	}
	m0, err := scrape(b.op.metricsAddr)
	if err != nil {
		return err
	}
	api0, st0, began := b.proxy.snapshot(), b.fleet.Stats(), time.Now()
	var depthSum float64
	samples := 0
	for time.Since(began) < b.rest {
		// Scraped as Prometheus would (every 15 s): a scrape renders every cluster's series, work
		// the operator does not do at rest otherwise. workqueue_adds_total below says whether
		// anything was queued between two samples.
		if err := waitCtx(ctx, min(restSample, b.rest-time.Since(began))); err != nil {
			return err
		}
		m, err := scrape(b.op.metricsAddr)
		if err != nil {
			return err
		}
		d := m.sum("workqueue_depth", map[string]string{"name": "mysqlcluster"})
		depthSum += d
		pt.QueueMax = max(pt.QueueMax, d)
		samples++
		if rss, err := rssBytes(pid); err == nil {
			pt.RSSMiB = max(pt.RSSMiB, rss/(1<<20))
		}
	}
	elapsed := time.Since(began)
	cpu1, err := cpuSeconds(pid)
	if err != nil {
		return err
	}
	m1, err := scrape(b.op.metricsAddr)
	if err != nil {
		return err
	}
	api1, st1 := b.proxy.snapshot(), b.fleet.Stats()
	perMin := 60 / elapsed.Seconds()
	pt.CPUPercent = 100 * (cpu1 - cpu0) / elapsed.Seconds()
	pt.QueueMean = depthSum / float64(max(samples, 1))
	pt.HeapMiB = m1.sum("go_memstats_heap_inuse_bytes", nil) / (1 << 20)
	pt.StatementsPerSec = float64(st1.Statements-st0.Statements) / elapsed.Seconds()
	pt.PerMinute, pt.TopResources = verbRates(api0, api1, perMin)
	pt.RESTPerMinute = map[string]float64{}
	r0, r1 := m0.byLabel("rest_client_requests_total", "method"), m1.byLabel("rest_client_requests_total", "method")
	for k, v := range r1 {
		pt.RESTPerMinute[k] = (v - r0[k]) * perMin
	}
	adds := map[string]string{"name": "mysqlcluster"}
	pt.QueueAddsPerMin = (m1.sum("workqueue_adds_total", adds) - m0.sum("workqueue_adds_total", adds)) * perMin
	errs := map[string]string{"controller": "mysqlcluster", "result": "error"}
	pt.ReconcileErrorsMin = (m1.sum("controller_runtime_reconcile_total", errs) - m0.sum("controller_runtime_reconcile_total", errs)) * perMin
	return nil
}

// verbRates turns two proxy snapshots into requests per minute by verb
// (every verb present, 0 included) and "VERB resource" for the resources.
func verbRates(a, b map[string]map[string]float64, perMin float64) (map[string]float64, map[string]float64) {
	byVerb := map[string]float64{"GET": 0, "LIST": 0, "WATCH": 0, "POST": 0, "PUT": 0, "PATCH": 0, "DELETE": 0}
	byRes := map[string]float64{}
	for verb, res := range b {
		for r, n := range res {
			d := (n - a[verb][r]) * perMin
			if d == 0 {
				continue
			}
			byVerb[verb] += d
			byRes[verb+" "+r] += d
		}
	}
	return byVerb, byRes
}

// failovers freezes the primary of clusters 0..runs-1 in turn.
func (b *bench) failovers(ctx context.Context, n int) ([]float64, error) {
	var out []float64
	for i := 0; i < b.runs; i++ {
		r := refOf(b.nsNames, i%n)
		d, err := b.env.failover(ctx, b.fleet, r)
		if err != nil {
			return out, err
		}
		b.log.Info("Failover", "n", n, "cluster", r.String(), "seconds", d.Seconds())
		out = append(out, d.Seconds())
	}
	return out, nil
}

// saveProfiles writes the operator's 30 s CPU profile and its heap profile beside its log, for
// `go tool pprof bin/ordinal FILE`.
func (b *bench) saveProfiles(ctx context.Context, n int) {
	b.saveProfile(ctx, "/debug/pprof/profile?seconds=30", fmt.Sprintf("cpu-n%d.pprof", n))
	b.saveProfile(ctx, "/debug/pprof/heap", fmt.Sprintf("heap-n%d.pprof", n))
}

// saveProfile fetches one profile; a failure is logged: profiles are for reading, not figures.
func (b *bench) saveProfile(ctx context.Context, path, file string) {
	dest := filepath.Join(filepath.Dir(b.op.logPath), file)
	if err := fetchTo(ctx, "http://"+b.op.pprofAddr+path, dest); err != nil {
		b.log.Error("Saving a profile failed", "profile", file, "err", err)
		return
	}
	b.log.Info("Saved a profile", "file", dest)
}

func fetchTo(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
