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
	"errors"
	"math/rand/v2"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// ensurer records the application users a member was asked to create.
type ensurer struct {
	mysql.Instance
	calls []mysql.AppUser
	err   error
}

func (e *ensurer) EnsureAppUser(_ context.Context, u mysql.AppUser) error {
	e.calls = append(e.calls, u)
	return e.err
}

func appUserHarness(t *testing.T) (*ClusterReconciler, *v1alpha1.MySQLCluster, *world, *ensurer, client.Client) {
	t.Helper()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	c := testCluster(2)
	c.Spec.Database, c.Spec.User = "shop", &v1alpha1.ApplicationUser{Name: "web"}
	c.Status.CurrentPrimary = "mysql-0"
	meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Ready"})
	e := &ensurer{}
	w := &world{secret: &corev1.Secret{}, members: []*member{
		{ordinal: 0, name: "mysql-0", conn: e, status: &mysql.Status{}},
		{ordinal: 1, name: "mysql-1", conn: &ensurer{}, status: &mysql.Status{ReadOnly: true}},
	}}
	api := fake.NewClientBuilder().WithScheme(scheme).Build()
	r := &ClusterReconciler{Client: api, APIReader: api, Scheme: scheme, Recorder: events.NewFakeRecorder(20),
		Rand: rand.NewChaCha8([32]byte{4})}
	return r, c, w, e, api
}

// TestAppUserOncePerChange: the Secret is generated once; the statements run on the writable
// primary once per database/user/password, again after the password changed in the Secret.
func TestAppUserOncePerChange(t *testing.T) {
	r, c, w, e, api := appUserHarness(t)
	ctx := context.Background()
	r.reconcileAppUser(ctx, c, w)
	r.reconcileAppUser(ctx, c, w)
	s := &corev1.Secret{}
	if err := api.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "mysql-app"}, s); err != nil {
		t.Fatalf("the application Secret: %v", err)
	}
	pw := string(s.Data[v1alpha1.AppSecretKeyPassword])
	want := mysql.AppUser{Database: "shop", Name: "web", Host: "%", Password: pw}
	if len(e.calls) != 1 || e.calls[0] != want {
		t.Fatalf("calls %+v, want one %+v", e.calls, want)
	}
	s.Data[v1alpha1.AppSecretKeyPassword] = []byte("changed")
	s.Data["note"] = []byte("mine")
	if err := api.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	r.reconcileAppUser(ctx, c, w)
	if len(e.calls) != 2 || e.calls[1].Password != "changed" {
		t.Errorf("after the password change: calls %+v", e.calls)
	}
	_ = api.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "mysql-app"}, s)
	if string(s.Data["note"]) != "mine" || string(s.Data[v1alpha1.AppSecretKeyPassword]) != "changed" {
		t.Errorf("the Secret was rewritten: %v", s.Data)
	}
}

// TestAppUserWaits: nothing runs while the cluster is not Ready, the primary is fenced or cannot
// commit; a failure is retried on the next pass.
func TestAppUserWaits(t *testing.T) {
	ctx := context.Background()
	for name, mutate := range map[string]func(*v1alpha1.MySQLCluster, *world){
		"not Ready": func(c *v1alpha1.MySQLCluster, _ *world) {
			meta.SetStatusCondition(&c.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: "MembersNotReady"})
		},
		"fenced primary":       func(_ *v1alpha1.MySQLCluster, w *world) { w.members[0].status.ReadOnly = true },
		"cannot commit":        func(_ *v1alpha1.MySQLCluster, w *world) { w.members[0].commitErr = errors.New("no ack") },
		"primary not answered": func(_ *v1alpha1.MySQLCluster, w *world) { w.members[0].status = nil },
		"no primary":           func(c *v1alpha1.MySQLCluster, _ *world) { c.Status.CurrentPrimary = "" },
	} {
		r, c, w, e, api := appUserHarness(t)
		mutate(c, w)
		r.reconcileAppUser(ctx, c, w)
		if len(e.calls) != 0 {
			t.Errorf("%s: ran %+v", name, e.calls)
		}
		if !w.appUserPending {
			t.Errorf("%s: the cluster would rest before its application user exists", name)
		}
		if err := api.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "mysql-app"}, &corev1.Secret{}); err != nil {
			t.Errorf("%s: the Secret is created at once anyway: %v", name, err)
		}
	}
	r, c, w, e, _ := appUserHarness(t)
	e.err = errors.New("lock wait timeout")
	r.reconcileAppUser(ctx, c, w)
	if !w.appUserPending {
		t.Error("a failed attempt must keep the cluster polled")
	}
	e.err = nil
	r.reconcileAppUser(ctx, c, w)
	if len(e.calls) != 2 || w.appUserPending {
		t.Errorf("a failed attempt is retried: %d calls, still pending %v", len(e.calls), w.appUserPending)
	}
}

// TestAppUserOwnSecret: with passwordSecretName the operator generates nothing and waits for it.
func TestAppUserOwnSecret(t *testing.T) {
	ctx := context.Background()
	r, c, w, e, api := appUserHarness(t)
	c.Spec.User.PasswordSecretName = "web-pw"
	r.reconcileAppUser(ctx, c, w)
	if len(e.calls) != 0 {
		t.Fatalf("ran without the user's Secret: %+v", e.calls)
	}
	if err := api.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "mysql-app"}, &corev1.Secret{}); err == nil {
		t.Error("generated mysql-app although the user brings a Secret")
	}
	own := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-pw"}, Data: map[string][]byte{"password": []byte("theirs")}}
	if err := api.Create(ctx, own); err != nil {
		t.Fatal(err)
	}
	r.reconcileAppUser(ctx, c, w)
	if len(e.calls) != 1 || e.calls[0].Password != "theirs" {
		t.Errorf("calls %+v, want the user's password", e.calls)
	}
}
