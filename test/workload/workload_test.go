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

package workload

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/go-sql-driver/mysql"

	"github.com/ordinal-dev/ordinal/internal/certs"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestWritePause(t *testing.T) {
	acks := []Ack{{ID: 1, At: at(100)}, {ID: 2, At: at(200)}, {ID: 3, At: at(5200)}, {ID: 4, At: at(5300)}}
	p := WritePause(acks, at(0), at(1000), at(6000))
	if p.Max != 5*time.Second || !p.From.Equal(at(200)) || !p.To.Equal(at(5200)) {
		t.Errorf("max gap = %s from %s to %s, want 5s from 200ms to 5200ms", p.Max, p.From, p.To)
	}
	if !p.Resumed || p.FaultToFirst != 4200*time.Millisecond {
		t.Errorf("fault to first = %s resumed=%v, want 4.2s", p.FaultToFirst, p.Resumed)
	}
	// Writes that never resume: the gap runs to the stop.
	p = WritePause(acks[:2], at(0), at(1000), at(9000))
	if p.Resumed || p.Max != 8800*time.Millisecond || p.FaultToFirst != 8*time.Second {
		t.Errorf("not resumed: %+v", p)
	}
	// No acks at all.
	p = WritePause(nil, at(0), time.Time{}, at(3000))
	if p.Max != 3*time.Second {
		t.Errorf("no acks: %+v", p)
	}
}

func TestSplitBrains(t *testing.T) {
	probes := []Probe{
		{At: at(0), Writable: []string{"m-0"}, Routed: []string{"m-0"}},
		// Two writable, one routed: not a split brain.
		{At: at(100), Writable: []string{"m-0", "m-1"}, Routed: []string{"m-1"}},
		{At: at(200), Writable: []string{"m-0", "m-1"}, Routed: []string{"m-0", "m-1"}},
		{At: at(300), Writable: []string{"m-0", "m-1"}, Routed: []string{"m-0", "m-1"}},
		{At: at(400), Writable: []string{"m-1"}, Routed: []string{"m-0", "m-1"}},
		{At: at(500), Writable: []string{"m-1", "m-2"}, Routed: []string{"m-2", "m-1"}},
	}
	sb := SplitBrains(probes)
	if len(sb) != 2 || sb[0].Ticks != 2 || !sb[0].From.Equal(at(200)) || !sb[0].To.Equal(at(300)) ||
		strings.Join(sb[0].Members, ",") != "m-0,m-1" || sb[1].Ticks != 1 {
		t.Errorf("split brains = %+v", sb)
	}
	w := ProbeWindows(probes)
	if w.MultiWritable != 300*time.Millisecond {
		t.Errorf("multi writable = %s, want 300ms (the last tick has no length)", w.MultiWritable)
	}
	if w.AsyncWritable != 500*time.Millisecond {
		t.Errorf("async writable = %s: no tick had semi-sync on", w.AsyncWritable)
	}
	if strings.Join(w.Writers, ",") != "m-0,m-1,m-2" {
		t.Errorf("writers = %v", w.Writers)
	}
	w = ProbeWindows([]Probe{{At: at(0), Routed: []string{"m-0"}}, {At: at(100), Writable: []string{"m-0"}, SemiSyncOn: []string{"m-0"}, Routed: []string{"m-0"}}, {At: at(250)}})
	if w.NoWritableRouted != 100*time.Millisecond || w.AsyncWritable != 0 {
		t.Errorf("windows = %+v", w)
	}
}

