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
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

func tlsPod(name string, mounted bool) *corev1.Pod {
	p := podNamed(name)
	p.Status.PodIP = "127.10.0.9"
	if mounted {
		p.Spec.Volumes = []corev1.Volume{{Name: desired.VolumeTLS, VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: "mysql-tls"}}}}
	}
	return &p
}

// The operator reaches a member over verified TLS exactly when its pod mounts the certificates
// and the cluster has a trust bundle; under the member's stable name, not its address.
func TestTheOperatorVerifiesMembersThatServeTLS(t *testing.T) {
	c := testCluster(3)
	m, err := renewFor(c, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := &ClusterReconciler{}
	for name, tc := range map[string]struct {
		pod   *corev1.Pod
		trust []byte
		tls   bool
	}{
		"a pod with the certificates":                   {tlsPod("mysql-1", true), m.Trust, true},
		"a pod started before TLS was turned on":        {tlsPod("mysql-1", false), m.Trust, false},
		"no bundle yet (the first pass of the cluster)": {tlsPod("mysql-1", true), nil, false},
	} {
		cfg, err := r.memberConfig(c, "mysql-1", tc.pod, login{password: "pw", trust: tc.trust}, time.Second)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := cfg.TLS != nil; got != tc.tls {
			t.Errorf("%s: TLS %v, want %v", name, got, tc.tls)
		}
		if cfg.TLS != nil && (cfg.TLS.ServerName != "mysql-1.mysql.ns.svc" || cfg.TLS.RootCAs == nil || cfg.TLS.InsecureSkipVerify) {
			t.Errorf("%s: server name %q, roots %v", name, cfg.TLS.ServerName, cfg.TLS.RootCAs != nil)
		}
		if cfg.Host != "127.10.0.9" {
			t.Errorf("%s: dials %q, want the pod IP", name, cfg.Host)
		}
	}
	if _, err := r.memberConfig(c, "mysql-1", tlsPod("mysql-1", true), login{trust: []byte("junk")}, time.Second); err == nil {
		t.Error("a bundle without certificates is an error, not a plain connection")
	}
	plain := newConnKey(c.UID, "mysql-1", "127.10.0.9", login{password: "pw", trust: m.Trust}, false)
	if plain != newConnKey(c.UID, "mysql-1", "127.10.0.9", login{password: "pw"}, false) {
		t.Error("a plain connection does not depend on the bundle")
	}
	if plain == newConnKey(c.UID, "mysql-1", "127.10.0.9", login{password: "pw", trust: m.Trust}, true) {
		t.Error("a TLS connection is another connection")
	}
}

// What a member presented at its last handshake is remembered per member, and forgotten with its cluster.
// Every connection to a cluster's members verifies against one parsed pool of its bundle: at a
// thousand clusters a pool per connection was megabytes of duplicated certificates.
func TestConnectionsShareTheirClustersRoots(t *testing.T) {
	c := testCluster(3)
	m, err := renewFor(c, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := &ClusterReconciler{}
	lg := login{password: "pw", trust: append([]byte(nil), m.Trust...)}
	a, err := r.memberConfig(c, "mysql-0", tlsPod("mysql-0", true), lg, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.memberConfig(c, "mysql-1", tlsPod("mysql-1", true), login{password: "pw", trust: m.Trust}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if a.TLS.RootCAs != b.TLS.RootCAs {
		t.Error("two members of one cluster verify against two parsed copies of the same bundle")
	}
	if a.TLS.ServerName == b.TLS.ServerName {
		t.Errorf("both members are verified as %q", a.TLS.ServerName)
	}
	other, err := renewFor(testCluster(1), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	o, err := r.memberConfig(c, "mysql-0", tlsPod("mysql-0", true), login{trust: other.Trust}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if o.TLS.RootCAs == a.TLS.RootCAs || o.TLS.RootCAs.Equal(a.TLS.RootCAs) {
		t.Error("another CA bundle shares the first one's pool")
	}
}

func TestServedCertificates(t *testing.T) {
	var s servedCerts
	k := servedKey{cluster: "u1", member: "mysql-0"}
	if same, known := s.serves(k, []byte("a")); same || known {
		t.Errorf("unknown member: same %v known %v", same, known)
	}
	s.record(k, []byte("a"))
	if same, known := s.serves(k, []byte("a")); !same || !known {
		t.Errorf("recorded: same %v known %v", same, known)
	}
	if same, _ := s.serves(k, []byte("b")); same {
		t.Error("another certificate is not the one presented")
	}
	s.forget("u1")
	if _, known := s.serves(k, []byte("a")); known {
		t.Error("forgotten with the cluster")
	}
}

// The operator's certificates: created in Secrets once, nothing written when nothing is due, and a
// rotation asked for a time still to come waits for it.
func TestRenewCertificatesWritesOnlyWhatChanged(t *testing.T) {
	c := testCluster(3)
	api := fake.NewClientBuilder().WithScheme(restScheme()).Build()
	r := &ClusterReconciler{Client: api, APIReader: api, Scheme: restScheme(), Recorder: events.NewFakeRecorder(20)}
	ctx := context.Background()
	pass := func() *world { return certificatesPass(t, r, c) }
	first := pass()
	ca, tlsSecret := &corev1.Secret{}, &corev1.Secret{}
	if err := api.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "mysql-ca"}, ca); err != nil {
		t.Fatal(err)
	}
	if err := api.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "mysql-tls"}, tlsSecret); err != nil {
		t.Fatal(err)
	}
	if err := certs.CheckServer(first.tls.material.Server, tlsSecret.Data["ca.crt"], c.ServerNames(0), time.Now()); err != nil {
		t.Errorf("the stored certificate does not serve: %v", err)
	}
	c.Annotations = map[string]string{v1alpha1.AnnotationRotateCertificates: time.Now().Add(time.Hour).Format(time.RFC3339)}
	second := pass()
	now := &corev1.Secret{}
	_ = api.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "mysql-tls"}, now)
	if now.ResourceVersion != tlsSecret.ResourceVersion {
		t.Error("a pass with nothing due (a rotation asked for later) wrote the certificate Secret")
	}
	if second.tls.next.After(time.Now().Add(time.Hour + time.Minute)) {
		t.Errorf("next look at %s: not at the rotation asked for", second.tls.next)
	}
	c.Spec.TLS.Enabled = new(bool)
	if err := r.renewCertificates(ctx, c, &world{}); err != nil {
		t.Fatal(err)
	}
	if st := tlsStatus(c, second); st != nil {
		t.Errorf("TLS off: status %+v", st)
	}
}

