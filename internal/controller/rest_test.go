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
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	mysqlfake "github.com/ordinal-dev/ordinal/internal/mysql/fake"
	"github.com/ordinal-dev/ordinal/internal/topology"
)

func restScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = v1alpha1.AddToScheme(s)
	return s
}

// countingReader counts the Gets that reach it.
type countingReader struct {
	client.Reader
	gets, lists int
}

func (c *countingReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	c.lists++
	return c.Reader.List(ctx, list, opts...)
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.gets++
	return c.Reader.Get(ctx, key, obj, opts...)
}

func TestASettledReadyClusterRestsWhileItsPulseIsWatched(t *testing.T) {
	ready := testCluster(2)
	ready.Status.CurrentPrimary = "mysql-0"
	meta.SetStatusCondition(&ready.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Ready"})
	settled := world{step: topology.Step{Kind: topology.Wait, Rule: "settled"},
		members: []*member{{name: "mysql-0", status: &mysql.Status{}}, {name: "mysql-1", status: &mysql.Status{}}}}
	if got := requeueAfter(ready, &settled, true); got != atRest {
		t.Errorf("settled and Ready, watched: %v, want no timer (atRest)", got)
	}
	if got := requeueAfter(ready, &settled, false); got != steadyPoll {
		t.Errorf("settled and Ready, not watched: %v, want the steady poll", got)
	}
	notReady := ready.DeepCopy()
	meta.SetStatusCondition(&notReady.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: "x"})
	down := settled
	down.members = []*member{{name: "mysql-0", status: &mysql.Status{}}, {name: "mysql-1"}}
	rolling := settled
	rolling.step.Reason = "rolling restart waits"
	withBackups := ready.DeepCopy()
	withBackups.Spec.Backup = &v1alpha1.Backup{}
	for name, tc := range map[string]struct {
		c *v1alpha1.MySQLCluster
		w world
	}{
		"not Ready":                      {notReady, settled},
		"a member is down":               {ready, down},
		"archiving backups":              {withBackups, settled},
		"a step to take":                 {ready, world{step: topology.Step{Kind: topology.Wait, Rule: "replicaCatchingUp"}, members: settled.members}},
		"the application user to create": {ready, world{step: settled.step, members: settled.members, appUserPending: true}},
		"a restart waiting for the rollout gate": {ready, world{step: settled.step, members: settled.members,
			topology: topology.Snapshot{Members: []topology.Member{{Name: "mysql-1", Outdated: true}}}}},
	} {
		if got := requeueAfter(tc.c, &tc.w, true); got == atRest {
			t.Errorf("%s: the cluster rests (%v): it must be polled", name, got)
		}
	}
}