func TestAsyncAcks(t *testing.T) {
	probes := []Probe{
		{At: at(0), Writable: []string{"m-0"}, SemiSyncOn: []string{"m-0"}},
		{At: at(100), Writable: []string{"m-1"}},
		{At: at(200), Writable: []string{"m-1"}},
		{At: at(300), Writable: []string{"m-1"}, SemiSyncOn: []string{"m-1"}},
	}
	acks := []Ack{{ID: 1, At: at(50), Host: "m-0"}, {ID: 2, At: at(150), Host: "m-1"}, {ID: 3, At: at(250), Host: "m-1"}, {ID: 4, At: at(350), Host: "m-1"}}
	got := AsyncAcks(acks, probes)
	// Only id 2 lies between two ticks that both saw m-1 without semi-sync.
	if len(got) != 1 || got[0].ID != 2 {
		t.Errorf("async acks = %+v", got)
	}
	a := Analysis{AsyncAcks: got, SemiSyncWanted: true}
	if v := a.Violations(); len(v) != 1 || !strings.Contains(v[0], "without an active semi-sync wait") {
		t.Errorf("violations = %v", v)
	}
	a.SemiSyncWanted = false
	if v := a.Violations(); len(v) != 0 {
		t.Errorf("async mode: violations = %v", v)
	}
}

func TestAckHostsAndMissing(t *testing.T) {
	acks := []Ack{{ID: 1, Host: "a"}, {ID: 2, Host: "a"}, {ID: 3, Host: "b"}, {ID: 5, Host: "a"}}
	if got := AckHosts(acks); got != "a x2, b x1, a x1" {
		t.Errorf("ack hosts = %q", got)
	}
	if got := Missing(acks, map[int64]bool{1: true, 3: true, 4: true}); len(got) != 2 || got[0] != 2 || got[1] != 5 {
		t.Errorf("missing = %v", got)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want outcome
	}{
		{nil, outcomeOK},
		{&mysql.MySQLError{Number: 1290, Message: "read-only"}, outcomeFailed},
		{&mysql.MySQLError{Number: 1927, Message: "Connection was killed"}, outcomeUnknown},
		{mysql.ErrInvalidConn, outcomeUnknown},
		{context.DeadlineExceeded, outcomeUnknown},
		{errors.New("i/o timeout"), outcomeUnknown},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func op(client int, kind OpKind, key int, value, expected int64, ok, unknown bool, call, reply int) Op {
	return Op{Client: client, Kind: kind, Key: key, Value: value, Expected: expected, OK: ok, Unknown: unknown, Call: at(call), Reply: at(reply)}
}

func TestLinearizable(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []Op
		want porcupine.CheckResult
	}{
		{"empty", nil, porcupine.Ok},
		{"sequential", []Op{
			op(0, OpWrite, 0, 10, 0, false, false, 0, 10),
			op(1, OpRead, 0, 10, 0, false, false, 20, 30),
			op(2, OpCAS, 0, 11, 10, true, false, 40, 50),
			op(0, OpRead, 0, 11, 0, false, false, 60, 70),
		}, porcupine.Ok},
		{"initial value is 0", []Op{op(0, OpRead, 1, 0, 0, false, false, 0, 10)}, porcupine.Ok},
		{"stale read after a completed write (an old primary serving reads)", []Op{
			op(0, OpWrite, 0, 10, 0, false, false, 0, 10),
			op(1, OpRead, 0, 0, 0, false, false, 20, 30),
		}, porcupine.Illegal},
		{"concurrent read may see either", []Op{
			op(0, OpWrite, 0, 10, 0, false, false, 0, 100),
			op(1, OpRead, 0, 0, 0, false, false, 20, 30),
			op(2, OpRead, 0, 10, 0, false, false, 40, 50),
		}, porcupine.Ok},
		{"a value read, then an older one", []Op{
			op(0, OpWrite, 0, 10, 0, false, false, 0, 100),
			op(1, OpRead, 0, 10, 0, false, false, 20, 30),
			op(2, OpRead, 0, 0, 0, false, false, 40, 50),
		}, porcupine.Illegal},
		{"unknown write may land later", []Op{
			op(0, OpWrite, 0, 10, 0, false, true, 0, 10),
			op(1, OpRead, 0, 0, 0, false, false, 20, 30),
			op(1, OpRead, 0, 10, 0, false, false, 40, 50),
		}, porcupine.Ok},
		{"unknown write may never land", []Op{
			op(0, OpWrite, 0, 10, 0, false, true, 0, 10),
			op(1, OpRead, 0, 0, 0, false, false, 20, 30),
		}, porcupine.Ok},
		{"lost acknowledged write (a failover that dropped it)", []Op{
			op(0, OpWrite, 0, 10, 0, false, false, 0, 10),
			op(1, OpWrite, 1, 20, 0, false, false, 0, 10),
			op(1, OpRead, 1, 20, 0, false, false, 20, 30),
			op(2, OpRead, 0, 0, 0, false, false, 40, 50),
		}, porcupine.Illegal},
		{"cas that failed must have seen another value", []Op{
			op(0, OpCAS, 0, 10, 0, false, false, 0, 10),
		}, porcupine.Illegal},
		{"cas on two writers both succeeding (split brain)", []Op{
			op(0, OpWrite, 0, 5, 0, false, false, 0, 10),
			op(1, OpCAS, 0, 6, 5, true, false, 20, 30),
			op(2, OpCAS, 0, 7, 5, true, false, 40, 50),
		}, porcupine.Illegal},
		{"unknown cas either way", []Op{
			op(0, OpWrite, 0, 5, 0, false, false, 0, 10),
			op(1, OpCAS, 0, 6, 5, false, true, 20, 30),
			op(2, OpRead, 0, 6, 0, false, false, 40, 50),
		}, porcupine.Ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := CheckLinearizable(tc.ops, 10*time.Second, "")
			if l.Result != tc.want {
				t.Errorf("result = %s, want %s (%s)", l.Result, tc.want, l.Detail)
			}
			if tc.want == porcupine.Illegal && l.Detail == "" {
				t.Errorf("no detail for an illegal history")
			}
		})
	}
}

