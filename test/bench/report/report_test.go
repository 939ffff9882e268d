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
	"encoding/json"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordinal-dev/ordinal/test/bench/results"
)

var update = flag.Bool("update", false, "rewrite testdata/benchmarks.md from the fixture")

// render runs the generator on the fixture directory into a temporary root.
func render(t *testing.T) (root, page string) {
	t.Helper()
	root = t.TempDir()
	if err := run("testdata/results", root); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "docs", "benchmarks.md"))
	if err != nil {
		t.Fatal(err)
	}
	return root, string(b)
}

func TestPageMatchesGolden(t *testing.T) {
	_, page := render(t)
	golden := filepath.Join("testdata", "benchmarks.md")
	if *update {
		if err := os.WriteFile(golden, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if page != string(want) {
		t.Errorf("page differs from %s (go test -update to rewrite, then review the diff):\n%s", golden, page)
	}
}

func TestMissedTargetShowsMissed(t *testing.T) {
	_, page := render(t)
	for _, want := range []string{
		"| [Provisioning](#provisioning) | 3-member cluster Ready, p95 | 31.25 s | ≤ 30 s | **missed** |",
		"| [Provisioning](#provisioning) | Seeding / local copy | 0.91 | ≥ 0.8 | met |",
		"| RSS | 214 MiB | ≤ 256 MiB | met | 1 |", // Met filled although the file had none
		`a \| pipe`, // a pipe in a note does not break the table
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "3-member cluster Ready, p50 | 21.5 s | | met") {
		t.Error("a figure without a target is marked met")
	}
}

func TestMissingSectionsAreListed(t *testing.T) {
	root, page := render(t)
	for _, name := range []string{"faults", "safety", "backups"} {
		if !strings.Contains(page, "Not measured yet (run `make bench-"+name+"`)") {
			t.Errorf("section %s not listed as not measured", name)
		}
	}
	for _, name := range []string{"provisioning", "scale"} { // scale: by its variant scale-before
		if strings.Contains(page, "run `make bench-"+name+"`)") {
			t.Errorf("measured section %s is listed as not measured", name)
		}
	}
	if !strings.Contains(page, "| [Failover and switchover as a client sees them](#faults) | Acknowledged writes lost | not measured yet | 0 | — |") {
		t.Error("summary lacks a target of a section not measured")
	}
	if !strings.Contains(page, "| [Operator scale, before the redesign](#scale-before) | 1,000 clusters at rest: API GETs per minute | 8820 GETs/min | 0 | **missed** |") {
		t.Error("summary lacks a variant section's missed target")
	}
	if !strings.Contains(page, "took 5m0s. Re-measure with `make bench-scale`.") {
		t.Error("a variant section names its family's make target")
	}
	var got all
	b, err := os.ReadFile(filepath.Join(root, "bench", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names(got.Sections), ",") != "provisioning,scale-before,extra" {
		t.Errorf("sections in results.json: %+v", names(got.Sections))
	}
	if strings.Join(got.NotMeasured, ",") != "faults,safety,backups" {
		t.Errorf("notMeasured: %v", got.NotMeasured)
	}
	if m := got.Sections[0].Figures[1].Met; m == nil || *m {
		t.Errorf("results.json: p95 31.25 ≤ 30 met = %v", m)
	}
}

func TestPlotsAreValidPNGs(t *testing.T) {
	root, page := render(t)
	for _, name := range []string{"provisioning-ready", "provisioning-split", "extra-line"} {
		if !strings.Contains(page, "(benchmarks/"+name+".png)") {
			t.Errorf("page does not embed %s", name)
		}
		f, err := os.Open(filepath.Join(root, "docs", "benchmarks", name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
			t.Errorf("%s: %v", name, b)
		}
	}
}

func TestBadSeriesIsAnError(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []results.Series{
		{Name: "a", Kind: "pie", Groups: []results.Group{{Label: "x", Values: []float64{1}}}},
		{Name: "b", Kind: "line", Groups: []results.Group{{Label: "x", Values: []float64{1, 2}, X: []float64{1}}}},
		{Name: "c", Kind: "box"},
	} {
		if err := drawPNG(filepath.Join(dir, s.Name+".png"), s); err == nil {
			t.Errorf("series %s: no error", s.Name)
		}
	}
}

func names(ss []results.Section) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}
