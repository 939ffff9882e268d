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

package controller

import (
	"context"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/internal/mysql"
	mysqlfake "github.com/ordinal-dev/ordinal/internal/mysql/fake"
)

func TestPulseWakesOnlyWhenWhatAPassDecidesOnChanged(t *testing.T) {
	fc := mysqlfake.NewCluster(mysql.MariaDB)
	p, r := fc.Add("p:3306", 1), fc.Add("r:3306", 2)
	ctx := context.Background()
	if err := p.SetReadOnly(ctx, false); err != nil {
		t.Fatal(err)
	}
	_ = r.ConfigureReplica(ctx, mysql.Source{Host: "p", Port: 3306})
	_ = r.StartReplication(ctx)
	var seen []string
	w := newPulseWatch(func(_ types.UID, name string, _ time.Time, _ bool) { seen = append(seen, name) })
	open := func(in *mysqlfake.Instance) func() (mysql.Pulser, error) {
		return func() (mysql.Pulser, error) { return in, nil }
	}
	observed := func(in *mysqlfake.Instance) mysql.Pulse {
		st, err := in.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Pulse()
	}
	ms := []watchedMember{{name: "p", primary: true, answered: true, seen: observed(p), open: open(p)},
		{name: "r", answered: true, seen: observed(r), open: open(r)}}
	base := make([]pulseBase, 2)
	look := func(refresh bool) bool { return w.look(ctx, "u", ms, base, refresh, true) }
	if look(false) || look(true) {
		t.Fatal("nothing changed, yet the cluster was woken")
	}
	if len(seen) != 2 || seen[0] != "p" {
		t.Errorf("the primary's answers feed the failover clock: %v", seen)
	}
	p.Write(1)
	fc.Replicate()
	if look(false) {
		t.Error("new transactions woke the cluster before a status refresh was due")
	}
	if !look(true) {
		t.Error("new transactions did not wake the cluster once a refresh was due")
	}
	base = make([]pulseBase, 2)
	_ = look(true)
	_ = r.StopReplication(ctx)
	if !look(false) {
		t.Error("a replica whose replication stopped did not wake the cluster")
	}
	_ = r.StartReplication(ctx)
	base = make([]pulseBase, 2)
	_ = look(false)
	_ = r.StopReplication(ctx)
	base = make([]pulseBase, 2)
	if !look(false) {
		t.Error("a replica that stopped between the pass's observation and the first pulse did not wake the cluster")
	}
	_ = r.StartReplication(ctx)
	base = make([]pulseBase, 2)
	_ = look(false)
	// Its applier alone stops: the primary shows nothing of it.
	if err := r.StopApplier(ctx); err != nil {
		t.Fatal(err)
	}
	if w.look(ctx, "u", ms, base, false, false) {
		t.Error("a pulse of the primary alone read a replica")
	}
	if !look(false) {
		t.Error("the replicas' pulse missed a replica whose applier stopped")
	}
	_ = r.StartReplication(ctx)
	base = make([]pulseBase, 2)
	_ = look(false)
	p.SetUnreachable(true)
	if !look(false) {
		t.Error("a primary that stopped answering did not wake the cluster")
	}
}

