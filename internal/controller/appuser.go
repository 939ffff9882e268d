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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// appUserEnsurer is the part of a real connection that creates the application's database and
// account (the fake Instance of unit tests has none: the pass then leaves them alone).
type appUserEnsurer interface {
	EnsureAppUser(ctx context.Context, u mysql.AppUser) error
}

// appUserMemory remembers, per cluster, a digest of the database, account and password last
// applied, so the statements run once per change (and once after an operator restart: they are
// idempotent), not on every pass.
type appUserMemory struct {
	mu   sync.Mutex
	done map[types.UID]string
}

func (m *appUserMemory) applied(uid types.UID, digest string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.done[uid] == digest
}

func (m *appUserMemory) record(uid types.UID, digest string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done == nil {
		m.done = map[types.UID]string{}
	}
	m.done[uid] = digest
}

// reconcileAppUser creates the application Secret at once, and spec.database and spec.user on the
// writable primary once the cluster is Ready, and again whenever they or the Secret's password
// change. Ready (every member serving, the semi-sync wait active) keeps the statements away from a
// primary that cannot commit and from a seed's backup locks: a DDL stuck behind either would hold
// its locks and stall the seed. A failure is an event and is retried on the next pass.
func (r *ClusterReconciler) reconcileAppUser(ctx context.Context, c *v1alpha1.MySQLCluster, w *world) {
	if c.Spec.Database == "" || w.blocker != nil || w.secret == nil {
		return
	}
	// Until the database and user are in place the cluster is not at rest: the pass that follows
	// Ready creates them.
	w.appUserPending = true
	u, err := r.appUser(ctx, c)
	if err != nil {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "AppUserFailed", "AppUser", "%v", err)
		return
	}
	digest := appUserDigest(u)
	if r.appUsers.applied(c.UID, digest) {
		w.appUserPending = false
		return
	}
	if !meta.IsStatusConditionTrue(c.Status.Conditions, v1alpha1.ConditionReady) {
		return
	}
	p := writablePrimary(c, w)
	if p == nil {
		return
	}
	e, ok := p.conn.(appUserEnsurer)
	if !ok {
		return
	}
	if err := e.EnsureAppUser(ctx, u); err != nil {
		r.Recorder.Eventf(c, nil, corev1.EventTypeWarning, "AppUserFailed", "AppUser",
			"create database %s and user %s on %s: %v", u.Database, u.Name, p.name, err)
		return
	}
	r.appUsers.record(c.UID, digest)
	w.appUserPending = false
	logf(ctx)("Application database and user ready", "database", u.Database, "user", u.Name, "primary", p.name)
	r.Recorder.Eventf(c, nil, corev1.EventTypeNormal, "AppUserReady", "AppUser",
		"database %s and user %s are ready on %s", u.Database, u.Name, p.name)
}

// appUser is spec.database and spec.user with the password from the application Secret, which
// is generated first when needed.
func (r *ClusterReconciler) appUser(ctx context.Context, c *v1alpha1.MySQLCluster) (mysql.AppUser, error) {
	u := mysql.AppUser{Database: c.Spec.Database}
	if c.Spec.User == nil {
		return u, nil
	}
	s, err := r.appSecret(ctx, c)
	if err != nil {
		return u, err
	}
	pw := s.Data[v1alpha1.AppSecretKeyPassword]
	if len(pw) == 0 {
		return u, fmt.Errorf("Secret %s has no key %q: the application user %s waits for it",
			s.Name, v1alpha1.AppSecretKeyPassword, c.Spec.User.Name)
	}
	u.Name, u.Host, u.Password = c.Spec.User.Name, c.AppUserHost(), string(pw)
	return u, nil
}

// appSecret reads the application Secret, creating NAME-app when the user brings none. It is read
// uncached (Secrets are not watched), only for clusters with spec.user; an existing Secret is
// never overwritten.
func (r *ClusterReconciler) appSecret(ctx context.Context, c *v1alpha1.MySQLCluster) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	err := r.secretReader().Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: c.AppSecretName()}, s)
	switch {
	case err == nil:
		return s, nil
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("read Secret %s: %w", c.AppSecretName(), err)
	case c.Spec.User.PasswordSecretName != "":
		return nil, fmt.Errorf("Secret %s (spec.user.passwordSecretName) does not exist: the application user %s waits for it",
			c.AppSecretName(), c.Spec.User.Name)
	}
	s, err = desired.AppSecret(c, r.Rand)
	if err != nil {
		return nil, err
	}
	// Like the credentials, the password outlives the cluster when its volumes do.
	if c.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted == "Delete" {
		if err := controllerutil.SetControllerReference(c, s, r.Scheme); err != nil {
			return nil, fmt.Errorf("own Secret %s: %w", s.Name, err)
		}
	}
	if err := r.createSecret(ctx, s); err != nil {
		return nil, err // AlreadyExists: read it next pass
	}
	logf(ctx)("Created Secret", "name", s.Name)
	return s, nil
}

// writablePrimary is the recorded primary when it answered this pass, is not fenced and its
// heartbeat committed.
func writablePrimary(c *v1alpha1.MySQLCluster, w *world) *member {
	for _, m := range w.members {
		if m.name == c.Status.CurrentPrimary && m.conn != nil && m.status != nil && !m.status.ReadOnly && m.commitErr == nil {
			return m
		}
	}
	return nil
}

func appUserDigest(u mysql.AppUser) string {
	sum := sha256.Sum256([]byte(u.Database + "\x00" + u.Name + "\x00" + u.Host + "\x00" + u.Password))
	return hex.EncodeToString(sum[:])
}
