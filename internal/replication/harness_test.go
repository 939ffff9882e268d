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

package replication

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/gtid"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

// harness plays the controller without Kubernetes: observe every member over SQL, decide one step,
// execute it, record a promotion. Members are addressed by host:port; the member name is its index.
type harness struct {
	t        *testing.T
	opener   mysql.Opener
	flavor   mysql.Flavor
	addrs    []string // member i's host:port
	user, pw string
	primary  string // the recorded current primary
	lost     map[string]time.Time
	errant   map[string]bool
	executed map[string]gtid.Set // last observed (executed ∪ received), kept for members that stop answering
	seed     func(ctx context.Context, step topology.Step) error
	restart  func(ctx context.Context, target string, force bool) error
	mode     topology.Mode
	switchTo string // a pending switchover request
}

func name(i int) string { return "m-" + strconv.Itoa(i) }

func (h *harness) ordinal(name string) int {
	n, _ := strconv.Atoi(name[2:])
	return n
}

// observe probes every member and returns the snapshot and open connections.
func (h *harness) observe(ctx context.Context) (topology.Snapshot, map[string]mysql.Instance) {
	s := topology.Snapshot{Flavor: h.flavor.GTID(), Replicas: len(h.addrs), CurrentPrimary: h.primary,
		FailoverEnabled: true, FailoverDelay: time.Second, Mode: h.mode}
	if h.switchTo != h.primary {
		s.SwitchoverTo = h.switchTo
	}
	conns := map[string]mysql.Instance{}
	for i, addr := range h.addrs {
		m := topology.Member{Name: name(i), Ordinal: i, PodExists: true, Errant: h.errant[name(i)], Executed: h.executed[name(i)]}
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		conn, err := h.opener.Open(mysql.Config{Flavor: h.flavor, Host: host, Port: p, User: h.user, Password: h.pw,
			ConnectTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
		if err == nil {
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			st, err := conn.Status(pctx)
			cancel()
			if err == nil {
				m.PodReady = true
				Observe(&m, st, h.sourceName)
				// What a member held, applied or only received, is remembered for when it stops answering.
				h.executed[m.Name] = st.Executed.Union(st.Received)
				conns[m.Name] = conn
			} else {
				_ = conn.Close()
			}
		}
		s.Members = append(s.Members, m)
	}
	s.PrimaryUnreachableFor = h.unreachableFor(conns)
	return s, conns
}

func (h *harness) unreachableFor(conns map[string]mysql.Instance) time.Duration {
	if h.primary == "" || conns[h.primary] != nil {
		delete(h.lost, h.primary)
		return 0
	}
	if _, ok := h.lost[h.primary]; !ok {
		h.lost[h.primary] = time.Now()
	}
	return time.Since(h.lost[h.primary]) + time.Nanosecond
}

func (h *harness) sourceName(host string) string {
	for i, a := range h.addrs {
		if h2, _, _ := net.SplitHostPort(a); h2 == host {
			return name(i)
		}
	}
	return "unknown:" + host
}

// step observes, decides and executes once; it returns the step.
func (h *harness) step(ctx context.Context) topology.Step {
	h.t.Helper()
	snap, conns := h.observe(ctx)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for _, ms := range topology.Members(snap) {
		h.errant[ms.Name] = ms.Errant
	}
	step := topology.Decide(snap)
	e := Executor{Conns: conns, SemiSync: h.mode != topology.Async, ReplicationPassword: replPassword,
		SourceAddr: func(n string) (string, int) {
			host, port, _ := net.SplitHostPort(h.addrs[h.ordinal(n)])
			p, _ := strconv.Atoi(port)
			return host, p
		}, Seed: h.seed, Restart: h.restart}
	promoted, err := e.Run(ctx, step)
	if err != nil {
		h.t.Logf("%s %s: %v", step.Kind, step.Target, err)
	}
	if promoted && err == nil {
		h.primary = step.Target
	}
	return step
}

// converge runs steps until the engine waits with nothing left to do, at most n steps; it returns
// every step taken.
func (h *harness) converge(ctx context.Context, n int, between func()) []topology.Step {
	h.t.Helper()
	var steps []topology.Step
	for range n {
		st := h.step(ctx)
		if st.Kind == topology.Wait && st.After == 0 {
			return steps
		}
		steps = append(steps, st)
		if between != nil {
			between()
		}
	}
	h.t.Fatalf("no steady state after %d steps: %v", n, kinds(steps))
	return steps
}

func kinds(steps []topology.Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = string(s.Kind) + " " + s.Target
	}
	return out
}
