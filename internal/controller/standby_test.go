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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	mysqlfake "github.com/ordinal-dev/ordinal/internal/mysql/fake"
)

// A standby looks at every recorded primary, so a new leader's clock starts at the last answer and
// the standby's failed look is the first of the two that confirm a failure; it stops once elected.
func TestTheStandbyKeepsEveryPrimarysLastAnswer(t *testing.T) {
	c := testCluster(2)
	c.Status.CurrentPrimary = "mysql-0"
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: "mysql-0"},
		Status: corev1.PodStatus{PodIP: "127.0.0.21"}}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: c.CredentialsSecretName()},
		Data: map[string][]byte{v1alpha1.SecretKeyOperatorPassword: []byte("pw")}}
	cl := fake.NewClientBuilder().WithScheme(restScheme()).WithObjects(c, pod, sec).WithStatusSubresource(c).Build()
	members := mysqlfake.NewCluster(mysql.MariaDB)
	primary := members.Add("127.0.0.21:3306", 1)
	r := &ClusterReconciler{Client: cl, APIReader: cl, Opener: members}
	s := &standbyWatch{r: r}
	ctx := context.Background()

	before := time.Now()
	s.lookOnce(ctx)
	st := r.primaries.get(c.UID, "mysql-0")
	if st.lastSeen.Before(before) || r.primaries.failureSeen(c.UID, "mysql-0") {
		t.Fatalf("an answering primary: last seen %v, failure seen %v", st.lastSeen, r.primaries.failureSeen(c.UID, "mysql-0"))
	}
	lastAnswer := st.lastSeen
	primary.SetUnreachable(true)
	s.lookOnce(ctx)
	if r.primaries.failureSeen(c.UID, "mysql-0") {
		t.Fatal("a primary at rest was looked at again before pulseInterval")
	}
	if next := s.looks[c.UID].next; next.Sub(before) < pulseInterval || next.Sub(before) > pulseInterval+time.Second {
		t.Errorf("a primary at rest is looked at again in %v, want %v", next.Sub(before), pulseInterval)
	}
	s.looks = map[types.UID]standbyLook{c.UID: {answered: true, executed: s.looks[c.UID].executed}} // due now
	s.lookOnce(ctx)
	if !r.primaries.failureSeen(c.UID, "mysql-0") {
		t.Error("the standby's failed look is not counted")
	}
	// Elected: the first pass's failed probe confirms, and the clock starts at the last answer.
	r.primaries.observe(c, false, 1, time.Now())
	if since := c.Status.PrimaryUnreachableSince; since == nil || !since.Time.Equal(lastAnswer) {
		t.Errorf("the new leader's clock starts at %v, want the standby's last answer %v", since, lastAnswer)
	}

	// A primary whose transactions moved since the last look is looked at every busyPulseInterval.
	primary.SetUnreachable(false)
	primary.Write(1)
	s.looks = map[types.UID]standbyLook{c.UID: {answered: true, executed: s.looks[c.UID].executed}}
	now := time.Now()
	s.lookOnce(ctx)
	if next := s.looks[c.UID].next.Sub(now); next > busyPulseInterval+time.Second || next < busyPulseInterval {
		t.Errorf("a written primary is looked at again in %v, want %v", next, busyPulseInterval)
	}

	// A standby that starts standing by looks at once, not a tick later: with no answer on record
	// a new leader's clock would start only at its own first probe.
	fresh := &ClusterReconciler{Client: cl, APIReader: cl, Opener: members}
	waiting, stop := context.WithCancel(ctx)
	started := time.Now()
	go func() { _ = (&standbyWatch{r: fresh, elected: make(chan struct{})}).Start(waiting) }()
	time.Sleep(standbyTick / 2)
	stop()
	if st := fresh.primaries.get(c.UID, "mysql-0"); st.lastSeen.Before(started) {
		t.Error("a new standby did not look at once")
	}

	// A process elected at once (no leader election, or no other candidate) does not look at every
	// primary while it starts: its passes do.
	leader := &ClusterReconciler{Client: cl, APIReader: cl, Opener: members}
	won := make(chan struct{})
	close(won)
	if err := (&standbyWatch{r: leader, elected: won}).Start(ctx); err != nil {
		t.Fatal(err)
	}
	if st := leader.primaries.get(c.UID, "mysql-0"); !st.lastLook.IsZero() {
		t.Error("an elected process looked at the primaries as a standby")
	}

	elected := make(chan struct{})
	close(elected)
	done := make(chan error, 1)
	go func() { done <- (&standbyWatch{r: r, elected: elected}).Start(ctx) }()
	select {
	case <-done:
	case <-time.After(2 * pulseInterval):
		t.Error("the standby went on looking after this process was elected")
	}
}
