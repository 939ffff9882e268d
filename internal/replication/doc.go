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

// Package replication joins the topology engine to real servers, without Kubernetes: Observe turns
// what a server reports (mysql.Status) into the topology.Member the engine decides on, and Executor
// carries out one topology.Step through mysql.Instance connections. The operator supplies the two
// steps that need the platform (Seed and Restart) as functions, so the same code runs under the
// controller and in the integration tests against real mariadbd processes.
package replication
