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

package main

import (
	"fmt"
	"slices"
	"strings"
)

// rulesTemplate turns controller-gen's ClusterRole into the named template ordinal.managerRules:
// its rules, verbatim, which the chart puts in a ClusterRole or in one Role per watched
// namespace. Only rules are taken: names, kind and binding are the chart's.
func rulesTemplate(src []byte, rel string) ([]byte, error) {
	in := lines(src)
	if !slices.Contains(in, "kind: ClusterRole") || !slices.Contains(in, "  name: manager-role") {
		return nil, fmt.Errorf("not the ClusterRole manager-role")
	}
	if slices.Contains(in[1:], "---") {
		return nil, fmt.Errorf("more than one object: only manager-role is expected")
	}
	start := slices.Index(in, "rules:")
	if start < 0 || start == len(in)-1 {
		return nil, fmt.Errorf("no rules")
	}
	out := []string{
		"{{/* " + header(rel) + " */}}",
		`{{- define "ordinal.managerRules" }}`,
	}
	out = append(out, escapeAll(in[start+1:])...)
	out = append(out, "{{- end }}")
	return []byte(strings.Join(out, "\n") + "\n"), nil
}
