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

// Package chart tests the Helm chart in dist/chart with the real Helm CLI (bin/helm, built by
// hack/build-helm.sh) and a real kube-apiserver and etcd (envtest, from hack/build-kube.sh):
// helm lint; what the chart renders for each value that changes it; that it installs the same
// objects as config/default (bin/kubectl kustomize); that every rendered object is accepted by the
// apiserver; that the operator works with exactly the chart's RBAC (run as its ServiceAccount,
// cluster-wide and with watchNamespaces); helm upgrade from the previous chart version (a fixture
// in testdata) across a CRD change; helm uninstall keeping the CRD and the clusters; and every
// command of docs/install.md.
//
// Run with: make test-chart (go test -tags envtest ./test/chart/...).
package chart