func TestSecretDataIsReadAgainOnlyWhenItsResourceVersionMoves(t *testing.T) {
	scheme := restScheme()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mysql-credentials", Namespace: "db"},
		Data: map[string][]byte{"k": []byte("v1")}}
	cl := fake.NewClientBuilder().WithScheme(scheme).WithObjects(sec).Build()
	api := &countingReader{Reader: cl}
	r := &secretReader{Meta: cl, API: api}
	key := client.ObjectKeyFromObject(sec)
	for range 3 {
		got := &corev1.Secret{}
		if err := r.Get(context.Background(), key, got); err != nil || string(got.Data["k"]) != "v1" {
			t.Fatalf("got %q, %v", got.Data["k"], err)
		}
	}
	if api.gets != 1 {
		t.Errorf("an unchanged Secret's data was read %d times from the API server, want once", api.gets)
	}
	sec.Data["k"] = []byte("v2")
	if err := cl.Update(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	got := &corev1.Secret{}
	if err := r.Get(context.Background(), key, got); err != nil || string(got.Data["k"]) != "v2" || api.gets != 2 {
		t.Errorf("a changed Secret: %q, %v, gets %d", got.Data["k"], err, api.gets)
	}
	if err := cl.Delete(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	if err := r.Get(context.Background(), key, &corev1.Secret{}); err == nil {
		t.Error("a deleted Secret was served from memory")
	}
}

// After an operator's start, the first Secret read in a namespace lists the operator's own Secrets
// there once, instead of every cluster's first pass reading its Secrets one by one; Secrets
// without the cluster label (a user's) are still read alone, and never listed.
func TestTheFirstSecretReadOfANamespaceListsTheOperatorsSecrets(t *testing.T) {
	var objs []client.Object
	for i := range 3 {
		for _, suffix := range []string{"credentials", "tls", "ca"} {
			objs = append(objs, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("c%d-%s", i, suffix), Namespace: "db",
				Labels: map[string]string{v1alpha1.LabelCluster: fmt.Sprintf("c%d", i)}}, Data: map[string][]byte{"k": []byte(suffix)}})
		}
	}
	objs = append(objs, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "users-store", Namespace: "db"}, Data: map[string][]byte{"k": []byte("s3")}})
	cl := fake.NewClientBuilder().WithScheme(restScheme()).WithObjects(objs...).Build()
	api := &countingReader{Reader: cl}
	r := &secretReader{Meta: cl, API: api}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			for _, suffix := range []string{"credentials", "tls", "ca"} {
				got := &corev1.Secret{}
				key := client.ObjectKey{Namespace: "db", Name: fmt.Sprintf("c%d-%s", i, suffix)}
				if err := r.Get(context.Background(), key, got); err != nil || string(got.Data["k"]) != suffix {
					t.Errorf("%s: %q, %v", key, got.Data["k"], err)
				}
			}
		})
	}
	wg.Wait()
	if api.lists != 1 || api.gets != 0 {
		t.Errorf("nine Secrets of three clusters: %d listings and %d reads, want one listing", api.lists, api.gets)
	}
	got := &corev1.Secret{}
	if err := r.Get(context.Background(), client.ObjectKey{Namespace: "db", Name: "users-store"}, got); err != nil || string(got.Data["k"]) != "s3" {
		t.Fatalf("a user's Secret: %q, %v", got.Data["k"], err)
	}
	if api.lists != 1 || api.gets != 1 {
		t.Errorf("a user's Secret: %d listings and %d reads, want it read alone", api.lists, api.gets)
	}
}

