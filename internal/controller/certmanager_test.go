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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

func issuedCluster() *v1alpha1.MySQLCluster {
	c := testCluster(3)
	c.Spec.TLS.IssuerRef = &v1alpha1.IssuerRef{Name: "corp-ca", Kind: "ClusterIssuer", Group: "cert-manager.io"}
	return c
}

// readyCertificate is c's desired Certificate as cert-manager reports it: Ready, or not with msg.
func readyCertificate(c *v1alpha1.MySQLCluster, ready bool, msg string) *unstructured.Unstructured {
	u := desired.Certificate(c, 0)
	u.SetGeneration(2)
	status := "True"
	if !ready {
		status = "False"
	}
	_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{
		"type": "Ready", "status": status, "reason": "Whatever", "message": msg, "observedGeneration": int64(2),
	}}, "status", "conditions")
	return u
}

// appliedEarlier makes cert what an earlier pass of the operator applied: owned by the cluster, with
// the applied annotation of the Certificate a pass builds.
func appliedEarlier(t *testing.T, c *v1alpha1.MySQLCluster, cert *unstructured.Unstructured) {
	t.Helper()
	want := desired.Certificate(c, 0)
	for _, u := range []*unstructured.Unstructured{cert, want} {
		if err := controllerutil.SetControllerReference(c, u, restScheme()); err != nil {
			t.Fatal(err)
		}
	}
	hash, err := appliedHash(want)
	if err != nil {
		t.Fatal(err)
	}
	cert.SetAnnotations(withAnnotation(cert.GetAnnotations(), v1alpha1.AnnotationApplied, hash))
}

func TestDecideIssued(t *testing.T) {
	c := issuedCluster()
	stale := readyCertificate(c, true, "up to date")
	stale.SetGeneration(3)
	for _, tc := range []struct {
		name           string
		view           issuedView
		problem, pends string // the reasons, "" for none
		message        string
	}{
		{"cert-manager not installed", issuedView{kindMissing: true}, reasonCertManagerMissing, "",
			"spec.tls.issuerRef needs cert-manager: the Certificate kind is not installed"},
		{"issuer missing", issuedView{live: readyCertificate(c, false, "x"), issuerMissing: true}, reasonIssuerNotFound, "",
			"issuer corp-ca (ClusterIssuer) named by spec.tls.issuerRef does not exist"},
		{"just created", issuedView{wrote: true}, "", reasonCertificateNotReady, "waiting for cert-manager to issue Certificate mysql-cert-manager-tls"},
		{"changed", issuedView{live: readyCertificate(c, true, "ok"), wrote: true}, "", reasonCertificateNotReady, "waiting for cert-manager"},
		{"issuing", issuedView{live: readyCertificate(c, false, "Issuing certificate as Secret does not exist")}, "", reasonCertificateNotReady,
			"Certificate mysql-cert-manager-tls is not ready: Issuing certificate as Secret does not exist"},
		{"ready at an older generation", issuedView{live: stale}, "", reasonCertificateNotReady, "has not looked at its latest spec"},
		{"no conditions yet", issuedView{live: desired.Certificate(c, 0)}, "", reasonCertificateNotReady, "has not reported on it yet"},
		{"ready", issuedView{live: readyCertificate(c, true, "Certificate is up to date and has not expired")}, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := decideIssued(c, tc.view)
			if got := reasonOf(v.problem); got != tc.problem {
				t.Errorf("problem %q, want %q", got, tc.problem)
			}
			if got := reasonOf(v.pending); got != tc.pends {
				t.Errorf("pending %q, want %q", got, tc.pends)
			}
			for _, cond := range []*condition{v.problem, v.pending} {
				if cond != nil && !strings.Contains(cond.Message, tc.message) {
					t.Errorf("message %q, want it to contain %q", cond.Message, tc.message)
				}
			}
		})
	}
}

func reasonOf(c *condition) string {
	if c == nil {
		return ""
	}
	return c.Reason
}

func TestContains(t *testing.T) {
	live := map[string]any{"spec": map[string]any{"a": "x", "n": int64(256), "l": []any{"p", "q"}, "extra": true}}
	for _, tc := range []struct {
		want any
		ok   bool
	}{
		{map[string]any{"spec": map[string]any{"a": "x", "l": []any{"p", "q"}}}, true},
		{map[string]any{"spec": map[string]any{"n": int64(256)}}, true},
		{map[string]any{"spec": map[string]any{"a": "y"}}, false},
		{map[string]any{"spec": map[string]any{"l": []any{"p"}}}, false},
		{map[string]any{"spec": map[string]any{"missing": "z"}}, false},
	} {
		if got := contains(live, tc.want); got != tc.ok {
			t.Errorf("contains(%v) = %v, want %v", tc.want, got, tc.ok)
		}
	}
}

