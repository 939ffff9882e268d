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

package servermetrics

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// ScrapeTimeout bounds one read of the server: well under Prometheus' default scrape timeout
// (10 s), so a hung server still gives an answer (mysql_up 0) instead of a failed scrape.
const ScrapeTimeout = 5 * time.Second

// Collector reads the server on every scrape. It has no fixed descriptors (the series are what
// the server reports), so it is an unchecked collector.
type Collector struct {
	// Read is one round of statements (mysql.Client.ServerMetrics).
	Read func(ctx context.Context) (mysql.ServerMetrics, error)
	// DataDir is the datadir volume's mount point.
	DataDir string
	// Version is the agent's build (ordinal_agent_info).
	Version string
	Log     *slog.Logger

	volume volume
	down   atomic.Bool // the last read failed: log only the changes, not every scrape
}

// New returns a Collector of the server that read reads, on the datadir volume dataDir.
func New(read func(context.Context) (mysql.ServerMetrics, error), dataDir, version string, log *slog.Logger) *Collector {
	return &Collector{Read: read, DataDir: dataDir, Version: version, Log: log,
		volume: volume{dir: dataDir, maxAge: DatadirRefresh, walkLimit: walkLimit}}
}

// Describe sends nothing: an unchecked collector.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect reads the server and the volume. Without an answer within ScrapeTimeout only mysql_up 0
// (and the volume and agent series) are reported.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	ch <- gauge("ordinal_agent_info", "The agent's build.", 1, "version", c.Version)
	for _, m := range c.volume.metrics(ctx) {
		ch <- m
	}
	m, err := c.Read(ctx)
	if err != nil {
		if !c.down.Swap(true) {
			c.Log.Info("Server metrics unavailable: mysql_up is 0", "err", err)
		}
		ch <- gauge(namespace+"_up", "Whether the agent can query its server.", 0)
		return
	}
	if c.down.Swap(false) {
		c.Log.Info("Server metrics available again")
	}
	ch <- gauge(namespace+"_up", "Whether the agent can query its server.", 1)
	for _, s := range Convert(m) {
		ch <- s
	}
}

// Handler serves c's series (and nothing else) in the Prometheus exposition formats. A series
// that cannot be gathered is left out rather than failing the whole scrape.
func Handler(c *Collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError,
		ErrorLog: slog.NewLogLogger(c.Log.Handler(), slog.LevelError)})
}
