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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// +kubebuilder:rbac:groups=cert-manager.io,resources=certificates,verbs=get;list;watch;create;patch;update
// +kubebuilder:rbac:groups=cert-manager.io,resources=issuers;clusterissuers,verbs=get

// Reasons of the conditions and events of a cluster whose certificate comes from cert-manager.
const (
	reasonCertManagerMissing  = "CertManagerMissing"
	reasonIssuerNotFound      = "IssuerNotFound"
	reasonCertificateNotReady = "CertificateNotReady"
)

// issuedView is what a pass read of spec.tls.issuerRef's Certificate and issuer.
type issuedView struct {
	// kindMissing: the API server does not serve cert-manager's Certificate (not installed).
	kindMissing bool
	// live is the Certificate as read (nil when absent); wrote: this pass created or changed it.
	live  *unstructured.Unstructured
	wrote bool
	// issuerMissing: the issuer named by issuerRef does not exist (only looked up while the
	// Certificate is not ready, and only for cert-manager.io's own kinds).
	issuerMissing bool
}

// issuedVerdict is what decideIssued made of an issuedView: a problem only the user can fix
// (Stalled), a wait for cert-manager (Reconciling), or neither (the Secret can be checked).
type issuedVerdict struct {
	problem, pending *condition
}

// decideIssued is the pure decision of a pass over a cert-manager certificate.
func decideIssued(c *v1alpha1.MySQLCluster, v issuedView) issuedVerdict {
	ref, name := c.Spec.TLS.IssuerRef, c.CertManagerName()
	switch {
	case v.kindMissing:
		return issuedVerdict{problem: &condition{Reason: reasonCertManagerMissing,
			Message: "spec.tls.issuerRef needs cert-manager: the Certificate kind is not installed"}}
	case v.issuerMissing:
		return issuedVerdict{problem: &condition{Reason: reasonIssuerNotFound,
			Message: fmt.Sprintf("issuer %s (%s) named by spec.tls.issuerRef does not exist", ref.Name, desired.IssuerKind(ref))}}
	case v.wrote || v.live == nil:
		return issuedVerdict{pending: &condition{Reason: reasonCertificateNotReady,
			Message: fmt.Sprintf("waiting for cert-manager to issue Certificate %s", name)}}
	}
	if ready, why := certificateReady(v.live); !ready {
		return issuedVerdict{pending: &condition{Reason: reasonCertificateNotReady,
			Message: fmt.Sprintf("Certificate %s is not ready: %s", name, why)}}
	}
	return issuedVerdict{}
}

// certificateReady reports whether cert-manager says the Certificate's Secret holds a certificate
// of its current spec (Ready, observed at its generation), else its Ready message.
func certificateReady(u *unstructured.Unstructured) (bool, string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, e := range conds {
		m, _ := e.(map[string]any)
		if m["type"] != "Ready" {
			continue
		}
		msg, _ := m["message"].(string)
		if msg == "" {
			msg, _ = m["reason"].(string)
		}
		if gen, ok := m["observedGeneration"].(int64); ok && gen < u.GetGeneration() {
			return false, "cert-manager has not looked at its latest spec yet"
		}
		return m["status"] == "True", msg
	}
	return false, "cert-manager has not reported on it yet"
}

// issuedCertificate keeps spec.tls.issuerRef's Certificate as desired, then takes the Secret
// cert-manager writes for it as a user's Secret (checkUserCertificate) once the Certificate is
// ready. cert-manager renewing it changes the Secret, which wakes the cluster (secretToClusters)
// and the members reload it live. Reads go to the API server: nothing watches cert-manager's kinds,
// which may not even be installed.
func (r *ClusterReconciler) issuedCertificate(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	w.tls.material = desired.TLSMaterial(nil, w.tls.tlsSecret)
	v, err := r.observeIssued(ctx, c, w)
	if err != nil {
		return err
	}
	verdict := decideIssued(c, v)
	switch {
	case verdict.problem != nil:
		r.stalledBy(c, w, *verdict.problem)
	case verdict.pending != nil:
		w.tls.pending = verdict.pending
	default:
		r.checkUserCertificate(c, w, fmt.Sprintf("written by cert-manager for Certificate %s", c.CertManagerName()))
	}
	return nil
}

