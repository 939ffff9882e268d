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

// Package desired builds every Kubernetes object of a MySQLCluster from its spec, as pure functions
// with no client and no I/O, so the objects can be golden-tested and server-side applied.
//
// Each builder returns a typed object with TypeMeta set and only the fields the operator owns: no
// status, no owner references (see OwnerReference) and no defaults the apiserver fills in unless the
// operator depends on their value. Output is deterministic: the same cluster always yields the same
// bytes, so applying an unchanged cluster is a no-op and never restarts a pod. The pod shape follows
// docs/pod.md.
package desired