func TestAnalysisLineAndViolations(t *testing.T) {
	h := &History{
		Start: at(0), Stop: at(10000), Marks: map[string]time.Time{"fault": at(2000)},
		Acks: []Ack{{ID: 1, At: at(1000), Host: "m-0"}, {ID: 2, At: at(9000), Host: "m-1"}},
		Probes: []Probe{
			{At: at(0), Writable: []string{"m-0", "m-1"}, Routed: []string{"m-0", "m-1"}},
			{At: at(100), Writable: []string{"m-1"}, Routed: []string{"m-1"}, SemiSyncOn: []string{"m-1"}},
		},
	}
	a := Analyze(h, "fault", time.Second, "")
	line := a.Line("kill", 8*time.Second)
	for _, want := range []string{"FAULT-RESULT", "scenario=kill", "pause=8s", "target=8s", "fault_to_first_write=7s", "acked=2", "split_brain_runs=1"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	if v := a.Violations(); len(v) != 1 || !strings.Contains(v[0], "two writable members") {
		t.Errorf("violations = %v", v)
	}
}

func TestStartNeedsAPrimary(t *testing.T) {
	if _, err := Start(context.Background(), Options{}); err == nil {
		t.Error("Start without a primary address succeeded")
	}
}

// The loops stop in bounded time even when nothing answers: the address is a loopback port with
// nothing listening, so every attempt fails to connect.
func TestLoopsAreBoundedWithoutAServer(t *testing.T) {
	w, err := Start(context.Background(), Options{
		Primary: "127.0.0.1:1", User: "u", Password: "p",
		Topology: func() Topology {
			return Topology{Members: map[string]string{"m-0": "127.0.0.1:1"}, Routed: []string{"m-0"}}
		},
		MaxDuration: 700 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	time.Sleep(time.Second)
	h := w.Stop()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stop took %s", d)
	}
	if len(h.Acks) != 0 || h.Attempts.ConnectFailed == 0 || len(h.Ops) != 0 {
		t.Errorf("history = acks %d, attempts %+v, ops %d", len(h.Acks), h.Attempts, len(h.Ops))
	}
	if len(h.Probes) == 0 || len(h.Probes[0].Answered) != 0 {
		t.Errorf("probes = %+v", h.Probes)
	}
}

// With Options.TLS every connection through the primary Service is encrypted and verified with it:
// a server on loopback offers TLS, and the writer's, the key clients' and Setup's connections all
// go through the configuration's verification (which refuses here, so nothing is acknowledged).
func TestTLSReachesEveryConnectionThroughThePrimary(t *testing.T) {
	now := time.Now()
	ca, err := certs.NewCA("workload test CA", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.IssueServer([]string{"127.0.0.1"}, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go serveTLSGreeting(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})

	var verified atomic.Int32
	refuse := errors.New("refused by the test's verification")
	o := Options{
		Primary: ln.Addr().String(), User: "u", Password: "p", MaxDuration: 700 * time.Millisecond,
		TLS: &tls.Config{InsecureSkipVerify: true, VerifyConnection: func(cs tls.ConnectionState) error { //nolint:gosec // verified here
			if len(cs.PeerCertificates) == 0 || cs.PeerCertificates[0].SerialNumber.Cmp(mustParse(t, pair.CertPEM).SerialNumber) != 0 {
				return errors.New("not the test server's certificate")
			}
			verified.Add(1)
			return refuse
		}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := Setup(ctx, o); err == nil || verified.Load() == 0 {
		t.Errorf("Setup: %v after %d verified handshakes; want it refused by the verification", err, verified.Load())
	}
	w, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	h := w.Stop()
	if len(h.Acks) != 0 || h.Attempts.ConnectFailed == 0 || !strings.Contains(strings.Join(h.Attempts.Errors, "\n"), refuse.Error()) {
		t.Errorf("writer: acks %d, attempts %+v; want every attempt refused by the verification", len(h.Acks), h.Attempts)
	}
	// Setup, the writer, the prober's look through the Service and 3 key clients each verified.
	if n := verified.Load(); n < 6 {
		t.Errorf("the TLS configuration verified %d handshakes, want at least 6", n)
	}
	if cfg := (Options{Primary: "127.0.0.1:1", User: "u", Password: "p"}).primaryConfig("db", time.Second, time.Second); cfg.TLS != nil ||
		cfg.FormatDSN() != DSN("u", "p", "127.0.0.1:1", "db", time.Second, time.Second) {
		t.Errorf("without TLS the primary's configuration is %q, want the plain DSN", cfg.FormatDSN())
	}
}

func mustParse(t *testing.T, pemCert []byte) *x509.Certificate {
	t.Helper()
	c, err := certs.ParseCert(pemCert)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serveTLSGreeting accepts connections until ln closes: each gets a MariaDB greeting that offers
// TLS, then, after the client's SSL request, a TLS handshake with cfg (the client ends it).
func serveTLSGreeting(ln net.Listener, cfg *tls.Config) {
	const caps = 0x1 | 0x200 | 0x800 | 0x8000 | 0x80000 // long password, protocol 41, SSL, secure connection, plugin auth
	var g []byte
	g = append(g, 10)
	g = append(g, "5.5.5-10.11.0-MariaDB\x00"...)
	g = append(g, 1, 0, 0, 0)              // connection id
	g = append(g, "abcdefgh\x00"...)       // auth data, part 1, and a filler
	g = append(g, caps&0xff, caps>>8&0xff) // capabilities, low
	g = append(g, 45, 2, 0)                // charset, status
	g = append(g, caps>>16&0xff, caps>>24) // capabilities, high
	g = append(g, 21)                      // auth data length
	g = append(g, make([]byte, 10)...)     // reserved
	g = append(g, "ijklmnopqrst\x00"...)   // auth data, part 2
	g = append(g, "mysql_native_password\x00"...)
	packet := append([]byte{byte(len(g)), byte(len(g) >> 8), byte(len(g) >> 16), 0}, g...)
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(2 * time.Second))
			if _, err := nc.Write(packet); err != nil {
				return
			}
			req := make([]byte, 4+32) // the SSL request: a header and 32 bytes
			if _, err := io.ReadFull(nc, req); err != nil {
				return
			}
			_ = tls.Server(nc, cfg).Handshake()
		}()
	}
}
