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

// Package agentapi is the HTTP contract of the agent that runs beside every database server: what
// the operator calls (seed, quarantine, version) and what agents call on each other (backup). It is
// versioned because agents and operator are upgraded at different times: an operator upgrade
// restarts no database pod, so a new operator talks to the agents of the version that started
// each pod, and a new pod's init may fetch a backup from an older donor.
//
// The rules, which keep every released pair working:
//   - Every call lives under /v1/. A change a v1 caller would not understand is a new version
//     (/v2/...), served beside /v1 for at least one minor release; fields are only ever added.
//   - GET /v1/version names the agent's build and the API versions it serves.
//   - Agents of v0.1 served the same calls without a prefix (/seed, /backup, /quarantine). Agents
//     still serve those paths (an operator rolled back to v0.1 keeps working), and Client falls
//     back to them when an agent answers 404 on /v1 (a pod started by a v0.1 operator).
//   - /livez and /readyz are the kubelet's probes, part of the pod template, not of this API.
//
// Transport: an agent whose pod mounts the cluster's certificates (spec.tls.enabled) serves HTTPS
// only, and every call of this API must present a client certificate of the cluster's CA (the
// operator's own, or the members' for a peer) besides its HTTP Basic credentials; the probes need
// neither. Client.TLS selects HTTPS. Other agents serve plain HTTP with the credentials alone.
package agentapi
