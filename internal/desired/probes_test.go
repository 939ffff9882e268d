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
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// TestProbeScheme: the kubelet probes the agent over HTTPS when the members serve TLS (the agent
// then serves HTTPS only), over HTTP when TLS is off; always on the agent's port.
func TestProbeScheme(t *testing.T) {
	for _, tc := range []struct {
		tls  *bool
		want corev1.URIScheme
	}{{nil, corev1.URISchemeHTTPS}, {ptr(true), corev1.URISchemeHTTPS}, {ptr(false), corev1.URISchemeHTTP}} {
		c := mariadbCluster()
		c.Spec.TLS = v1alpha1.TLS{Enabled: tc.tls}
		ctr := mysqlContainer(c)
		for name, p := range map[string]*corev1.Probe{"readiness": ctr.ReadinessProbe, "liveness": ctr.LivenessProbe,
			"startup": ctr.StartupProbe} {
			if h := p.HTTPGet; h.Scheme != tc.want || h.Port.IntValue() != PortAgent {
				t.Errorf("tls.enabled %v: %s probe %s on port %s, want %s on %d", tc.tls, name, h.Scheme, h.Port.String(), tc.want, PortAgent)
			}
		}
	}
}

// With a user's certificate the server serves it, and the agent stays on HTTP: no client
// certificate its callers could present would be trusted (docs/security.md).
func TestAUsersCertificateIsTheServersOnly(t *testing.T) {
	c := mariadbCluster()
	c.Spec.TLS = v1alpha1.TLS{SecretName: "users-tls"}
	mounted := func(ctr corev1.Container) bool {
		for _, m := range ctr.VolumeMounts {
			if m.Name == VolumeTLS {
				return true
			}
		}
		return false
	}
	if !mounted(mysqlContainer(c)) || !mounted(initContainer(c)) || mounted(agentContainer(c)) {
		t.Errorf("mounted: mysql %v, init %v, agent %v; want the servers only", mounted(mysqlContainer(c)), mounted(initContainer(c)), mounted(agentContainer(c)))
	}
	if s := mysqlContainer(c).ReadinessProbe.HTTPGet.Scheme; s != corev1.URISchemeHTTP {
		t.Errorf("probe scheme %s, want HTTP", s)
	}
	if v := tlsVolume(c); v.Secret.SecretName != "users-tls" {
		t.Errorf("mounts Secret %s", v.Secret.SecretName)
	}
}

// Requiring TLS of every client is a setting the servers read at start, rendered with the
// certificates.
func TestRequireSecureTransportIsRenderedAndRestartOnly(t *testing.T) {
	c := mariadbCluster()
	c.Spec.TLS = v1alpha1.TLS{RequireSecureTransport: true}
	live, restart, err := SplitConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if restart["require_secure_transport"] != "ON" || live["require_secure_transport"] != "" {
		t.Errorf("restart-only %q, live %q", restart["require_secure_transport"], live["require_secure_transport"])
	}
	cm, err := ConfigMap(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cm.Data[ConfigKey], "require_secure_transport=ON\n") {
		t.Errorf("rendered config lacks require_secure_transport=ON:\n%s", cm.Data[ConfigKey])
	}
	c.Spec.TLS.RequireSecureTransport = false
	if cm, _ := ConfigMap(c); strings.Contains(cm.Data[ConfigKey], "require_secure_transport") {
		t.Error("rendered without being asked for")
	}
}
