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
	"net"
	"net/http"
	"strconv"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/servermetrics"
	"github.com/ordinal-dev/ordinal/internal/version"
)

// MetricsHandler serves GET /metrics: the per-server metrics (package servermetrics) of this
// member, without credentials, like mysqld_exporter. It reads the server through its own
// connection pool (closed by the returned func), with the scrape's longer timeout: a slow scrape
// never takes a connection the health probes need.
func (a *Agent) MetricsHandler() (http.Handler, func() error, error) {
	db, err := mysql.Open(mysql.Config{Flavor: a.Env.Flavor, Socket: a.Paths.Socket(), User: mysql.AccountOperator,
		Password: a.Env.OperatorPassword, ConnectTimeout: probeTimeout, ReadTimeout: servermetrics.ScrapeTimeout,
		WriteTimeout: servermetrics.ScrapeTimeout, StatementTimeout: servermetrics.ScrapeTimeout})
	if err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	c := servermetrics.New(db.ServerMetrics, a.Paths.DataDir, version.Version, a.Log)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", servermetrics.Handler(c))
	return mux, db.Close, nil
}

// serveMetrics serves MetricsHandler on POD_IP:9104 until ctx ends. A failure is logged, never
// fatal: the agent's API and the kubelet's probes matter more than a scrape target.
func (a *Agent) serveMetrics(ctx context.Context) {
	h, closeDB, err := a.MetricsHandler()
	if err != nil {
		a.Log.Error("Per-server metrics not served", "err", err)
		return
	}
	defer closeDB()
	addr := net.JoinHostPort(a.Env.PodIP, strconv.Itoa(agentapi.MetricsPort))
	if err := serve(ctx, addr, h, nil, a.Log); err != nil { // plain: Prometheus scrapes it
		a.Log.Error("Per-server metrics not served", "addr", addr, "err", err)
	}
}
