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

// The lines the CRD template adds to the CRD's metadata. The keep annotation makes Helm leave
// the CRD (and so every MySQLCluster) in place on uninstall.
var (
	keepAnnotation = []string{
		"    {{- if .Values.crds.keep }}",
		"    helm.sh/resource-policy: keep",
		"    {{- end }}",
	}
	chartLabels = []string{`    {{- include "ordinal.labels" . | nindent 4 }}`}
)

// crdTemplate wraps one controller-gen CRD in the chart's conditionals: rendered only with
// crds.install, annotated to be kept on uninstall with crds.keep, labelled like the chart's
// other objects. The CRD itself is copied verbatim (escaped), so the chart installs exactly
// what controller-gen generated.
func crdTemplate(src []byte, rel string) ([]byte, error) {
	in := lines(src)
	if len(in) > 0 && in[0] == "---" {
		in = in[1:]
	}
	if !slices.Contains(in, "kind: CustomResourceDefinition") {
		return nil, fmt.Errorf("not a CustomResourceDefinition")
	}
	meta, end, err := metadataBlock(in)
	if err != nil {
		return nil, err
	}
	out := []string{"{{- if .Values.crds.install }}", "# " + header(rel)}
	out = append(out, escapeAll(in[:meta+1])...)
	out = append(out, withChartMetadata(escapeAll(in[meta+1:end]))...)
	out = append(out, escapeAll(in[end:])...)
	out = append(out, "{{- end }}")
	return []byte(strings.Join(out, "\n") + "\n"), nil
}

// metadataBlock finds the top-level "metadata:" line and the index just past its block.
func metadataBlock(in []string) (start, end int, err error) {
	start = slices.Index(in, "metadata:")
	if start < 0 {
		return 0, 0, fmt.Errorf("no top-level metadata")
	}
	end = start + 1
	for end < len(in) && (strings.HasPrefix(in[end], " ") || in[end] == "") {
		end++
	}
	return start, end, nil
}

// withChartMetadata adds the keep annotation and the chart's labels to the lines of a metadata
// block (indented by two spaces), creating the annotations and labels maps if absent.
func withChartMetadata(meta []string) []string {
	meta = addToMap(meta, "  annotations:", keepAnnotation)
	return addToMap(meta, "  labels:", chartLabels)
}

func addToMap(meta []string, key string, entries []string) []string {
	i := slices.Index(meta, key)
	if i < 0 {
		return append(append([]string{key}, entries...), meta...)
	}
	return slices.Concat(meta[:i+1], entries, meta[i+1:])
}

func escapeAll(in []string) []string {
	out := make([]string, len(in))
	for i, l := range in {
		out[i] = escape(l)
	}
	return out
}
