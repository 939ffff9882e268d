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

package manager

import (
	"crypto/tls"

	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	// The operator's per-cluster metrics register themselves in controller-runtime's registry.
	_ "github.com/ordinal-dev/ordinal/internal/metrics"
)

// metricsOptions serves controller-runtime's registry on addr ("0" disables it). Secure, as
// kubebuilder scaffolds it: HTTPS with a self-signed certificate made at start, and every scrape
// authenticated (TokenReview) and authorized (SubjectAccessReview of GET /metrics) by the API
// server, so a scraper needs a token of a subject bound to the metrics-reader ClusterRole.
func metricsOptions(addr string, secure bool) metricsserver.Options {
	o := metricsserver.Options{BindAddress: addr, SecureServing: secure}
	if secure {
		o.FilterProvider = filters.WithAuthenticationAndAuthorization
		// HTTP/2 stays off (CVE-2023-44487, CVE-2023-39325: rapid reset), as in kubebuilder's scaffold.
		o.TLSOpts = []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}
	}
	return o
}
