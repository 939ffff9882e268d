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

// Command chartgen writes the Helm chart's generated templates (dist/chart) from what
// controller-gen generates (config/): each CRD of config/crd/bases becomes a template wrapped in
// the chart's crds.install and crds.keep conditionals, and the rules of config/rbac/role.yaml
// become the named template ordinal.managerRules, used by the chart's ClusterRole or per-namespace
// Roles. `make manifests` runs it after controller-gen; its test fails when the chart is stale.
//
// Usage: go run ./hack/chartgen [-root DIR]
package main
