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
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	v := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, c := range []struct{ p, want float64 }{{50, 5}, {95, 10}, {99, 10}, {10, 1}, {100, 10}} {
		if got := Percentile(v, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestWriteChecksTargetsAndReadsBack(t *testing.T) {
	dir := t.TempDir()
	s := Section{Name: "x", Title: "X", Started: time.Unix(0, 0).UTC(), Figures: []Figure{
		{Name: "a", Value: 31, Op: "<=", Goal: 30},
		{Name: "b", Value: 0.9, Op: ">=", Goal: 0.8},
		{Name: "c", Value: 3},
	}}
	if err := Write(dir, s); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil || len(got) != 1 {
		t.Fatalf("read: %v %v", got, err)
	}
	f := got[0].Figures
	if f[0].Met == nil || *f[0].Met || f[1].Met == nil || !*f[1].Met || f[2].Met != nil {
		t.Errorf("met: %v %v %v", f[0].Met, f[1].Met, f[2].Met)
	}
}
