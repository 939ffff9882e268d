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

// Command localkube runs a local Kubernetes without containers:
//
//	localkube up|down|status|kubeconfig [flags]
//	localkube fault kill NAMESPACE POD CONTAINER | freeze|thaw|cut|uncut NAMESPACE POD | lose NODE [freeze|kill] | restore NODE
//
// It is also its own container helper ("container-init" and "enter" modes,
// used by the process nodes) and supervisor ("run", what "up" daemonizes).
package main
