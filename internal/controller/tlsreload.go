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
	"crypto/x509"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// tlsReloader is a member connection that can make its server read its certificate files again.
type tlsReloader interface {
	ReloadTLS(ctx context.Context) error
}

// reloadCertificates makes every member that serves TLS present the current certificate: one
// whose last handshake with the operator presented another is asked to reload its files (FLUSH
// SSL, ALTER INSTANCE RELOAD TLS: no restart, established connections and replication keep
// theirs) and met again. Until the kubelet has refreshed its mounted files it presents the old one
// and is asked again on the next pass.
func (r *ClusterReconciler) reloadCertificates(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	leaf, err := certs.ParseCert(w.tls.material.Server.CertPEM)
	if _, meets := r.opener().(mysql.CertificateMeeter); !c.TLSEnabled() || err != nil || !meets {
		return // (an opener of fake servers speaks no TLS)
	}
	lg := loginOf(w)
	for _, m := range w.members {
		if m.conn == nil || !servesTLS(m.pod) || !m.pod.DeletionTimestamp.IsZero() {
			continue
		}
		switch r.reloadMember(ctx, c, m, lg, leaf) {
		case reloadNotNeeded:
			w.tls.serving = append(w.tls.serving, m.name)
		case reloadDone:
			w.tls.serving = append(w.tls.serving, m.name)
			r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "CertificateReloaded", "ReloadTLS",
				"%s serves the renewed certificate (valid until %s), without a restart", m.name, leaf.NotAfter.UTC().Format("2006-01-02T15:04:05Z"))
		default:
			w.tls.reloading = append(w.tls.reloading, m.name)
		}
	}
}

type reloadOutcome int

const (
	reloadNotNeeded reloadOutcome = iota
	reloadDone
	reloadPending
)

// reloadMember meets m when the operator has not yet, and asks it to reload when it presented
// another certificate than leaf.
func (r *ClusterReconciler) reloadMember(ctx context.Context, c *v1alpha1.MySQLCluster, m *member, lg login, leaf *x509.Certificate) reloadOutcome {
	key := servedKey{cluster: c.UID, member: m.name}
	same, known := r.served.serves(key, leaf.Raw)
	if !known {
		r.meet(ctx, c, m, lg)
		same, _ = r.served.serves(key, leaf.Raw)
	}
	if same {
		return reloadNotNeeded
	}
	rl, ok := m.conn.(tlsReloader)
	if !ok {
		return reloadPending
	}
	rctx, cancel := context.WithTimeout(ctx, probeTimeout)
	err := rl.ReloadTLS(rctx)
	cancel()
	if err != nil {
		logf(ctx)("Could not reload the certificate", "member", m.name, "err", err)
		return reloadPending
	}
	r.meet(ctx, c, m, lg)
	if same, _ := r.served.serves(key, leaf.Raw); same {
		return reloadDone
	}
	return reloadPending
}

// meet opens a fresh TLS connection to m, which records the certificate it presents.
func (r *ClusterReconciler) meet(ctx context.Context, c *v1alpha1.MySQLCluster, m *member, lg login) {
	cfg, err := r.memberConfig(c, m.name, m.pod, lg, probeTimeout)
	if err != nil || cfg.TLS == nil {
		return
	}
	if _, err := r.opener().(mysql.CertificateMeeter).ServedCertificate(ctx, cfg); err != nil {
		logf(ctx)("Could not meet the member over TLS", "member", m.name, "err", err)
	}
}

// observeAccounts reads whether the primary's replication and operator accounts require TLS, when
// TLS is on or any member still serves it. Unknown (no answer) counts as required: the rule that
// requires it then waits, and the one that relaxes it runs again (it is idempotent).
func (r *ClusterReconciler) observeAccounts(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	tlsAnywhere := c.TLSEnabled()
	for _, m := range w.members {
		tlsAnywhere = tlsAnywhere || servesTLS(m.pod)
	}
	if !tlsAnywhere {
		return
	}
	w.tls.accountsRequire = true
	for _, m := range w.members {
		if m.name != c.Status.CurrentPrimary || m.conn == nil {
			continue
		}
		actx, cancel := context.WithTimeout(ctx, probeTimeout)
		required, err := m.conn.AccountsRequireTLS(actx)
		cancel()
		if err == nil {
			w.tls.accountsRequire = required
		}
	}
}
