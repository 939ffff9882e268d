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
	"testing"

	"github.com/ordinal-dev/ordinal/test/bench/results"
	"github.com/ordinal-dev/ordinal/test/bench/simmember"
)

func TestFigures(t *testing.T) {
	points := []point{
		{N: 1, FailoverSeconds: []float64{8, 9, 10}},
		{N: 10, RSSMiB: 40, PerMinute: map[string]float64{"GET": 30}, FailoverSeconds: []float64{9, 9.5, 30}},
		{N: 1000, RSSMiB: 300, CPUPercent: 4, ReconciledSeconds: 9, PerMinute: map[string]float64{"GET": 0, "LIST": 2},
			QueueMean: 0, QueueMax: 1, FailoverSeconds: []float64{9.5, 10.5, 11}},
	}
	figs := figures(points, simmember.Stats{Statements: 500})
	byName := map[string]results.Figure{}
	for _, f := range figs {
		f.Check()
		byName[f.Name] = f
	}
	met := func(name string) bool {
		f, ok := byName[name]
		if !ok {
			t.Fatalf("no figure %s", name)
		}
		return f.Met != nil && *f.Met
	}
	if f := byName["rss_mib_n10"]; f.Target != "" {
		t.Errorf("N=10 figure carries a target: %+v", f)
	}
	if met("rss_mib_n1000") {
		t.Error("RSS 300 MiB meets ≤ 256 MiB")
	}
	for _, name := range []string{"cpu_percent_at_rest_n1000", "reconciled_all_seconds_n1000", "get_per_min_at_rest_n1000",
		"queue_adds_per_min_at_rest_n1000", "unknown_statements"} {
		if !met(name) {
			t.Errorf("%s not met: %+v", name, byName[name])
		}
	}
	if f := byName["failover_delta_p50_seconds_n1000"]; f.Value != 1.5 || met(f.Name) {
		t.Errorf("failover delta %+v, want 1.5 s (10.5 - 9), missing ≤ 1 s", f)
	}
	if f := byName["failover_alone_p50_seconds_n1"]; f.Value != 9 || f.Samples != 3 {
		t.Errorf("alone %+v", f)
	}
	s := series("scale-before", points)
	if len(s) != 4 || s[0].Groups[0].X[2] != 1000 || s[3].Groups[0].Label != "alone" || len(s[3].Groups) != 3 {
		t.Errorf("series %+v", s)
	}
	if s[0].Name != "scale-before-rss" || s[3].Name != "scale-before-failover" {
		t.Errorf("a variant's plots must carry its name (%s, %s): two variants would draw over each other", s[0].Name, s[3].Name)
	}
}

// Repeats of a cluster count (-repeat) are one figure each: failovers pooled, the median start.
func TestRepeatsArePooled(t *testing.T) {
	points := []point{
		{N: 1, FailoverSeconds: []float64{4, 5}},
		{N: 1, FailoverSeconds: []float64{6}},
		{N: 1000, RSSMiB: 240, ReconciledSeconds: 20, CPUPercent: 6, FailoverSeconds: []float64{5}},
		{N: 1000, RSSMiB: 250, ReconciledSeconds: 15, CPUPercent: 4, FailoverSeconds: []float64{6}},
		{N: 1000, RSSMiB: 245, ReconciledSeconds: 16, CPUPercent: 5, FailoverSeconds: []float64{7}},
	}
	byName := map[string]results.Figure{}
	for _, f := range figures(pooled(points), simmember.Stats{}) {
		if _, twice := byName[f.Name]; twice {
			t.Errorf("figure %s twice", f.Name)
		}
		byName[f.Name] = f
	}
	for name, want := range map[string]results.Figure{
		"failover_alone_p50_seconds_n1":    {Value: 5, Samples: 3},
		"failover_p50_seconds_n1000":       {Value: 6, Samples: 3},
		"reconciled_all_seconds_n1000":     {Value: 16, Samples: 3},
		"cpu_percent_at_rest_n1000":        {Value: 5, Samples: 3},
		"rss_mib_n1000":                    {Value: 250, Samples: 180},
		"failover_delta_p50_seconds_n1000": {Value: 1, Samples: 6},
	} {
		if got := byName[name]; got.Value != want.Value || got.Samples != want.Samples {
			t.Errorf("%s: %v from %d samples, want %v from %d", name, got.Value, got.Samples, want.Value, want.Samples)
		}
	}
}
