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

package argocd

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/gitops.md's argocd-cm snippet from the health check")

const (
	docsPath  = "docs/gitops.md"
	docsBegin = "<!-- argocd-cm begin"
	docsEnd   = "<!-- argocd-cm end -->"
)

// docsSnippet is the argocd-cm that docs/gitops.md tells users to install: script under the key
// Argo CD reads, as a YAML block scalar.
func docsSnippet(script string) string {
	var b strings.Builder
	b.WriteString("```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n  namespace: argocd\n")
	b.WriteString("  labels:\n    app.kubernetes.io/part-of: argocd\ndata:\n  " + HealthKey + ": |\n")
	for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("    " + line + "\n")
	}
	b.WriteString("```\n")
	return b.String()
}

// splitDocs cuts the doc around the snippet: before (up to and including the begin marker's
// line), the snippet, after (from the end marker).
func splitDocs(t *testing.T, doc string) (before, snippet, after string) {
	t.Helper()
	i := strings.Index(doc, docsBegin)
	j := strings.Index(doc, docsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q ... %q", docsPath, docsBegin, docsEnd)
	}
	nl := strings.Index(doc[i:], "\n")
	if nl < 0 || i+nl+1 > j {
		t.Fatalf("%s: the begin marker must be on its own line before the end marker", docsPath)
	}
	return doc[:i+nl+1], doc[i+nl+1 : j], doc[j:]
}

// TestDocsSnippet keeps the argocd-cm in docs/gitops.md equal to config/argocd/health.lua, and
// checks that the snippet is the script once a YAML parser has read it back.
func TestDocsSnippet(t *testing.T) {
	root := repoRoot(t)
	script := readScript(t)
	path := filepath.Join(root, docsPath)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, snippet, after := splitDocs(t, string(b))
	want := docsSnippet(script)
	if *update && snippet != want {
		if err := os.WriteFile(path, []byte(before+want+after), 0o644); err != nil {
			t.Fatal(err)
		}
		snippet = want
	}
	if snippet != want {
		t.Fatalf("%s's argocd-cm differs from %s: run go test ./test/argocd -run TestDocs -update", docsPath, HealthScriptPath)
	}
	yamlText := strings.TrimSuffix(strings.TrimPrefix(snippet, "```yaml\n"), "```\n")
	cm, err := DecodeObject([]byte(yamlText))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := cm["data"].(map[string]any)
	if data[HealthKey] != script {
		t.Errorf("the snippet's %s, read as YAML, is not the script", HealthKey)
	}
}
