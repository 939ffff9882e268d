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
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// tlsWorld is what a pass knows of the cluster's certificates.
type tlsWorld struct {
	caSecret, tlsSecret *corev1.Secret // as read; nil when absent
	// material is the certificates as they are after this pass's renewal (zero with TLS off).
	material certs.Material
	// next is when a renewal falls due next; zero when none is known.
	next time.Time
	// serving are the members that presented the current server certificate; reloading those
	// asked to reload it whose files the kubelet has not refreshed yet.
	serving, reloading []string
	// accountsRequire is what the primary's accounts said (REQUIRE SSL).
	accountsRequire bool
	// problem is why the user's Secret (spec.tls.secretName) or cert-manager's (spec.tls.issuerRef)
	// cannot serve and only the user can fix it; nil when it can.
	problem *condition
	// pending is why cert-manager's certificate is not ready yet (it is issuing); nil when ready.
	pending *condition
}

// waiting reports whether the certificates are not settled: a member has yet to reload, or the
// certificate cannot serve yet.
func (t tlsWorld) waiting() bool {
	return len(t.reloading) > 0 || t.problem != nil || t.pending != nil
}

// observeTLS reads the cluster's CA and certificate Secrets (kept while TLS is off: members that
// still serve TLS are verified with them until they restart).
func (r *ClusterReconciler) observeTLS(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	var err error
	if c.OperatorIssuesTLS() {
		if w.tls.caSecret, err = r.optionalSecret(ctx, c, c.CASecretName()); err != nil {
			return err
		}
	}
	w.tls.tlsSecret, err = r.optionalSecret(ctx, c, c.ServingTLSSecretName())
	return err
}

func (r *ClusterReconciler) optionalSecret(ctx context.Context, c *v1alpha1.MySQLCluster, name string) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	err := r.secretReader().Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, s)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get Secret %s: %w", name, err)
	}
	return s, nil
}

// renewCertificates brings the CA and the members' certificate up to date (certs.Renew: issued
// when missing, renewed when due or asked for, the old CA trusted until it expires) and writes the
// Secrets that changed, the CA first. Every change is an event.
func (r *ClusterReconciler) renewCertificates(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) error {
	if !c.TLSEnabled() {
		return nil
	}
	if c.Spec.TLS.IssuerRef != nil {
		return r.issuedCertificate(ctx, c, w)
	}
	if c.Spec.TLS.SecretName != "" {
		r.checkUserCertificate(c, w, "named by spec.tls.secretName")
		return nil
	}
	now := r.now()
	stored := desired.TLSMaterial(w.tls.caSecret, w.tls.tlsSecret)
	ren, err := certs.Renew(stored, renewRequest(c, coveredMembers(c, w), now), now)
	if err != nil {
		r.warnExpiring(c, stored, now)
		return fmt.Errorf("certificates of %s: %w", c.Name, err)
	}
	if string(ren.Material.CA.CertPEM) != string(stored.CA.CertPEM) {
		if err := r.writeSecret(ctx, c, desired.CASecret(c, ren.Material.CA), w.tls.caSecret); err != nil {
			return err
		}
	}
	if len(ren.Changes) > 0 {
		if err := r.writeSecret(ctx, c, desired.TLSSecret(c, ren.Material), w.tls.tlsSecret); err != nil {
			return err
		}
		// One event per renewal: events of the same reason in a row become a series the
		// recorder patches later, an API write at rest.
		r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "CertificateIssued", "Renew", "%s", strings.Join(ren.Changes, "; "))
	}
	w.tls.material, w.tls.next = ren.Material, certs.NextChange(ren.Material, now)
	if asked := c.RotateCertificatesBefore(); asked.After(now) && (w.tls.next.IsZero() || asked.Before(w.tls.next)) {
		w.tls.next = asked.Add(time.Second)
	}
	return nil
}

// checkUserCertificate takes the user's Secret (or cert-manager's) as it is: the members serve it
// when it can serve their names; otherwise status says why (Stalled) and an event tells the user
// what to fix. source says where the Secret comes from, for the message.
func (r *ClusterReconciler) checkUserCertificate(c *v1alpha1.MySQLCluster, w *world, source string) {
	name, now := c.ServingTLSSecretName(), r.now()
	w.tls.material = desired.TLSMaterial(nil, w.tls.tlsSecret)
	var why string
	switch {
	case w.tls.tlsSecret == nil:
		why = fmt.Sprintf("Secret %s %s does not exist", name, source)
	case len(missingTLSKeys(w.tls.tlsSecret)) > 0:
		why = fmt.Sprintf("Secret %s %s lacks the keys %v", name, source, missingTLSKeys(w.tls.tlsSecret))
	default:
		m := w.tls.material
		if err := certs.CheckServer(m.Server, m.Trust, c.MemberHosts(), now); err != nil {
			why = fmt.Sprintf("the certificate of Secret %s cannot serve the members: %v", name, err)
		}
	}
	if why == "" {
		r.warnExpiring(c, w.tls.material, now)
		return
	}
	r.stalledBy(c, w, condition{Reason: "TLSSecretInvalid", Message: why})
}