// The one pulse loop looks at a watched cluster when its look is due, wakes it when a member
// changed and ends its watch; a watch replaced meanwhile reports nothing; stopping the loop stops
// every watch.
func TestThePulseLoopWakesAChangedClusterAndStopsWithTheManager(t *testing.T) {
	fc := mysqlfake.NewCluster(mysql.MariaDB)
	p := fc.Add("p:3306", 1)
	ctx := context.Background()
	_ = p.SetReadOnly(ctx, false)
	st, _ := p.Status(ctx)
	w := newPulseWatch(func(types.UID, string, time.Time, bool) {})
	member := watchedMember{name: "mysql-0", primary: true, answered: true, seen: st.Pulse(),
		open: func() (mysql.Pulser, error) { return p, nil }}
	c, other := testCluster(1), testCluster(1)
	other.Name = "other"
	w.arm(c, []watchedMember{member})
	w.arm(other, []watchedMember{member})
	for _, e := range w.watched {
		e.due = time.Now() // due at the next slot
	}
	loop, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- w.run(loop) }()
	time.Sleep(3 * pulseSlot)
	if len(w.wake) != 0 || len(w.watchedKeys()) != 2 {
		t.Fatalf("nothing changed: %d wakes, %d watched", len(w.wake), len(w.watchedKeys()))
	}
	_ = p.SetReadOnly(ctx, true) // the fence: something a pass decides on
	w.mu.Lock()
	for _, e := range w.watched {
		e.due = time.Now()
	}
	w.mu.Unlock()
	select {
	case ev := <-w.wake:
		if ev.Object.GetName() != c.Name && ev.Object.GetName() != other.Name {
			t.Errorf("woke %s", ev.Object.GetName())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a fenced primary did not wake its cluster")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(w.watchedKeys()); n != 0 {
		t.Errorf("%d watches survive the stopped loop", n)
	}
}

func (p *pulseWatch) watchedKeys() []types.NamespacedName {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []types.NamespacedName
	for k := range p.watched {
		out = append(out, k)
	}
	return out
}

// A primary that takes writes is looked at every busyPulseInterval, and the watch a woken pass arms
// for it looks after firstPulse; at rest it goes back to pulseInterval and a spread first look.
// Replicas are read every replicaPulseEvery intervals, however often the primary is looked at.
func TestAWrittenPrimaryIsLookedAtSooner(t *testing.T) {
	fc := mysqlfake.NewCluster(mysql.MariaDB)
	p, r := fc.Add("p:3306", 1), fc.Add("r:3306", 2)
	ctx := context.Background()
	_ = p.SetReadOnly(ctx, false)
	var mu sync.Mutex
	reads := map[string]int{}
	w := newPulseWatch(func(types.UID, string, time.Time, bool) {})
	member := func(name string, in *mysqlfake.Instance, primary bool) watchedMember {
		st, _ := in.Status(ctx)
		return watchedMember{name: name, primary: primary, answered: true, seen: st.Pulse(),
			open: func() (mysql.Pulser, error) { mu.Lock(); defer mu.Unlock(); reads[name]++; return in, nil }}
	}
	c := testCluster(2)
	w.arm(c, []watchedMember{member("p", p, true), member("r", r, false)})
	key := client.ObjectKeyFromObject(c)
	e := w.watched[key]
	if d := time.Until(e.due); d < firstPulse-time.Second || d > firstPulse+pulseInterval {
		t.Fatalf("first look in %v", d)
	}
	now := time.Now()
	look := func() time.Duration {
		e.looking, e.due = true, now
		w.lookOnce(ctx, key, e, now)
		return e.due.Sub(now)
	}
	if d := look(); d != pulseInterval {
		t.Errorf("a resting primary's next look in %v, want %v", d, pulseInterval)
	}
	p.Write(1)
	now = now.Add(pulseInterval)
	if d := look(); d != busyPulseInterval {
		t.Errorf("a written primary's next look in %v, want %v", d, busyPulseInterval)
	}
	now = now.Add(busyPulseInterval)
	if d := look(); d != pulseInterval {
		t.Errorf("a primary at rest again looks in %v, want %v", d, pulseInterval)
	}
	if reads["r"] != 1 || reads["p"] != 3 {
		t.Errorf("reads %v: the replica once (first look), the primary each look", reads)
	}
	w.arm(c, []watchedMember{member("p", p, true), member("r", r, false)})
	if d := time.Until(w.watched[key].due); d > firstPulse {
		t.Errorf("a cluster written to a moment ago first looks in %v, want %v", d, firstPulse)
	}
	w.disarm(key)
	w.arm(c, []watchedMember{member("p", p, true), member("r", r, false)})
	if len(w.written) != 0 {
		t.Error("a disarmed cluster is still remembered as written to")
	}
}
