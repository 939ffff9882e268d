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

// Package argocd runs real Argo CD against a cluster for the e2e suite, and evaluates Ordinal's
// Argo CD health check (config/argocd/health.lua) the way Argo CD does.
//
// Env starts, as host processes bound to 127.0.0.1 only, what an Argo CD install runs that the
// suite needs: redis-server (Debian's, no persistence), a git daemon serving one repository, and
// the repo server and application controller built by hack/build-argocd.sh. It applies Argo CD's
// CRDs and, in the argocd namespace, the ConfigMaps and Secret an install ships (their defaults
// matter: argocd-cm's ignoreResourceUpdates decides when a status change re-evaluates health), with
// the health check read from the one Lua file added to argocd-cm. The controller reaches the
// destination https://kubernetes.default.svc through the kubeconfig it is given (Argo CD's
// ARGOCD_FAKE_IN_CLUSTER, meant for running out of a cluster), so Applications look exactly as they
// would in a real install. Every wait is bounded; Env.Stop stops every process; their logs stay in
// Options.Dir/logs.
//
// Health evaluates the Lua with github.com/yuin/gopher-lua, the engine Argo CD embeds, with the
// libraries Argo CD opens for argocd-cm scripts. The unit tests run it on MySQLCluster objects
// captured from e2e runs (testdata/, one per state the check tells apart, named by CaptureKey);
// the e2e suite captures them, watching each cluster it creates, when E2E_ARGOCD_CAPTURE names a
// directory.
package argocd
