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

package gtid

import (
	"testing"
)

// seeds covers both flavors; a seed of the other flavor just fails to parse.
var seeds = []string{
	"",
	u1 + ":1-5:7-9," + u2 + ":1-3",
	u1 + ":tag:1-5:7",
	u1 + ":1-3:x:2-4," + u2 + ":9",
	u1 + ":1:3:5:7-10",
	"0-1-100,0-2-101,1-1-5",
	"0-1:2-3:7,0-2-4",
	"0-1-101",
	"0-1-0",
}

// FuzzParse checks that the canonical form is a fixed point that re-parses
// to an equal set, for both flavors.
func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, fl := range []Flavor{MySQL, MariaDB} {
			s, err := Parse(fl, in)
			if err != nil {
				continue
			}
			out := s.String()
			back, err := Parse(fl, out)
			if err != nil {
				t.Fatalf("%v: re-parse of %q (from %q): %v", fl, out, in, err)
			}
			if !back.Equal(s) || back.String() != out || back.Count() != s.Count() {
				t.Fatalf("%v: %q -> %q -> %q", fl, in, out, back)
			}
		}
	})
}

// FuzzAlgebra checks set-algebra laws on pairs of parsed sets.
func FuzzAlgebra(f *testing.F) {
	for _, a := range seeds {
		for _, b := range seeds {
			f.Add(a, b)
		}
	}
	f.Fuzz(func(t *testing.T, as, bs string) {
		for _, fl := range []Flavor{MySQL, MariaDB} {
			a, errA := Parse(fl, as)
			b, errB := Parse(fl, bs)
			if errA == nil && errB == nil {
				checkLaws(t, a, b)
			}
		}
	})
}

func checkLaws(t *testing.T, a, b Set) {
	t.Helper()
	u, d := a.Union(b), a.Subtract(b)
	switch {
	case !a.SubsetOf(u) || !b.SubsetOf(u):
		t.Fatalf("A, B ⊄ A∪B: %q, %q, %q", a, b, u)
	case !d.SubsetOf(a):
		t.Fatalf("A−B ⊄ A: %q − %q = %q", a, b, d)
	case !d.Intersect(b).IsEmpty():
		t.Fatalf("(A−B) ∩ B ≠ ∅: %q − %q = %q", a, b, d)
	case !d.Union(a.Intersect(b)).Equal(a):
		t.Fatalf("(A−B) ∪ (A∩B) ≠ A: %q, %q", a, b)
	case a.SubsetOf(b) != d.IsEmpty():
		t.Fatalf("A ⊆ B is %v but A−B = %q", a.SubsetOf(b), d)
	case a.SubsetOf(b) != u.Equal(b):
		t.Fatalf("A ⊆ B is %v but A∪B = B is %v", a.SubsetOf(b), u.Equal(b))
	case !u.Equal(b.Union(a)):
		t.Fatalf("A∪B ≠ B∪A: %q, %q", a, b)
	case u.Count() < max(a.Count(), b.Count()) && u.Count() != ^uint64(0):
		t.Fatalf("|A∪B| < max(|A|, |B|): %q, %q", a, b)
	case a.Count() != ^uint64(0) && d.Count()+a.Intersect(b).Count() != a.Count():
		t.Fatalf("|A−B| + |A∩B| ≠ |A|: %q, %q", a, b)
	}
}