// Without cert-manager's CRDs the cluster is Stalled with a clear message, and nothing fails.
func TestIssuerRefWithoutCertManager(t *testing.T) {
	c := issuedCluster()
	api := fakeAPI(false)
	rec := events.NewFakeRecorder(10)
	r := &ClusterReconciler{Client: api, APIReader: api, Scheme: restScheme(), Recorder: rec}
	w := certificatesPass(t, r, c)
	if w.tls.problem == nil || w.tls.problem.Reason != reasonCertManagerMissing {
		t.Fatalf("problem %+v, want %s", w.tls.problem, reasonCertManagerMissing)
	}
	if ev := <-rec.Events; !strings.Contains(ev, "Warning CertManagerMissing spec.tls.issuerRef needs cert-manager") {
		t.Errorf("event %q", ev)
	}
	if !w.tls.waiting() {
		t.Error("a cluster that needs cert-manager counts as settled")
	}
}

// fakeAPI is a fake API server that serves cert-manager's kinds when installed.
func fakeAPI(installed bool, objs ...client.Object) client.WithWatch {
	m := meta.NewDefaultRESTMapper(nil)
	for _, k := range []string{"Secret", "Pod", "ConfigMap"} {
		m.Add(schema.GroupVersionKind{Version: "v1", Kind: k}, meta.RESTScopeNamespace)
	}
	if !installed {
		// The fake client does not map kinds; a real one answers as here for a kind not served.
		noMatch := func(obj runtime.Object) error {
			gvk := obj.GetObjectKind().GroupVersionKind()
			if gvk.Group == desired.CertificateGVK.Group {
				return &meta.NoKindMatchError{GroupKind: gvk.GroupKind(), SearchedVersions: []string{gvk.Version}}
			}
			return nil
		}
		return fake.NewClientBuilder().WithScheme(restScheme()).WithRESTMapper(m).WithObjects(objs...).
			WithInterceptorFuncs(interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					if err := noMatch(obj); err != nil {
						return err
					}
					return c.Get(ctx, key, obj, opts...)
				},
				Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
					return &meta.NoKindMatchError{GroupKind: desired.CertificateGVK.GroupKind()}
				},
			}).Build()
	}
	m.Add(desired.CertificateGVK, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Issuer"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "ClusterIssuer"}, meta.RESTScopeRoot)
	return fake.NewClientBuilder().WithScheme(restScheme()).WithRESTMapper(m).WithObjects(objs...).Build()
}

// A Certificate that is not ready says why; a missing issuer is named; a ready one's Secret serves.
func TestIssuedCertificate(t *testing.T) {
	c := issuedCluster()
	pass := func(cert *unstructured.Unstructured, objs ...client.Object) (*world, *events.FakeRecorder) {
		t.Helper()
		appliedEarlier(t, c, cert)
		api := fakeAPI(true, append(objs, cert)...)
		rec := events.NewFakeRecorder(10)
		r := &ClusterReconciler{Client: api, APIReader: api, Scheme: restScheme(), Recorder: rec}
		return certificatesPass(t, r, c), rec
	}
	issuer := clusterIssuer("corp-ca")

	w, rec := pass(readyCertificate(c, false, "no issuer"))
	if reasonOf(w.tls.problem) != reasonIssuerNotFound {
		t.Errorf("issuer missing: problem %+v", w.tls.problem)
	}
	if ev := <-rec.Events; !strings.Contains(ev, "Warning IssuerNotFound issuer corp-ca (ClusterIssuer) named by spec.tls.issuerRef does not exist") {
		t.Errorf("event %q", ev)
	}
	w, _ = pass(readyCertificate(c, false, "Issuing certificate as Secret does not exist"), issuer.DeepCopy())
	if w.tls.problem != nil || w.tls.pending == nil || !strings.Contains(w.tls.pending.Message, "Secret does not exist") {
		t.Errorf("issuing: problem %+v, pending %+v", w.tls.problem, w.tls.pending)
	}
	ca, _ := certs.NewCA("corp", time.Now(), time.Hour)
	pair, _ := ca.IssueServer(c.ServerNames(0), time.Now(), time.Hour)
	s := &corev1.Secret{Data: map[string][]byte{"tls.crt": pair.CertPEM, "tls.key": pair.KeyPEM, "ca.crt": ca.CertPEM}}
	s.Namespace, s.Name = "ns", c.CertManagerName()
	w, _ = pass(readyCertificate(c, true, "up to date"), s) // no issuer needed once ready
	if w.tls.problem != nil || w.tls.pending != nil || string(w.tls.material.Trust) != string(ca.CertPEM) {
		t.Errorf("ready: problem %+v, pending %+v", w.tls.problem, w.tls.pending)
	}
	w, _ = pass(readyCertificate(c, true, "up to date"))
	if w.tls.problem == nil || !strings.Contains(w.tls.problem.Message, "written by cert-manager for Certificate mysql-cert-manager-tls does not exist") {
		t.Errorf("ready without its Secret: %+v", w.tls.problem)
	}
}