// missingTLSKeys lists the keys a user's TLS Secret lacks or leaves empty.
func missingTLSKeys(s *corev1.Secret) []string {
	var out []string
	for _, k := range []string{desired.TLSKeyCert, desired.TLSKeyKey, desired.TLSKeyCA} {
		if len(s.Data[k]) == 0 {
			out = append(out, k)
		}
	}
	return out
}

// expiringWithin is how close to its expiry a certificate the operator could not renew is warned
// about (it renews a month ahead).
const expiringWithin = 14 * 24 * time.Hour

// warnExpiring warns, when a renewal failed, about a stored certificate that expires soon.
func (r *ClusterReconciler) warnExpiring(c *v1alpha1.MySQLCluster, m certs.Material, now time.Time) {
	for what, pem := range map[string][]byte{"CA": m.CA.CertPEM, "server certificate": m.Server.CertPEM} {
		if cert, err := certs.ParseCert(pem); err == nil && cert.NotAfter.Sub(now) < expiringWithin {
			r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "CertificateExpiring", "Renew",
				"the %s expires at %s and could not be renewed; clients refuse it once expired", what, cert.NotAfter.UTC().Format(time.RFC3339))
		}
	}
}

// renewRequest is what c's certificates must be at now, covering at least members ordinals. A
// rotation asked for a time still to come waits for it: what is issued before then would
// otherwise be replaced on every pass.
func renewRequest(c *v1alpha1.MySQLCluster, members int, now time.Time) certs.Request {
	rotate := c.RotateCertificatesBefore()
	if rotate.After(now) {
		rotate = time.Time{}
	}
	return certs.Request{Names: c.ServerNames(members), CAName: fmt.Sprintf("%s.%s ordinal CA", c.Name, c.Namespace), RotateBefore: rotate}
}

// coveredMembers is how many ordinals the certificate must name: every member that still has a
// pod, above spec.replicas too (ServerNames).
func coveredMembers(c *v1alpha1.MySQLCluster, w *world) int {
	n := 0
	for i := range w.pods {
		if ord, ok := c.Ordinal(w.pods[i].Name); ok {
			n = max(n, ord+1)
		}
	}
	return n
}

// writeSecret applies s, conditional on the version read (live; nil: it must not exist yet): a
// pass that read a stale copy fails instead of overwriting a CA another pass issued. The kept copy
// is dropped, so the next read asks the API server.
func (r *ClusterReconciler) writeSecret(ctx context.Context, c *v1alpha1.MySQLCluster, s, live *corev1.Secret) error {
	if err := controllerutil.SetControllerReference(c, s, r.Scheme); err != nil {
		return fmt.Errorf("own Secret %s: %w", s.Name, err)
	}
	var err error
	if live == nil {
		err = r.Create(ctx, s)
	} else {
		s.ResourceVersion = live.ResourceVersion
		err = r.Update(ctx, s)
	}
	// Kept as written, so the next pass finds it even before the metadata cache does; a failed
	// write is forgotten and read again.
	if err == nil {
		r.keepSecret(s)
	} else if r.secrets != nil {
		r.secrets.forget(client.ObjectKeyFromObject(s))
	}
	if err != nil {
		return fmt.Errorf("write Secret %s: %w", s.Name, err)
	}
	logf(ctx)("Wrote Secret", "name", s.Name)
	return nil
}

// tlsStatus reports the certificates' expiry, which members serve the current one, and whether
// the accounts require TLS; nil with TLS off.
func tlsStatus(c *v1alpha1.MySQLCluster, w *world) *v1alpha1.TLSStatus {
	if !c.TLSEnabled() || len(w.tls.material.Server.CertPEM) == 0 {
		return nil
	}
	st := &v1alpha1.TLSStatus{MembersServingCurrent: w.tls.serving, AccountsRequireTLS: w.tls.accountsRequire}
	caPEM := w.tls.material.CA.CertPEM
	if len(caPEM) == 0 {
		caPEM = w.tls.material.Trust // the user's Secret: its first CA
	}
	if ca, err := certs.ParseCert(caPEM); err == nil {
		st.CANotAfter = &metav1.Time{Time: ca.NotAfter}
	}
	if leaf, err := certs.ParseCert(w.tls.material.Server.CertPEM); err == nil {
		st.CertificateNotAfter = &metav1.Time{Time: leaf.NotAfter}
	}
	if !w.tls.next.IsZero() {
		st.NextRenewal = &metav1.Time{Time: w.tls.next}
	}
	return st
}

// renewIn is how long a resting cluster may wait before its next renewal; 0 when none is due.
func (t tlsWorld) renewIn(now time.Time) time.Duration {
	if t.next.IsZero() {
		return 0
	}
	return max(t.next.Sub(now), time.Second)
}
