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

// Package certs issues and checks a cluster's TLS certificates with Go's crypto libraries: a CA
// per cluster, and server and client certificates it signs. It decides when a certificate is due
// for renewal (Renew: the rotation schedule, the old CA trusted until it expires) and why a
// certificate a user brings cannot serve. Files serves an identity kept in files (a mounted
// Secret) and reads it again when the files change, for mutual TLS without restarts. It holds no
// Kubernetes or SQL types: the controller stores the PEM it returns in Secrets.
package certs
