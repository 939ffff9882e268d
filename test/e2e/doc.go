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

// Package e2e runs the whole operator, installed with the Helm chart in dist/chart as a pod, against a real
// Kubernetes: localkube (started by the suite, or reused when "localkube up" already runs) when
// KUBECONFIG is not set, or any cluster KUBECONFIG names. E2E_FLAVOR selects the engine (mariadb by
// default; mysql needs a cluster that can pull the mysql image). Run with: make test-e2e.
package e2e
