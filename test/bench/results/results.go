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

package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"
)

// Section is one part of the benchmark (provisioning, faults, safety, backups, scale), written by
// one run of that part.
type Section struct {
	Name    string    `json:"name"`  // file name and anchor: "provisioning"
	Title   string    `json:"title"` // heading: "Provisioning"
	Machine Machine   `json:"machine"`
	Started time.Time `json:"started"`
	// Duration is how long the section ran.
	Duration Seconds  `json:"durationSeconds"`
	Figures  []Figure `json:"figures"`
	// Series are the raw samples (a box plot) or (x, y) points (a line) a plot is drawn from.
	Series []Series `json:"series,omitempty"`
	// Notes say how it was measured and, where a target is missed, why and what would close it.
	Notes []string `json:"notes,omitempty"`
}

// Seconds is a duration in seconds, as JSON carries it.
type Seconds float64

// Machine is where a section ran.
type Machine struct {
	Host      string `json:"host"`
	CPUs      int    `json:"cpus"`
	MemoryGiB int    `json:"memoryGiB"`
	Kernel    string `json:"kernel"`
	GoVersion string `json:"goVersion"`
	// Server is the database server the section ran against ("MariaDB 10.11.x"), "" for none.
	Server string `json:"server,omitempty"`
	Commit string `json:"commit"`
}

// Figure is one measured value next to its target.
type Figure struct {
	Name    string  `json:"name"`  // stable key: "ready_p95_seconds"
	Label   string  `json:"label"` // what a person reads: "3-member cluster Ready, p95"
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"` // "s", "ms", "ratio", "MiB", "% of a core", "GETs/min", "writes"
	Samples int     `json:"samples"`
	// Target is the goal as written in the issue ("≤ 30 s"), "" when the figure has none.
	Target string `json:"target,omitempty"`
	// Op and Goal make the target checkable: Value Op Goal ("<=", ">=", "==").
	Op   string  `json:"op,omitempty"`
	Goal float64 `json:"goal,omitempty"`
	// Met is whether Value meets the target; nil when there is no target.
	Met *bool `json:"met,omitempty"`
	// Note explains a missed target or how the figure was taken.
	Note string `json:"note,omitempty"`
}

// Series is what a plot is drawn from.
type Series struct {
	Name   string  `json:"name"`  // file name of the plot: "faults-pause" → docs/benchmarks/faults-pause.png
	Title  string  `json:"title"` // plot title
	Kind   string  `json:"kind"`  // "box" (one box per group of Values), "line" (X/Y per group), "bar"
	XLabel string  `json:"xLabel,omitempty"`
	YLabel string  `json:"yLabel"`
	Groups []Group `json:"groups"`
}

// Group is one box, one line or one bar.
type Group struct {
	Label  string    `json:"label"`
	Values []float64 `json:"values"`      // box: the samples; bar: one value; line: Y
	X      []float64 `json:"x,omitempty"` // line: X
}

// Check fills f.Met from Op and Goal.
func (f *Figure) Check() {
	if f.Op == "" {
		f.Met = nil
		return
	}
	var met bool
	switch f.Op {
	case "<=":
		met = f.Value <= f.Goal
	case ">=":
		met = f.Value >= f.Goal
	case "==":
		met = f.Value == f.Goal
	default:
		panic(fmt.Sprintf("figure %s: unknown op %q", f.Name, f.Op))
	}
	f.Met = &met
}

// Percentile is the p-th percentile (0–100) of values by nearest rank; NaN-free input expected.
func Percentile(values []float64, p float64) float64 {
	if len(values) == 0 {
		return 0
	}
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	rank := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// Write checks every figure and writes s to dir/NAME.json.
func Write(dir string, s Section) error {
	for i := range s.Figures {
		s.Figures[i].Check()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results dir: %w", err)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode section %s: %w", s.Name, err)
	}
	return os.WriteFile(filepath.Join(dir, s.Name+".json"), append(b, '\n'), 0o644)
}

// Read reads every section in dir, ordered by name.
func Read(dir string) ([]Section, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	out := make([]Section, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		var s Section
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("decode %s: %w", p, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// ThisMachine describes the machine the bench runs on; server and commit are the caller's.
func ThisMachine(server, commit string) Machine {
	host, _ := os.Hostname()
	return Machine{Host: host, CPUs: runtime.NumCPU(), MemoryGiB: memoryGiB(), Kernel: kernel(),
		GoVersion: runtime.Version(), Server: server, Commit: commit}
}
