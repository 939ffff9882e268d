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

// Package node implements localkube's process nodes: a small kubelet that
// registers a Node, renews its Lease, and runs each Pod bound to it as host
// processes (one mount and UTS namespace per container, volumes bind-mounted,
// a per-pod IP on 127.10.0.0/16), with restart policies, probes, graceful
// termination, pod status, and the kubelet API for logs, exec and
// port-forward. It also carries the faults tests inject (kill, freeze, lose
// a node, cut a pod off).
package node
