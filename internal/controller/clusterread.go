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

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// writtenStatus remembers, per cluster, the status this operator last wrote or read from the API
// server. A pass decides on the cached cluster only when the cache shows that status: deciding on
// a status older than the last write (a promotion the cache has not seen yet) could fence the new
// primary or promote a replica over a member's recorded transactions. Anything else — the first
// pass after a start, a status written by someone else, a cache that lags our write — is read
// from the API server, so a settled cluster costs no API read and a moving one stays exact.
type writtenStatus struct {
	mu   sync.Mutex
	last map[types.NamespacedName]statusAt
}

// statusAt is a status and the resourceVersion it was written or read at.
type statusAt struct {
	uid             types.UID
	resourceVersion string
	status          v1alpha1.MySQLClusterStatus
}

// get reads the cluster named key into c: from cache when it matches what was last written, else
// from api.
func (s *writtenStatus) get(ctx context.Context, cache, api client.Reader, key client.ObjectKey, c *v1alpha1.MySQLCluster) error {
	if err := cache.Get(ctx, key, c); err != nil {
		return err
	}
	if s.current(c) {
		return nil
	}
	if err := api.Get(ctx, key, c); err != nil {
		return err
	}
	s.remember(c)
	return nil
}

// current reports whether c carries the status last remembered for it.
func (s *writtenStatus) current(c *v1alpha1.MySQLCluster) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.last[client.ObjectKeyFromObject(c)]
	if !ok || last.uid != c.UID {
		return false
	}
	return last.resourceVersion == c.ResourceVersion || equality.Semantic.DeepEqual(last.status, c.Status)
}

// remember records c as the latest written or read state of its cluster.
func (s *writtenStatus) remember(c *v1alpha1.MySQLCluster) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = map[types.NamespacedName]statusAt{}
	}
	s.last[client.ObjectKeyFromObject(c)] = statusAt{uid: c.UID, resourceVersion: c.ResourceVersion, status: *c.Status.DeepCopy()}
}

// forget drops a deleted cluster.
func (s *writtenStatus) forget(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.last, key)
}
