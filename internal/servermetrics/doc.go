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

// Package servermetrics is the per-server Prometheus metrics that each database pod's agent
// serves on its "metrics" port (docs/monitoring.md, docs/pod.md): what the server reports
// (mysql.ServerMetrics, read once per scrape), converted into series named like
// prometheus/mysqld_exporter's so existing dashboards work, plus the datadir volume's usage and
// the agent's version.
//
// The conversion (convert.go) is pure, so unit tests cover both engines without a server. The
// Collector reads on scrape under a short timeout: a server that does not answer gives
// mysql_up 0 and no other mysql_* series, and never blocks the agent's other endpoints.
package servermetrics
