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
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const root = "../.."

// TestReferenceIsUpToDate fails when an API change was committed without regenerating the
// reference: what `make test` runs on a fresh clone.
func TestReferenceIsUpToDate(t *testing.T) {
	want, err := generate(filepath.Join(root, apiDir))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, outFile))
	if err != nil {
		t.Fatalf("%v: run make api-docs", err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s is stale (the API types changed): run make api-docs and commit the result", outFile)
	}
}

// TestReferenceShowsWhatTheSchemaEnforces checks the generator reads each kind of marker, on
// fields and on types, so a marker it stopped reading cannot vanish from the page silently.
func TestReferenceShowsWhatTheSchemaEnforces(t *testing.T) {
	out, err := generate(filepath.Join(root, apiDir))
	if err != nil {
		t.Fatal(err)
	}
	page := string(out)
	for _, want := range []string{
		"## MySQLCluster", "## MySQLBackup", "### MySQLClusterSpec", "### ObjectStore",
		"| `replicas` | int32 |  | `3` | Replicas is the number of members", // default and doc
		"Minimum 1. Maximum 99.",                                            // bounds
		"One of `mysql`, `mariadb`.",                                        // enum
		"Rule: engine.flavor cannot change",                                 // a field's CEL message
		"- restore cannot be added or removed after creation",               // a type's CEL message
		"[Engine](#engine)",                                                 // links to the package's types
		"[corev1.Affinity](https://pkg.go.dev/k8s.io/api/core/v1#Affinity)", // and to Kubernetes'
		"| `semiSync` | ReplicationSemiSync waits",                          // enum values
		"Short names: `mysql`, `myc`.",                                      // resource marker
		"Pattern `^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`",                        // patterns
		"| `mysql.ordinal.dev/switchover-to` | AnnotationSwitchoverTo asks", // annotations
		"| `Ready` | ConditionReady is True",                                // condition types
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the reference lacks %q", want)
		}
	}
	if strings.Index(page, "## MySQLCluster") > strings.Index(page, "## MySQLBackup") {
		t.Error("MySQLCluster, the main kind, should come first")
	}
}

func TestCellEscapesPipesAndNewlines(t *testing.T) {
	if got := cell("a|b\nc"); got != `a\|b c` {
		t.Fatalf("cell = %q", got)
	}
}

func TestCELMessage(t *testing.T) {
	for in, want := range map[string]string{
		`rule="self == oldSelf",message="x cannot change: \"why\""`: `x cannot change: "why"`,
		`rule="self.size() > 0"`:                                    "self.size() > 0",
	} {
		if got := celMessage(in); got != want {
			t.Errorf("celMessage(%s) = %q, want %q", in, got, want)
		}
	}
}
