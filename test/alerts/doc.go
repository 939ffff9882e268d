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

// Package alerts tests Ordinal's alert rules (config/prometheus/alerts.yaml) and Grafana
// dashboard (config/grafana) with Prometheus' own PromQL parser and engine: every expression
// parses and names only metrics the operator or the agents serve, and the alerts fire on metrics
// scraped from real clusters by the e2e suite (bin/e2e-metrics) when, and only when, they should.
//
// Prometheus' server code is too heavy for the operator's module (it would move client_golang
// and others), so this is a module of its own, run by `make test-alerts`.
package alerts
