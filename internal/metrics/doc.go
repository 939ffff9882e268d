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

// Package metrics records the operator's per-cluster Prometheus metrics (the names in
// docs/monitoring.md) in controller-runtime's registry, which the manager serves on its metrics
// endpoint. It is a pure recording API: the controller calls it with what it observed and did;
// nothing here reads the cluster.
package metrics
