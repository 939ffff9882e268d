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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
)

// ConfigMap is NAME-config holding the cluster-wide my.cnf rendered from the flavor's defaults and
// spec.config. It fails when spec.config sets a setting the operator owns.
func ConfigMap(c *v1alpha1.MySQLCluster) (*corev1.ConfigMap, error) {
	settings, err := clusterSettings(c)
	if err != nil {
		return nil, err
	}
	cnf, err := mycnf.Format(c.Flavor(), settings)
	if err != nil {
		return nil, fmt.Errorf("config of MySQLCluster %s/%s: %w", c.Namespace, c.Name, err)
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: objectMeta(c, c.ConfigMapName()),
		Data:       withBootstrapped(c, map[string]string{ConfigKey: string(cnf)}),
	}, nil
}

// RestartConfig is the digest (mycnf.Digest) of the cluster's settings that need a restart, for
// StatefulSet's restartConfig argument.
func RestartConfig(c *v1alpha1.MySQLCluster) (string, error) {
	_, restart, err := SplitConfig(c)
	return mycnf.Digest(restart), err
}

// LiveConfig are the cluster's settings its running servers take with SET GLOBAL.
func LiveConfig(c *v1alpha1.MySQLCluster) (map[string]string, error) {
	live, _, err := SplitConfig(c)
	return live, err
}

// SplitConfig divides the cluster's merged settings into those applied at run time and the rest.
func SplitConfig(c *v1alpha1.MySQLCluster) (live, restart map[string]string, err error) {
	settings, err := clusterSettings(c)
	if err != nil {
		return nil, nil, err
	}
	live, restart = mycnf.Split(c.Flavor(), settings)
	return live, restart, nil
}

// clusterSettings are the flavor's defaults, spec.config and, with spec.tls on, the certificate files.
func clusterSettings(c *v1alpha1.MySQLCluster) (map[string]string, error) {
	settings, err := mycnf.Settings(c.Flavor(), c.Spec.ConfigMap())
	if err != nil {
		return nil, fmt.Errorf("config of MySQLCluster %s/%s: %w", c.Namespace, c.Name, err)
	}
	if c.TLSEnabled() {
		settings = mycnf.WithTLS(settings, c.Spec.TLS.RequireSecureTransport)
	}
	return settings, nil
}
