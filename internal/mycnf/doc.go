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

// Package mycnf renders the [mysqld] option file the members run with.
//
// Render produces the cluster-wide part (the ConfigMap's my.cnf): the operator's defaults for the
// flavor merged with the user's overrides, sorted so the same input always gives the same bytes and
// therefore the same Hash (a changed hash restarts pods, an unchanged one must not). Settings the
// operator owns are refused, mirroring the API's CEL rule. Member appends the per-member settings
// that ordinal init writes into the final file. Everything here is pure, so init and tests share it.
package mycnf
