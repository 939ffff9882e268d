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

package docs

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const root = "../.."

// The packages that set condition reasons and emit events, and those whose constants they use.
var (
	reasonDirs = []string{"internal/controller", "internal/topology"}
	constDirs  = []string{"api/v1alpha1"}
)

const troubleshooting = "docs/troubleshooting.md"

// TestTroubleshootingExplainsEveryReason fails, naming it, when the operator can set a condition
// reason or emit an event reason that docs/troubleshooting.md does not explain (as `Reason`).
func TestTroubleshootingExplainsEveryReason(t *testing.T) {
	r, err := Extract(root, reasonDirs, constDirs)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range r.Unresolved {
		t.Errorf("%s: cannot tell which reasons this sets; make it a constant or teach test/docs/extract.go", u)
	}
	page := readPage(t, troubleshooting)
	for _, kind := range []struct {
		what string
		m    map[string]string
	}{{"condition reason", r.Conditions}, {"event reason", r.Events}} {
		for _, reason := range sorted(kind.m) {
			if !strings.Contains(page, "`"+reason+"`") {
				t.Errorf("%s does not explain the %s `%s` (set at %s)", troubleshooting, kind.what, reason, kind.m[reason])
			}
		}
	}
}

// TestTroubleshootingExplainsEveryConditionType checks the condition types of both kinds.
func TestTroubleshootingExplainsEveryConditionType(t *testing.T) {
	p, err := parsePkg(filepath.Join(root, "api/v1alpha1"))
	if err != nil {
		t.Fatal(err)
	}
	page := readPage(t, troubleshooting)
	for name, v := range p.consts {
		if strings.HasPrefix(name, "Condition") && !strings.Contains(page, "`"+v+"`") {
			t.Errorf("%s does not explain the condition type `%s` (v1alpha1.%s)", troubleshooting, v, name)
		}
	}
}

// TestExtractFindsEveryPattern guards the extraction itself: one reason set in each way the
// code sets them must be found, or a broken extraction would pass with an empty list.
func TestExtractFindsEveryPattern(t *testing.T) {
	r, err := Extract(root, reasonDirs, constDirs)
	if err != nil {
		t.Fatal(err)
	}
	for reason, how := range map[string]string{
		"CredentialsSecretMissing": "condition{reason, message} literal (observe.go)",
		"RestoreEngineMismatch":    "a function's second result, into condition{reason, msg} (restore.go)",
		"PrimaryCannotCommit":      "a constant in topology.Condition (topology/health.go)",
		"InvalidSchedule":          "a tuple assignment to cond.Reason (archive.go)",
		"InProgress":               "a map index into a closure's parameter (backup_verify.go)",
		"Verified":                 "a closure's argument v.Phase (backup_verify.go)",
		"Unknown":                  "a local variable's fallback (status.go)",
	} {
		if _, ok := r.Conditions[reason]; !ok {
			t.Errorf("condition reason %s not found: %s", reason, how)
		}
	}
	for reason, how := range map[string]string{
		"PromotionRefused": "a literal in Eventf",
		"Promote":          "string(step.Kind) in Eventf (topology.Kind constants)",
		"BackupVerified":   "MySQLBackup events",
	} {
		if _, ok := r.Events[reason]; !ok {
			t.Errorf("event reason %s not found: %s", reason, how)
		}
	}
}

func readPage(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sorted(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestExtractFixture runs the extraction on a fixture with a helper that passes its argument on,
// a function's result, a constant, and a reason built at run time, which must be reported.
func TestExtractFixture(t *testing.T) {
	r, err := Extract("testdata", []string{"controller"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FromHelperCaller", "FromConst"} {
		if _, ok := r.Events[want]; !ok {
			t.Errorf("event reason %s not found: %v", want, r.Events)
		}
	}
	if _, ok := r.Conditions["FromReturn"]; !ok {
		t.Errorf("condition reason FromReturn not found: %v", r.Conditions)
	}
	if len(r.Unresolved) != 1 || !strings.Contains(r.Unresolved[0], "fmt.Sprintf") {
		t.Errorf("the reason built with fmt.Sprintf should be the one unresolved expression: %v", r.Unresolved)
	}
}
