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

// Command apidocs writes docs/reference/api.md, the API reference, from the Go types in
// api/v1alpha1: kinds, fields with their JSON names and types, doc comments, and the kubebuilder
// markers that reach the CRD schema (defaults, enums, bounds, patterns and CEL rules' messages).
//
// It reads the source with go/parser rather than the CRD so that the reference keeps the doc
// comments' wording and the Go type names the rest of the docs use. `make api-docs` runs it;
// TestReferenceIsUpToDate fails `make test` when the committed file differs from its output.
package main
