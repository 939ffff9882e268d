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
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the repository root, two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func readScript(t *testing.T) string {
	t.Helper()
	script, err := ReadHealthScript(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	return script
}

func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := DecodeObject(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return obj
}

// TestHealthOfCapturedClusters runs the health check on MySQLClusters captured from e2e runs
// (make test-e2e with E2E_ARGOCD_CAPTURE=DIR; the Argo CD specs keep the first version of each
// cluster in each state), one per state the check tells apart. Each fixture's file name is the
// state CaptureKey gives it, which the test checks too, so a fixture cannot silently stop showing
// the state it is named for.
func TestHealthOfCapturedClusters(t *testing.T) {
	script := readScript(t)
	for _, tt := range healthCases {
		t.Run(tt.file, func(t *testing.T) {
			obj := fixture(t, tt.file+".yaml")
			if key := CaptureKey(obj); key != tt.file {
				t.Fatalf("the fixture shows the state %q, not the one it is named for", key)
			}
			got, err := Health(script, obj)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status || !strings.Contains(got.Message, tt.messagePart) {
				t.Errorf("health = %s %q, want %s with %q", got.Status, got.Message, tt.status, tt.messagePart)
			}
		})
	}
}

// healthCases are the fixtures in testdata/ (FILE.yaml) and the health each must get.
var healthCases = []struct {
	file        string
	status      string
	messagePart string
}{
	// Just created: the operator has not written status yet.
	{"no-status", "Progressing", "Waiting for the operator to report status"},
	// A scale just committed: Ready=True still describes generation 1.
	{"generation-not-observed", "Progressing", "Waiting for the operator to observe generation 2"},
	// Bootstrapping.
	{"ready-False-PrimaryNotAvailable-available-NoPrimary", "Progressing", "PrimaryNotAvailable: no primary is recorded yet"},
	{"ready-False-MembersNotServing", "Progressing", "MembersNotServing: ordinal 2: no pod yet"},
	{"ready-False-MembersNotServing-degraded-MembersUnhealthy", "Progressing", "MembersNotServing: "},
	{"ready-False-SemiSyncNotActive", "Progressing", "SemiSyncNotActive: "},
	{"ready-False-SemiSyncNotActive-degraded-MembersUnhealthy", "Progressing", "SemiSyncNotActive: "},
	// The scale's StatefulSet change in progress.
	{"ready-False-RollingOut", "Progressing", "RollingOut: StatefulSet mysql is rolling out"},
	// The primary's pod deleted: no primary takes writes until the failover.
	{"ready-False-PrimaryNotAvailable-available-PrimaryUnreachable-degraded-PrimaryUnreachable", "Degraded", "PrimaryUnreachable: "},
	// Its only replica frozen: the primary takes writes it cannot commit.
	{"ready-False-PrimaryCannotCommit-available-PrimaryCannotCommit-degraded-PrimaryCannotCommit", "Degraded", "PrimaryCannotCommit: "},
	{"ready-True-AllMembersServing", "Healthy", "AllMembersServing: every member serves"},
	// The operator needs the user.
	{"stalled-CredentialsSecretMissing", "Degraded", "CredentialsSecretMissing: Secret "},
	{"stalled-CredentialsSecretInvalid", "Degraded", "CredentialsSecretInvalid: Secret "},
	{"stalled-ApplyRefused", "Degraded", "ApplyRefused: resize PVC data-mysql-0 to 2Gi"},
}

// TestEveryFixtureIsChecked keeps testdata/ and healthCases in step.
func TestEveryFixtureIsChecked(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, tt := range healthCases {
		checked[tt.file+".yaml"] = true
	}
	for _, e := range entries {
		if !checked[e.Name()] {
			t.Errorf("testdata/%s is not in healthCases", e.Name())
		}
		delete(checked, e.Name())
	}
	for name := range checked {
		t.Errorf("healthCases names testdata/%s, which does not exist", name)
	}
}
