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
	"log"
	"net"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// serveOnTLS serves a's API over HTTPS with its pod's certificates on ip, as AgentMain does.
func serveOnTLS(t *testing.T, ip string, a *Agent) string {
	t.Helper()
	if err := a.checkTLS(); err != nil || a.TLSConfig() == nil {
		t.Fatalf("agent without certificates: %v", err)
	}
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Listener.Close()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	must(t, err)
	srv.Listener = l
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = a.TLSConfig()
	srv.StartTLS()
	t.Cleanup(func() { srv.Close(); a.Close() })
	return l.Addr().String()
}

// TestSeedOverMutualTLS: a donor whose agent serves mutual TLS refuses a new member without the
// cluster's certificates (the marker stays for the next start), and seeds one that presents the
// members' certificate and verifies the donor's; the seeded member holds every row.
func TestSeedOverMutualTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	d := newDonorCluster(t, ctx)
	donorHost := d.cluster.Members[1].Host
	pki := newTestPKI(t, donorHost)
	donor := newMemberAgent(t, d.cluster.Members[1], 1)
	donor.Paths.TLSDir = pki.dir
	donor.tls = donor.Paths.tlsFiles()
	addr := serveOnTLS(t, donorHost, donor)

	p := newTestPod(t, 3, "127.0.0.53")
	yes := true
	must(t, writeMarker(p.paths.SeedMarker(), SeedMarker{Donor: addr, DonorTLS: &yes}))
	if err := p.init().Run(ctx); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("init without the certificates against a TLS donor = %v, want its refusal (400)", err)
	}
	if _, err := os.Stat(p.paths.SeedMarker()); err != nil {
		t.Fatalf("the refused seed removed the marker: %v", err)
	}

	p.paths.TLSDir = pki.dir
	t0 := time.Now()
	must(t, p.init().Run(ctx))
	t.Logf("seed of %d rows over mutual TLS took %v", d.rows, time.Since(t0).Round(time.Millisecond))
	p.startServer()
	if n := query(t, p.db("root", mysqltest.RootPassword), "SELECT COUNT(*) FROM app.t"); n != strconv.Itoa(d.rows) {
		t.Errorf("seeded member has %s rows, want %d", n, d.rows)
	}
}
