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

package alerts

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// e2eDir is where test/e2e/metrics_test.go writes what it scraped from real clusters: one
// directory per phase with operator.prom, agent_<pod>.prom and expect (a line "namespace NS",
// then "<alert> firing" or "<alert> quiet" per alert it knows the state of).
func e2eDir() string {
	if d := os.Getenv("ORDINAL_E2E_METRICS"); d != "" {
		return d
	}
	return filepath.Join(root, "bin", "e2e-metrics")
}

// TestAlertsOnE2EScrapes evaluates the alerts over metrics scraped from the operator and the
// agents of a real cluster in known states (a stopped replica, a frozen primary, ...).
func TestAlertsOnE2EScrapes(t *testing.T) {
	phases, _ := filepath.Glob(filepath.Join(e2eDir(), "*", "expect"))
	if len(phases) == 0 {
		if os.Getenv("ORDINAL_E2E_METRICS_REQUIRED") != "" {
			t.Fatalf("no scrapes in %s: run the e2e metrics spec first", e2eDir())
		}
		t.Skipf("no scrapes in %s (the e2e metrics spec writes them)", e2eDir())
	}
	for _, expect := range phases {
		dir := filepath.Dir(expect)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ns, want := readExpect(t, expect)
			st := load(t, []snapshot{{targets: phaseTargets(t, dir, ns)}})
			for alert, fire := range want {
				n := 0
				for _, ls := range firing(t, st, alert, 0) {
					if ls.Get("namespace") == ns {
						n++
					}
				}
				if fire && n == 0 {
					t.Errorf("%s does not fire in namespace %s", alert, ns)
				}
				if !fire && n > 0 {
					t.Errorf("%s fires %d times in namespace %s, want quiet", alert, n, ns)
				}
			}
		})
	}
}

func readExpect(t *testing.T, path string) (string, map[string]bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ns, want := "", map[string]bool{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		switch {
		case len(fields) != 2:
		case fields[0] == "namespace":
			ns = fields[1]
		default:
			want[fields[0]] = fields[1] == "firing"
		}
	}
	if ns == "" || len(want) == 0 {
		t.Fatalf("%s: no namespace or no expectation", path)
	}
	return ns, want
}

// phaseTargets reads a phase's scrapes, labelled as Prometheus' ServiceMonitor and PodMonitor
// would label them.
func phaseTargets(t *testing.T, dir, ns string) []target {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.prom"))
	var out []target
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(f), ".prom")
		ls := operatorJob
		if pod, ok := strings.CutPrefix(base, "agent_"); ok {
			ls = map[string]string{"job": ns + "/ordinal-agents", "namespace": ns, "pod": pod}
		}
		out = append(out, target{labels: ls, text: string(b)})
	}
	return out
}
