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

package servermetrics_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
	"github.com/ordinal-dev/ordinal/internal/servermetrics"
)

// The driver logs the broken connections of the stopped member.
func init() { _ = driver.SetLogger(log.New(io.Discard, "", 0)) }

// scraper serves one member's metrics as the agent does and scrapes them over HTTP.
type scraper struct {
	t   *testing.T
	url string
}

func newScraper(t *testing.T, m *mysqltest.Member) (*scraper, *mysql.Client) {
	c, err := mysql.Open(mysql.Config{Flavor: mysql.MariaDB, Socket: m.Socket, User: mysqltest.RootUser,
		Password: mysqltest.RootPassword, StatementTimeout: servermetrics.ScrapeTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(servermetrics.Handler(servermetrics.New(c.ServerMetrics, m.DataDir, "test", log)))
	t.Cleanup(srv.Close)
	return &scraper{t: t, url: srv.URL}, c
}

// scrape returns the series without labels, and the labelled ones with their label text, e.g.
// `mysql_slave_status_slave_sql_running{channel_name="",…}` → 1.
func (s *scraper) scrape() map[string]float64 {
	s.t.Helper()
	resp, err := http.Get(s.url)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("scrape: %s, %v", resp.Status, err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		i := strings.LastIndexByte(line, ' ')
		if line == "" || line[0] == '#' || i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			s.t.Fatalf("line %q: %v", line, err)
		}
		name := line[:i]
		if j := strings.IndexByte(name, '{'); j >= 0 {
			out[name[:j]] = v // labelled: by name too (one series per name in these tests)
		}
		out[name] = v
	}
	return out
}

func (s *scraper) eventually(what string, ok func(map[string]float64) bool) map[string]float64 {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := s.scrape()
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: not within 30s; last scrape %v", what, m)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A real primary and replica: the contract's series, queries that grow, the replica's threads,
// a stopped applier, and a server that is down.
func TestScrapeMariaDB(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl := mysqltest.StartWith(t, 2, mysqltest.Options{FirstHost: 61})
	primary, pc := newScraper(t, cl.Members[0])
	replica, rc := newScraper(t, cl.Members[1])
	must(t, pc.SetReadOnly(ctx, false))
	src := cl.Members[0]
	must(t, rc.ConfigureReplica(ctx, mysql.Source{Host: src.Host, Port: src.Port, User: mysqltest.ReplUser, Password: mysqltest.ReplPassword}))
	must(t, rc.StartReplication(ctx))

	m := primary.scrape()
	t.Logf("a primary's scrape: %d series", len(m))
	for _, name := range []string{"mysql_global_status_uptime", "mysql_global_variables_max_connections",
		"mysql_global_variables_innodb_buffer_pool_size", "mysql_global_status_innodb_buffer_pool_bytes_data",
		`mysql_global_status_innodb_buffer_pool_pages{state="total"}`, `mysql_global_status_commands_total{command="select"}`,
		"mysql_binlog_files", "mysql_binlog_file_number", "ordinal_volume_capacity_bytes", "ordinal_datadir_bytes"} {
		if _, ok := m[name]; !ok {
			t.Errorf("primary: no %s", name)
		}
	}
	if m["mysql_up"] != 1 || m["mysql_global_status_threads_connected"] < 1 || m["mysql_binlog_size_bytes"] <= 0 ||
		m["mysql_global_variables_read_only"] != 0 || m["ordinal_datadir_bytes"] <= 0 {
		t.Errorf("primary: up %v, threads_connected %v, binlog size %v, read_only %v, datadir %v", m["mysql_up"],
			m["mysql_global_status_threads_connected"], m["mysql_binlog_size_bytes"], m["mysql_global_variables_read_only"],
			m["ordinal_datadir_bytes"])
	}
	if _, ok := m["mysql_slave_status_slave_sql_running"]; ok {
		t.Error("primary reports slave status")
	}

	db := src.DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	for i := range 20 {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("SELECT %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if after := primary.scrape(); after["mysql_global_status_queries"] < m["mysql_global_status_queries"]+20 {
		t.Errorf("queries %v after 20 queries, was %v", after["mysql_global_status_queries"], m["mysql_global_status_queries"])
	}

	replica.eventually("replica threads running", func(m map[string]float64) bool {
		_, lag := m["mysql_slave_status_seconds_behind_master"]
		return m["mysql_slave_status_slave_io_running"] == 1 && m["mysql_slave_status_slave_sql_running"] == 1 && lag &&
			m["mysql_global_variables_read_only"] == 1
	})
	stopApplier(t, ctx, cl.Members[1])
	replica.eventually("applier stopped", func(m map[string]float64) bool {
		_, lag := m["mysql_slave_status_seconds_behind_master"]
		return m["mysql_slave_status_slave_sql_running"] == 0 && m["mysql_slave_status_slave_io_running"] == 1 && !lag
	})

	cl.Members[1].Stop(t)
	down := replica.scrape()
	for name, v := range down {
		if strings.HasPrefix(name, "mysql_") && name != "mysql_up" {
			t.Errorf("server down, but %s = %v", name, v)
		}
	}
	if v, ok := down["mysql_up"]; !ok || v != 0 {
		t.Errorf("server down: mysql_up %v (present %v)", v, ok)
	}
}

func stopApplier(t *testing.T, ctx context.Context, m *mysqltest.Member) {
	db := m.DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	if _, err := db.ExecContext(ctx, "STOP SLAVE SQL_THREAD"); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