// observeIssued reads the Certificate, applies it when it differs from the desired one, and looks
// the issuer up while the Certificate is not ready.
func (r *ClusterReconciler) observeIssued(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) (issuedView, error) {
	var v issuedView
	live, err := r.readOptional(ctx, desired.CertificateGVK, c.Namespace, c.CertManagerName())
	if meta.IsNoMatchError(err) {
		return issuedView{kindMissing: true}, nil
	}
	if err != nil {
		return v, err
	}
	v.live = live
	want := desired.Certificate(c, coveredMembers(c, w))
	if err := controllerutil.SetControllerReference(c, want, r.Scheme); err != nil {
		return v, fmt.Errorf("own Certificate %s: %w", want.GetName(), err)
	}
	var liveObj client.Object // a nil *Unstructured would not be a nil Object
	if live != nil {
		liveObj = live
	}
	v.wrote, err = r.applier(c).apply(ctx, want, liveObj)
	if meta.IsNoMatchError(err) || apierrors.IsNotFound(err) { // the kind went away since mapped
		return issuedView{kindMissing: true}, nil
	}
	if err != nil {
		return v, err
	}
	if v.wrote && live == nil {
		r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "CertificateRequested", "Apply",
			"Certificate %s asks %s %s for the members' certificate", want.GetName(), desired.IssuerKind(c.Spec.TLS.IssuerRef), c.Spec.TLS.IssuerRef.Name)
	}
	if ready, _ := certificateReady(orEmpty(live)); ready && !v.wrote {
		return v, nil
	}
	v.issuerMissing, err = r.issuerMissing(ctx, c)
	return v, err
}

// issuerMissing looks issuerRef up. An external issuer (another group) is not looked up: its kind
// is unknown here, and cert-manager reports on it through the Certificate. Neither is an issuer the
// operator may not read (a ClusterIssuer when it watches some namespaces only, with Roles).
func (r *ClusterReconciler) issuerMissing(ctx context.Context, c *v1alpha1.MySQLCluster) (bool, error) {
	ref := c.Spec.TLS.IssuerRef
	if ref.Group != "" && ref.Group != desired.CertificateGVK.Group {
		return false, nil
	}
	ns := c.Namespace
	if desired.IssuerKind(ref) == "ClusterIssuer" {
		ns = ""
	}
	gvk := schema.GroupVersionKind{Group: desired.CertificateGVK.Group, Version: "v1", Kind: desired.IssuerKind(ref)}
	u, err := r.readOptional(ctx, gvk, ns, ref.Name)
	switch {
	case meta.IsNoMatchError(err):
		return true, nil
	case apierrors.IsForbidden(err):
		return false, nil
	}
	return u == nil && err == nil, err
}

// readOptional reads an object of a kind the operator does not link from the API server; nil when
// it does not exist.
func (r *ClusterReconciler) readOptional(ctx context.Context, gvk schema.GroupVersionKind, ns, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get %s %s: %w", gvk.Kind, name, err)
	}
	return u, nil
}

// issuedReplicas caps the StatefulSet's replicas n, with an issuer's certificate, at the members
// the served certificate names, never below what the StatefulSet already has: a new member's pod
// must mount a certificate naming it, as with the operator's own CA (issued before the StatefulSet
// grows). Otherwise the operator could not verify the new server, and so could not ask it to
// reload the certificate cert-manager issues for it a moment later.
func issuedReplicas(c *v1alpha1.MySQLCluster, w *world, n int32) int32 {
	if c.Spec.TLS.IssuerRef == nil || !c.TLSEnabled() {
		return n
	}
	leaf, err := certs.ParseCert(w.tls.material.Server.CertPEM)
	var covered int32
	for err == nil && covered < n && leaf.VerifyHostname(c.PodHost(int(covered))) == nil {
		covered++
	}
	var live int32
	if w.statefulSet != nil && w.statefulSet.Spec.Replicas != nil {
		live = *w.statefulSet.Spec.Replicas
	}
	return min(n, max(covered, live))
}

// stalledBy records a problem only the user can fix, with a Warning event when it is news.
func (r *ClusterReconciler) stalledBy(c *v1alpha1.MySQLCluster, w *world, p condition) {
	if !stalledWith(c, p.Message) {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, p.Reason, "Check", "%s", p.Message)
	}
	w.tls.problem = &p
}

func orEmpty(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return &unstructured.Unstructured{Object: map[string]any{}}
	}
	return u
}
