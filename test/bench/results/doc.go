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

// Package results is the one format every `make bench` section writes (bench/results/SECTION.json)
// and the report (docs/benchmarks.md, bench/results.json, the plots) reads: each figure with its
// sample count, its target and whether it met it, and the raw samples plots are drawn from.
package results