// The first pass creates the Certificate; a pass with nothing changed writes nothing.
func TestIssuedCertificateIsAppliedOnce(t *testing.T) {
	c := issuedCluster()
	api := fakeAPI(true, clusterIssuer("corp-ca"))
	r := &ClusterReconciler{Client: api, APIReader: api, Scheme: restScheme(), Recorder: events.NewFakeRecorder(10)}
	w := certificatesPass(t, r, c)
	if reasonOf(w.tls.pending) != reasonCertificateNotReady {
		t.Errorf("just created: pending %+v, problem %+v", w.tls.pending, w.tls.problem)
	}
	read := func() *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(desired.CertificateGVK)
		if err := api.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: c.CertManagerName()}, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	first := read()
	if name, _, _ := unstructured.NestedString(first.Object, "spec", "issuerRef", "name"); name != "corp-ca" {
		t.Errorf("issuerRef.name = %q", name)
	}
	if refs := first.GetOwnerReferences(); len(refs) != 1 || refs[0].Name != c.Name {
		t.Errorf("owners %v, want the cluster", refs)
	}
	certificatesPass(t, r, c)
	if again := read(); again.GetResourceVersion() != first.GetResourceVersion() {
		t.Error("a pass with nothing changed wrote the Certificate")
	}
	c.Spec.Replicas = ptr.To(int32(4))
	certificatesPass(t, r, c)
	if names, _, _ := unstructured.NestedStringSlice(read().Object, "spec", "dnsNames"); !slices.Contains(names, "mysql-3.mysql.ns.svc") {
		t.Errorf("scaled up: dnsNames %v lack the new member", names)
	}
}

func clusterIssuer(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "ClusterIssuer"})
	u.SetName(name)
	return u
}

// An operator that may not read ClusterIssuers (Roles per watched namespace) leaves the question to
// cert-manager's Certificate instead of failing the pass.
func TestIssuerLookupForbidden(t *testing.T) {
	c := issuedCluster()
	cert := readyCertificate(c, false, "Referenced ClusterIssuer not found")
	appliedEarlier(t, c, cert)
	base := fakeAPI(true, cert)
	api := interceptor.NewClient(base, interceptor.Funcs{
		Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if obj.GetObjectKind().GroupVersionKind().Kind == "ClusterIssuer" {
				return apierrors.NewForbidden(schema.GroupResource{Group: "cert-manager.io", Resource: "clusterissuers"}, key.Name, nil)
			}
			return cl.Get(ctx, key, obj, opts...)
		},
	})
	r := &ClusterReconciler{Client: api, APIReader: api, Scheme: restScheme(), Recorder: events.NewFakeRecorder(10)}
	w := certificatesPass(t, r, c)
	if w.tls.problem != nil || reasonOf(w.tls.pending) != reasonCertificateNotReady ||
		!strings.Contains(w.tls.pending.Message, "Referenced ClusterIssuer not found") {
		t.Errorf("problem %+v, pending %+v", w.tls.problem, w.tls.pending)
	}
}

// The StatefulSet grows only as far as an issuer's certificate names the members, and never shrinks
// for it.
func TestIssuedReplicas(t *testing.T) {
	c := issuedCluster()
	ca, _ := certs.NewCA("corp", time.Now(), time.Hour)
	serving := func(members int) *world {
		w := &world{}
		if members > 0 {
			pair, _ := ca.IssueServer(c.ServerNames(members), time.Now(), time.Hour)
			w.tls.material.Server = pair
		}
		return w
	}
	withSTS := func(w *world, replicas int32) *world {
		w.statefulSet = &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Replicas: ptr.To(replicas)}}
		return w
	}
	for _, tc := range []struct {
		name string
		w    *world
		want int32
	}{
		{"no certificate yet: no pod", serving(0), 0},
		{"the certificate names three", serving(3), 3},
		{"scaling up: the fourth waits for its name", withSTS(serving(3), 3), 3},
		{"scaled up once named", withSTS(serving(4), 3), 4},
		{"never below the StatefulSet's", withSTS(serving(0), 3), 3},
	} {
		if got := issuedReplicas(c, tc.w, 4); got != tc.want {
			t.Errorf("%s: %d replicas, want %d", tc.name, got, tc.want)
		}
	}
	c.Spec.TLS.IssuerRef = nil
	if got := issuedReplicas(c, serving(0), 4); got != 4 {
		t.Errorf("the operator's own CA: %d replicas, want 4 (it issues before the StatefulSet grows)", got)
	}
}
