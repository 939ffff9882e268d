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
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// storeOf reads the store's Secrets (uncached, like every user Secret) and returns the store as
// the agent API carries it. A missing Secret or key is the user's to fix: the error says which.
func storeOf(ctx context.Context, r client.Reader, c *v1alpha1.MySQLCluster, s v1alpha1.ObjectStore) (agentapi.Store, error) {
	out := agentapi.Store{Endpoint: s.Endpoint, Bucket: s.Bucket, Prefix: desired.StorePrefix(c, s), Region: s.Region,
		Insecure: desired.StoreInsecure(s)}
	creds, err := secretKeys(ctx, r, c.Namespace, s.CredentialsSecretName, v1alpha1.StoreAccessKeyKey, v1alpha1.StoreSecretKeyKey)
	if err != nil {
		return out, err
	}
	out.AccessKey, out.SecretKey = creds[0], creds[1]
	if s.CASecretName != "" {
		ca, err := secretKeys(ctx, r, c.Namespace, s.CASecretName, v1alpha1.StoreCAKey)
		if err != nil {
			return out, err
		}
		out.CA = ca[0]
	}
	return out, nil
}

// secretKeys returns the values of keys in Secret ns/name, each required.
func secretKeys(ctx context.Context, r client.Reader, ns, name string, keys ...string) ([]string, error) {
	s := &corev1.Secret{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s); err != nil {
		return nil, fmt.Errorf("read Secret %s: %w", name, err)
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		v := s.Data[k]
		if len(v) == 0 {
			return nil, fmt.Errorf("Secret %s has no key %q", name, k)
		}
		out[i] = string(v)
	}
	return out, nil
}
