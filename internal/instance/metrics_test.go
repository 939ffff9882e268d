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

package instance

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The metrics endpoint answers without credentials and without a server: mysql_up 0, the agent's
// build and its volume. It serves only GET /metrics, and the API port does not serve it.
func TestMetricsHandlerServerDown(t *testing.T) {
	a := testAgent(t, "mariadb")
	h, closeDB, err := a.MetricsHandler()
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	get := func(h http.Handler, method, path string) (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w.Code, w.Body.String()
	}
	code, body := get(h, http.MethodGet, "/metrics")
	for _, want := range []string{"\nmysql_up 0\n", "ordinal_agent_info{version=", "ordinal_volume_capacity_bytes ", "ordinal_datadir_bytes "} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET /metrics: %d, no %q in\n%s", code, want, body)
		}
	}
	if strings.Contains(body, "mysql_global_") {
		t.Errorf("server down but global series:\n%s", body)
	}
	for _, c := range []struct {
		h            http.Handler
		method, path string
		want         int
	}{{h, http.MethodPost, "/metrics", http.StatusMethodNotAllowed}, {h, http.MethodGet, "/livez", http.StatusNotFound},
		{a.Handler(), http.MethodGet, "/metrics", http.StatusNotFound}} {
		if code, _ := get(c.h, c.method, c.path); code != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, code, c.want)
		}
	}
}
