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

package desired

import (
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
)

// StorePrefix is a cluster's prefix in its store: the one set, else NAMESPACE/NAME.
func StorePrefix(c *v1alpha1.MySQLCluster, s v1alpha1.ObjectStore) string {
	if s.Prefix != "" {
		return strings.Trim(s.Prefix, "/")
	}
	return c.Namespace + "/" + c.Name
}

// StoreInsecure says the endpoint is plain http.
func StoreInsecure(s v1alpha1.ObjectStore) bool { return strings.HasPrefix(s.Endpoint, "http://") }

// restoreEnv is the environment that tells init to restore, empty unless the cluster restores.
func restoreEnv(c *v1alpha1.MySQLCluster) []corev1.EnvVar {
	r := c.Spec.Restore
	if r == nil {
		return nil
	}
	src := agentapi.RestoreSource{Store: restoreStore(c, r.Store), Backup: r.Backup}
	if p := r.PointInTime; p != nil {
		src.GTID, src.Latest = p.GTID, p.Latest
		if p.Time != nil {
			t := p.Time.UTC()
			src.Time = &t
		}
	}
	return sourceEnv(src, r.Store)
}

func restoreStore(c *v1alpha1.MySQLCluster, s v1alpha1.ObjectStore) agentapi.Store {
	return agentapi.Store{Endpoint: s.Endpoint, Bucket: s.Bucket, Prefix: StorePrefix(c, s), Region: s.Region,
		Insecure: StoreInsecure(s)}
}

// sourceEnv renders src and the store's Secrets as environment.
func sourceEnv(src agentapi.RestoreSource, s v1alpha1.ObjectStore) []corev1.EnvVar {
	b, _ := json.Marshal(src) // plain strings and a time: cannot fail
	ref := func(name, secret, key string, optional bool) corev1.EnvVar {
		sel := &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}
		if optional {
			sel.Optional = &optional
		}
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: sel}}
	}
	out := []corev1.EnvVar{
		{Name: EnvRestore, Value: string(b)},
		ref(EnvRestoreAccessKey, s.CredentialsSecretName, v1alpha1.StoreAccessKeyKey, false),
		ref(EnvRestoreSecretKey, s.CredentialsSecretName, v1alpha1.StoreSecretKeyKey, false),
	}
	if s.CASecretName != "" {
		out = append(out, ref(EnvRestoreCA, s.CASecretName, v1alpha1.StoreCAKey, false))
	}
	return out
}
