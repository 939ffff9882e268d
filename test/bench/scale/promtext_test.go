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

package main

import (
	"strings"
	"testing"
)

func TestParseMetrics(t *testing.T) {
	text := `# HELP rest_client_requests_total Number of HTTP requests.
# TYPE rest_client_requests_total counter
rest_client_requests_total{code="200",host="127.0.0.1:18443",method="GET"} 1234
rest_client_requests_total{code="200",host="127.0.0.1:18443",method="PATCH"} 7
rest_client_requests_total{code="409",host="127.0.0.1:18443",method="PATCH"} 2
workqueue_depth{controller="mysqlcluster",name="mysqlcluster"} 3
workqueue_depth{controller="mysqlbackup",name="mysqlbackup"} 9
weird{a="x\"y,z",b="1"} 2.5e+01
go_memstats_heap_inuse_bytes 4.2e+07
`
	m, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	ms := metrics(m)
	if got := ms.byLabel("rest_client_requests_total", "method"); got["GET"] != 1234 || got["PATCH"] != 9 {
		t.Errorf("requests by method %v, want GET 1234 PATCH 9", got)
	}
	if got := ms.sum("workqueue_depth", map[string]string{"name": "mysqlcluster"}); got != 3 {
		t.Errorf("mysqlcluster queue depth %v, want 3", got)
	}
	if got := ms.sum("go_memstats_heap_inuse_bytes", nil); got != 42e6 {
		t.Errorf("heap %v", got)
	}
	if got := ms.sum("weird", map[string]string{"a": `x"y,z`, "b": "1"}); got != 25 {
		t.Errorf("escaped label: %v", got)
	}
	if _, err := parseMetrics(strings.NewReader("broken{a=\"1\" 3\n")); err == nil {
		t.Error("a broken line parsed")
	}
}

func TestParseCPU(t *testing.T) {
	stat := "1234 (ordinal manager) S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 50 0 0 20 0 12 0 100 0 0"
	got, err := parseCPU(stat)
	if err != nil || got != 3 {
		t.Errorf("parseCPU = %v, %v; want 3 s (250+50 ticks)", got, err)
	}
	if _, err := parseCPU("garbage"); err == nil {
		t.Error("garbage parsed")
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct{ method, path, watch, verb, resource string }{
		{"GET", "/api/v1/namespaces/ns/secrets/c-credentials", "", "GET", "secrets"},
		{"GET", "/api/v1/namespaces/ns/pods", "", "LIST", "pods"},
		{"GET", "/api/v1/pods", "true", "WATCH", "pods"},
		{"GET", "/apis/mysql.ordinal.dev/v1alpha1/namespaces/ns/mysqlclusters", "1", "WATCH", "mysqlclusters"},
		{"PATCH", "/apis/mysql.ordinal.dev/v1alpha1/namespaces/ns/mysqlclusters/c/status", "", "PATCH", "mysqlclusters/status"},
		{"GET", "/api/v1/namespaces/ns", "", "GET", "namespaces"},
		{"POST", "/api/v1/namespaces/ns/events", "", "POST", "events"},
		{"GET", "/apis", "", "GET", "(other)"},
		{"GET", "/api/v1", "", "GET", "(discovery)"},
	} {
		verb, res := classify(tc.method, tc.path, tc.watch)
		if verb != tc.verb || res != tc.resource {
			t.Errorf("classify(%s %s watch=%q) = %s %s, want %s %s", tc.method, tc.path, tc.watch, verb, res, tc.verb, tc.resource)
		}
	}
}
