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

// Package plugin is `kubectl ordinal`: a kubectl plugin that shows a MySQLCluster (status,
// history), acts on it the way the operator expects (a switchover through the switchover-to
// annotation, a MySQLBackup), and opens a client session or prints connection details without
// the user having to know pod names, Secret keys or container layouts.
//
// It follows k8s.io/cli-runtime conventions: the standard kubeconfig flags (--kubeconfig,
// --context, -n …), IOStreams, and cli-runtime's JSON/YAML printers for -o json|yaml. Every
// command reads the cluster through a controller-runtime client; the pure parts (rendering,
// history extraction) take plain API objects so they are unit-tested without a cluster.
package plugin
