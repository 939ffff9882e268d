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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// secretReader serves Secrets without caching their data in an informer: the operator watches only
// their metadata, keeps the data of the Secrets it has read, and reads one from the API server
// again only when its resourceVersion in the metadata cache has moved. A settled cluster's passes
// therefore make no API reads, and the operator never holds other applications' secret data.
type secretReader struct {
	// Meta reads PartialObjectMetadata from the manager's cache; API reads from the API server.
	Meta, API client.Reader

	mu   sync.Mutex
	data map[client.ObjectKey]*corev1.Secret
	// primed holds, per namespace, the listing of the operator's own Secrets there: closed when
	// it is done (see prime).
	primed map[string]chan struct{}
}

var _ client.Reader = (*secretReader)(nil)

// Get reads a Secret as described above; any other kind goes to the API server.
func (s *secretReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	out, ok := obj.(*corev1.Secret)
	if !ok {
		return s.API.Get(ctx, key, obj, opts...)
	}
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	err := s.Meta.Get(ctx, key, meta)
	switch {
	case err == nil:
		if s.keptAt(key, meta.ResourceVersion, out) {
			return nil
		}
		if s.prime(ctx, key.Namespace) && s.keptAt(key, meta.ResourceVersion, out) {
			return nil
		}
	case apierrors.IsNotFound(err) && s.prime(ctx, key.Namespace) && s.kept(key) == nil:
		// Neither the synced metadata cache nor the listing knows it, and the operator has not
		// written it: it does not exist (a Secret created since wakes its clusters by the watch).
		// A cluster without TLS asked the API server for its absent certificates on every pass.
		return apierrors.NewNotFound(corev1.Resource("secrets"), key.Name)
	}
	// Unknown to the metadata cache (not there, or not yet seen after a create): ask the server.
	if err := s.API.Get(ctx, key, out, opts...); err != nil {
		if apierrors.IsNotFound(err) {
			s.forget(key)
		}
		return err
	}
	s.keep(key, out)
	return nil
}

// prime lists the operator's own Secrets (those with the cluster label) of namespace once and keeps
// them; it reports whether that listing is done. After an operator's start every cluster's first
// pass would otherwise read its three or four Secrets one by one: thousands of reads at once,
// where a listing per namespace does. Concurrent callers wait for the one listing; a failed one is
// tried again by the next caller.
func (s *secretReader) prime(ctx context.Context, namespace string) bool {
	s.mu.Lock()
	done, started := s.primed[namespace]
	if !started {
		if s.primed == nil {
			s.primed = map[string]chan struct{}{}
		}
		done = make(chan struct{})
		s.primed[namespace] = done
	}
	s.mu.Unlock()
	if started {
		select {
		case <-done:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var list corev1.SecretList
	err := s.API.List(ctx, &list, client.InNamespace(namespace), client.HasLabels{v1alpha1.LabelCluster})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		delete(s.primed, namespace)
		close(done)
		return false
	}
	for i := range list.Items {
		key := client.ObjectKeyFromObject(&list.Items[i])
		if _, known := s.data[key]; !known {
			s.keepLocked(key, &list.Items[i])
		}
	}
	close(done)
	return true
}

// List goes to the API server: the reconcilers never list Secrets.
func (s *secretReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	return s.API.List(ctx, list, opts...)
}

// keptAt copies the kept Secret of key into out when it is at resourceVersion rv.
func (s *secretReader) keptAt(key client.ObjectKey, rv string, out *corev1.Secret) bool {
	kept := s.kept(key)
	if kept == nil || kept.ResourceVersion != rv {
		return false
	}
	kept.DeepCopyInto(out)
	return true
}

func (s *secretReader) kept(key client.ObjectKey) *corev1.Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[key]
}

func (s *secretReader) keep(key client.ObjectKey, sec *corev1.Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keepLocked(key, sec)
}

func (s *secretReader) keepLocked(key client.ObjectKey, sec *corev1.Secret) {
	if s.data == nil {
		s.data = map[client.ObjectKey]*corev1.Secret{}
	}
	s.data[key] = sec.DeepCopy()
}

func (s *secretReader) forget(key client.ObjectKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, key)
}

// referencedSecrets names the Secrets in c's namespace whose content a pass of c reads.
func referencedSecrets(c *v1alpha1.MySQLCluster) []string {
	names := []string{c.CredentialsSecretName(), c.AppSecretName(), c.CASecretName(), c.ServingTLSSecretName()}
	var stores []v1alpha1.ObjectStore
	if c.Spec.Backup != nil {
		stores = append(stores, c.Spec.Backup.Store)
	}
	if c.Spec.Restore != nil {
		stores = append(stores, c.Spec.Restore.Store)
	}
	for _, st := range stores {
		names = append(names, st.CredentialsSecretName, st.CASecretName)
	}
	return names
}

// secretToClusters maps a changed Secret to the clusters in its namespace that read it.
func secretToClusters(r client.Reader) func(context.Context, client.Object) []reconcile.Request {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		var list v1alpha1.MySQLClusterList
		if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.MatchingFields{bySecret: o.GetName()}); err != nil {
			return nil
		}
		out := make([]reconcile.Request, 0, len(list.Items))
		for i := range list.Items {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
		return out
	}
}

// secretReader is where a pass reads Secrets: the resourceVersion-checked memory once set up, the
// API server in unit tests.
func (r *ClusterReconciler) secretReader() client.Reader {
	if r.secrets != nil {
		return r.secrets
	}
	return r.APIReader
}
