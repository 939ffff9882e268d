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
	"testing"
)

func TestMetricsFlagDefaults(t *testing.T) {
	f, err := parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.metricsAddr != ":8443" || !f.metricsSecure {
		t.Errorf("defaults: --metrics-bind-address=%q --metrics-secure=%v, want :8443 and true", f.metricsAddr, f.metricsSecure)
	}
	f, err = parse([]string{"--metrics-bind-address=0", "--metrics-secure=false"})
	if err != nil {
		t.Fatal(err)
	}
	if f.metricsAddr != "0" || f.metricsSecure {
		t.Errorf("set: --metrics-bind-address=%q --metrics-secure=%v, want 0 and false", f.metricsAddr, f.metricsSecure)
	}
}

func TestMetricsOptions(t *testing.T) {
	o := metricsOptions(":8443", true)
	if !o.SecureServing || o.FilterProvider == nil {
		t.Errorf("secure: SecureServing=%v, filter set=%v; want HTTPS behind authentication and authorization",
			o.SecureServing, o.FilterProvider != nil)
	}
	c := &tls.Config{NextProtos: []string{"h2"}}
	for _, opt := range o.TLSOpts {
		opt(c)
	}
	if len(c.NextProtos) != 1 || c.NextProtos[0] != "http/1.1" {
		t.Errorf("secure: NextProtos = %v, want HTTP/2 off", c.NextProtos)
	}
	plain := metricsOptions("127.0.0.1:8080", false)
	if plain.SecureServing || plain.FilterProvider != nil || plain.BindAddress != "127.0.0.1:8080" {
		t.Errorf("plain: %+v, want plain HTTP without a filter", plain)
	}
}
