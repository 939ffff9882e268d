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

// Package v1alpha1 is the mysql.ordinal.dev/v1alpha1 API: the MySQLCluster kind.
//
// The MySQLCluster kind and the names derived from it (PodName, PodHost, …) live here, so every
// package agrees on them. Spec defaults live in the CRD schema; the accessor methods repeat them only
// for objects that did not pass through the API server (unit tests).
// +kubebuilder:object:generate=true
// +groupName=mysql.ordinal.dev
package v1alpha1
