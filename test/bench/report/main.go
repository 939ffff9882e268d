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
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ordinal-dev/ordinal/test/bench/results"
)

func main() {
	in := flag.String("results", "bench/results", "directory of the sections' SECTION.json files")
	out := flag.String("out", ".", "repository root: writes bench/results.json, docs/benchmarks.md, docs/benchmarks/*.png")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// run reads every section in dir and writes the three outputs under root.
func run(dir, root string) error {
	sections, err := results.Read(dir)
	if err != nil {
		return fmt.Errorf("read sections: %w", err)
	}
	sections = ordered(sections)
	if err := writeJSON(filepath.Join(root, "bench", "results.json"), sections); err != nil {
		return err
	}
	plots := filepath.Join(root, "docs", "benchmarks")
	if err := os.MkdirAll(plots, 0o755); err != nil {
		return fmt.Errorf("plots dir: %w", err)
	}
	for _, s := range sections {
		for _, sr := range s.Series {
			if err := drawPNG(filepath.Join(plots, sr.Name+".png"), sr); err != nil {
				return fmt.Errorf("plot %s: %w", sr.Name, err)
			}
		}
	}
	page := renderPage(sections)
	if err := os.WriteFile(filepath.Join(root, "docs", "benchmarks.md"), []byte(page), 0o644); err != nil {
		return fmt.Errorf("write page: %w", err)
	}
	return nil
}

// ordered puts the known sections in catalogue order, then any others by name.
func ordered(in []results.Section) []results.Section {
	rank := func(name string) int {
		k := familyOf(name)
		if k == nil {
			return len(catalogue)
		}
		return slices.IndexFunc(catalogue, func(c known) bool { return c.Name == k.Name })
	}
	out := slices.Clone(in)
	slices.SortStableFunc(out, func(a, b results.Section) int {
		if d := rank(a.Name) - rank(b.Name); d != 0 {
			return d
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// all is bench/results.json: every section measured, and the known ones not measured yet.
type all struct {
	Sections    []results.Section `json:"sections"`
	NotMeasured []string          `json:"notMeasured,omitempty"`
}

func writeJSON(path string, sections []results.Section) error {
	for i := range sections {
		for j := range sections[i].Figures {
			sections[i].Figures[j].Check() // a hand-edited file still says met or missed truly
		}
	}
	b, err := json.MarshalIndent(all{Sections: sections, NotMeasured: notMeasured(sections)}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("results dir: %w", err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// notMeasured are the known sections with no file.
func notMeasured(sections []results.Section) []string {
	var out []string
	for _, k := range catalogue {
		if len(family(sections, k.Name)) == 0 {
			out = append(out, k.Name)
		}
	}
	return out
}