// A Secret that neither the synced metadata cache nor the listing knows is absent without asking
// the API server (a cluster without TLS asked for its certificates on every pass); one created
// later is read once it appears.
func TestAnAbsentSecretIsNotAskedForOnEveryRead(t *testing.T) {
	cl := fake.NewClientBuilder().WithScheme(restScheme()).Build()
	api := &countingReader{Reader: cl}
	r := &secretReader{Meta: cl, API: api}
	key := client.ObjectKey{Namespace: "db", Name: "mysql-tls"}
	for range 3 {
		if err := r.Get(context.Background(), key, &corev1.Secret{}); !apierrors.IsNotFound(err) {
			t.Fatalf("an absent Secret: %v, want NotFound", err)
		}
	}
	if api.gets != 0 || api.lists != 1 {
		t.Errorf("an absent Secret read three times: %d reads, %d listings; want the one listing", api.gets, api.lists)
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mysql-tls", Namespace: "db"}, Data: map[string][]byte{"k": []byte("v")}}
	if err := cl.Create(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	got := &corev1.Secret{}
	if err := r.Get(context.Background(), key, got); err != nil || string(got.Data["k"]) != "v" {
		t.Errorf("a Secret created later: %q, %v", got.Data["k"], err)
	}
}

func TestMemberConnectionsAreKeptAndSwept(t *testing.T) {
	var pool memberConns
	opened := 0
	open := func() (mysql.Instance, error) {
		opened++
		return mysqlfake.NewCluster(mysql.MariaDB).Add("a:1", 1), nil
	}
	now := time.Unix(1000, 0)
	k := newConnKey("u", "mysql-0", "127.0.0.10", login{password: "pw"}, false)
	for range 3 {
		inst, err := pool.get(k, now, open)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := inst.(*mysqlfake.Instance); !ok {
			t.Fatalf("the pool hides the instance's type (%T): optional interfaces would be lost", inst)
		}
	}
	if opened != 1 {
		t.Errorf("opened %d times, want once", opened)
	}
	if _, _ = pool.get(newConnKey("u", "mysql-0", "127.0.0.10", login{password: "new password"}, false), now, open); opened != 2 {
		t.Error("a changed password must open a new pool")
	}
	release := pool.hold("u")
	pool.sweep(now.Add(time.Hour), idlePoolLife)
	if len(pool.pools) != 2 {
		t.Errorf("a running pass's pools were swept: %d left", len(pool.pools))
	}
	release()
	pool.sweep(now.Add(idlePoolLife+time.Second), idlePoolLife)
	if len(pool.pools) != 0 {
		t.Errorf("%d idle pools were kept", len(pool.pools))
	}
}

// A settled cluster's primary is looked at by its pulse between passes: the failover clock of a
// primary that then stops answering starts at the pulse's last answer, not when the woken pass
// finally confirms the failure, and the pulse's failed read is the first of the two failed looks.
func TestThePulseKeepsTheFailoverClockAtTheLastAnswer(t *testing.T) {
	var p primaryWatch
	c := testCluster(3)
	c.UID, c.Status.CurrentPrimary = "u", "mysql-0"
	t0 := time.Unix(1000, 0)
	p.observe(c, true, 0, t0)
	for i := range 13 { // pulses while the cluster rests
		p.sawPulse("u", "mysql-0", t0.Add(time.Duration(i)*pulseInterval), true)
	}
	lastAnswer := t0.Add(60 * time.Second)
	if p.failureSeen("u", "mysql-0") {
		t.Fatal("a failure was seen while every pulse answered")
	}
	failedPulse := lastAnswer.Add(pulseInterval + probeTimeout)
	p.sawPulse("u", "mysql-0", failedPulse, false)
	if !p.failureSeen("u", "mysql-0") {
		t.Fatal("the pulse's failed read is not counted: the pass would try the primary twice")
	}
	// The woken pass's one probe fails 1.5 s later: the second failed look.
	pass := failedPulse.Add(probeTimeout)
	got := p.observe(c, false, 1, pass)
	if since := c.Status.PrimaryUnreachableSince; since == nil || !since.Time.Equal(lastAnswer) {
		t.Fatalf("unreachable since %v, want the last answer %v", since, lastAnswer)
	}
	if got != pass.Sub(lastAnswer) {
		t.Errorf("unreachable for %v, want %v (confirmed, not capped below the failover delay)", got, pass.Sub(lastAnswer))
	}
	// A look at another primary (a standby after a switchover) never lends its answer to this one.
	p.sawPulse("u", "mysql-1", pass.Add(time.Second), true)
	if st := p.get("u", "mysql-0"); !st.lastSeen.IsZero() {
		t.Errorf("mysql-0 last seen at %v, from mysql-1's answer", st.lastSeen)
	}
}

// A standby (or a pulse) that looked without a gap keeps the last answer however long ago it was;
// a failed look after a gap does not: nobody knows whether the primary answered meanwhile.
func TestTheClockStartsAtTheLastAnswerOnlyWhenLooksHadNoGap(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for name, tc := range map[string]struct {
		looks []time.Duration // failed looks after the answer at t0
		want  time.Duration   // the clock's start after t0
	}{
		"failed looks every pulse since the answer": {[]time.Duration{6500 * time.Millisecond, 13 * time.Second, 19500 * time.Millisecond}, 0},
		"a gap after the answer":                    {[]time.Duration{lastSeenWindow + time.Second, lastSeenWindow + 2*time.Second}, lastSeenWindow + 3*time.Second},
	} {
		var p primaryWatch
		c := testCluster(3)
		c.UID, c.Status.CurrentPrimary = "u", "mysql-0"
		p.sawPulse("u", "mysql-0", t0, true)
		for _, at := range tc.looks {
			p.sawPulse("u", "mysql-0", t0.Add(at), false)
		}
		last := tc.looks[len(tc.looks)-1]
		p.observe(c, false, 1, t0.Add(last+time.Second))
		if since := c.Status.PrimaryUnreachableSince; since == nil || !since.Time.Equal(t0.Add(tc.want)) {
			t.Errorf("%s: unreachable since %v, want t0+%v", name, since, tc.want)
		}
	}
}

// A pass that missed the credentials Secret (created by an earlier pass, not yet in the caches)
// must log in with the passwords that exist, never with the ones it has just generated.
func TestCredentialsCreatedMeanwhileAreTheExistingOnes(t *testing.T) {
	c := testCluster(3)
	existing := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: c.GeneratedSecretName(), Namespace: c.Namespace},
		Data: map[string][]byte{v1alpha1.SecretKeyOperatorPassword: []byte("the-real-one")}}
	api := fake.NewClientBuilder().WithScheme(restScheme()).WithObjects(existing).Build()
	r := &ClusterReconciler{Client: api, APIReader: api, Scheme: restScheme(), Rand: rand.Reader}
	w := &world{}
	if err := r.ensureSecret(context.Background(), c, w); err != nil {
		t.Fatal(err)
	}
	if got := string(w.secret.Data[v1alpha1.SecretKeyOperatorPassword]); got != "the-real-one" {
		t.Errorf("the pass logs in with %q, want the existing Secret's password", got)
	}
}

