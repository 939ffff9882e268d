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

// Command report turns the sections `make bench` wrote (bench/results/*.json, package
// test/bench/results) into what people and tools read: docs/benchmarks.md (a summary of every
// figure against its target, then per section a table, the machine, the notes and the plots),
// docs/benchmarks/NAME.png per series (gonum plot), and bench/results.json (every section in one
// file). A known section that has not run yet is listed with the figures it will measure, so the
// page always names every figure issue 11 asks for. It lives in its own module so the plotting
// dependencies stay out of the operator's go.mod.
//
//	go run . -results ../../../bench/results -out ../../..
package main
