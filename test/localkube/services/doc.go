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

// Package services gives localkube's pods Service names and Service IPs
// without kube-proxy or DNS: it renders the /etc/hosts records of Services
// and headless-Service pods, and runs a userspace TCP proxy on each
// Service's ClusterIP:port (ClusterIPs are loopback addresses) that forwards
// each connection to a ready endpoint. Endpoints come from Pods directly,
// because the apiserver rejects loopback addresses in EndpointSlices.
package services