// pulseOpener counts the pools and pulse connections it opens.
type pulseOpener struct{ pools, pulses int }

func (o *pulseOpener) Open(mysql.Config) (mysql.Instance, error) {
	o.pools++
	return mysqlfake.NewCluster(mysql.MariaDB).Add("a:1", 1), nil
}

func (o *pulseOpener) OpenPulse(mysql.Config) (mysql.Pulser, error) {
	o.pulses++
	return mysqlfake.NewCluster(mysql.MariaDB).Add("a:1", 1), nil
}

// While a pass's pool is open the pulse reads on it (a start opens one connection per member, not
// two), without keeping it from the sweep, and the sweep never closes it under a read; once the pool
// is swept the pulse opens its own connection.
func TestThePulseBorrowsThePassPoolUntilItIsSwept(t *testing.T) {
	o := &pulseOpener{}
	now := time.Unix(1000, 0)
	r := &ClusterReconciler{Opener: o, Now: func() time.Time { return now }}
	c := testCluster(1)
	c.UID = "u"
	pod := &corev1.Pod{}
	pod.Status.PodIP = "127.0.0.10"
	if _, err := r.memberConn(c, "mysql-0", pod, login{password: "pw"})(); err != nil {
		t.Fatal(err)
	}
	open := r.memberPulse(c, "mysql-0", pod, login{password: "pw"})
	pulse := func() {
		t.Helper()
		p, err := open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Pulse(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		now = now.Add(pulseInterval)
		pulse()
	}
	if o.pulses != 0 {
		t.Fatalf("%d pulse connections opened while the pool was open", o.pulses)
	}
	key := targetOf(c, "mysql-0", pod, login{password: "pw"}).connKey()
	_, release, ok := r.conns.borrow(key)
	if !ok {
		t.Fatal("the pool is gone before the sweep")
	}
	r.conns.sweep(now.Add(time.Second), idlePoolLife)
	if len(r.conns.pools) != 1 {
		t.Fatal("the sweep closed a pool a pulse was reading on")
	}
	release()
	r.conns.sweep(now.Add(time.Second), idlePoolLife)
	if len(r.conns.pools) != 0 {
		t.Fatal("pulses read on the pool kept it from the sweep")
	}
	pulse()
	if o.pools != 1 || o.pulses != 1 {
		t.Errorf("opened %d pools and %d pulse connections, want one of each (the pulse's once the pool was swept)", o.pools, o.pulses)
	}
}