// A user's Secret is taken as is; what keeps it from serving is said in a condition.
func TestAUsersCertificateIsCheckedNotWritten(t *testing.T) {
	c := testCluster(2)
	c.Spec.TLS.SecretName = "mine"
	api := fake.NewClientBuilder().WithScheme(restScheme()).Build()
	r := &ClusterReconciler{Client: api, APIReader: api, Scheme: restScheme(), Recorder: events.NewFakeRecorder(20)}
	ctx := context.Background()
	check := func() *world { return certificatesPass(t, r, c) }
	if w := check(); w.tls.problem == nil || !strings.Contains(w.tls.problem.Message, "Secret mine named by spec.tls.secretName does not exist") {
		t.Errorf("missing Secret: %+v", w.tls.problem)
	}
	ca, _ := certs.NewCA("users", time.Now(), time.Hour)
	pair, _ := ca.IssueServer(c.MemberHosts(), time.Now(), time.Hour)
	s := &corev1.Secret{Data: map[string][]byte{"tls.crt": pair.CertPEM, "tls.key": pair.KeyPEM}}
	s.Namespace, s.Name = "ns", "mine"
	if err := api.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	if w := check(); w.tls.problem == nil || !strings.Contains(w.tls.problem.Message, "lacks the keys [ca.crt]") {
		t.Errorf("incomplete Secret: %+v", w.tls.problem)
	}
	s.Data["ca.crt"] = ca.CertPEM
	if err := api.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	if w := check(); w.tls.problem != nil || string(w.tls.material.Trust) != string(ca.CertPEM) {
		t.Errorf("a good Secret: problem %+v", w.tls.problem)
	}
	for _, name := range []string{"mysql-ca", "mysql-tls"} {
		if err := api.Get(ctx, client.ObjectKey{Namespace: "ns", Name: name}, &corev1.Secret{}); !apierrors.IsNotFound(err) {
			t.Errorf("Secret %s with a user's certificate: %v", name, err)
		}
	}
}

// certificatesPass is the certificates' part of a pass: observe the Secrets, renew.
func certificatesPass(t *testing.T, r *ClusterReconciler, c *v1alpha1.MySQLCluster) *world {
	t.Helper()
	w := &world{}
	if err := r.observeTLS(context.Background(), c, w); err != nil {
		t.Fatal(err)
	}
	if err := r.renewCertificates(context.Background(), c, w); err != nil {
		t.Fatal(err)
	}
	return w
}

// renewFor issues c's certificates as the operator would at now.
func renewFor(c *v1alpha1.MySQLCluster, now time.Time) (certs.Material, error) {
	r, err := certs.Renew(certs.Material{}, certs.Request{Names: c.ServerNames(0), CAName: "test CA"}, now)
	return r.Material, err
}

// A scale-down keeps the names of the members still to be removed (one may be the primary until a
// switchover): a member serving a certificate without its name could not be verified.
func TestTheCertificateNamesMembersAScaleDownHasNotRemovedYet(t *testing.T) {
	c := testCluster(3)
	w := &world{pods: []corev1.Pod{podNamed("mysql-0"), podNamed("mysql-4")}}
	names := renewRequest(c, coveredMembers(c, w), time.Now()).Names
	if !slices.Contains(names, "mysql-4.mysql.ns.svc") || !slices.Contains(names, "mysql-2.mysql.ns.svc") {
		t.Errorf("names %v: want every ordinal up to mysql-4", names)
	}
	if names := renewRequest(c, coveredMembers(c, &world{}), time.Now()).Names; slices.Contains(names, "mysql-3.mysql.ns.svc") {
		t.Errorf("no pod above spec.replicas: names %v", names)
	}
}
