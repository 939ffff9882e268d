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
	"math"
	"testing"
)

func my(s string) Set { return MustParse(MySQL, s) }
func ma(s string) Set { return MustParse(MariaDB, s) }

func TestSubsetOf(t *testing.T) {
	cases := []struct {
		a, b Set
		want bool
	}{
		{Set{}, Set{}, true},
		{Set{}, my(u1 + ":1"), true},
		{my(u1 + ":1"), Set{}, false},
		{my(u1 + ":1-5"), my(u1 + ":1-5"), true},
		{my(u1 + ":2-4"), my(u1 + ":1-5"), true},
		{my(u1 + ":1-6"), my(u1 + ":1-5"), false},
		{my(u1 + ":1-3:5"), my(u1 + ":1-5"), true},
		{my(u1 + ":1-5"), my(u1 + ":1-3:5"), false},
		{my(u1 + ":1"), my(u2 + ":1"), false},
		{my(u1 + ":1"), my(u1 + ":t:1"), false},
		{my(u1 + ":t:1"), my(u1 + ":1:t:1-2"), true},
		{my(u1 + ":1-5," + u2 + ":1"), my(u1 + ":1-9"), false},
		// The package doc's divergence example: old primary 0-1-101 against a
		// new primary that wrote 0-2-101 on top of 0-1-100.
		{ma("0-1-101"), ma("0-1-100,0-2-101"), false},
		{ma("0-1-100"), ma("0-1-100,0-2-101"), true},
		{ma("0-1-100,0-2-101"), ma("0-1-100,0-2-105"), true},
		{ma("0-1-100,1-1-3"), ma("0-1-100"), false},
		// Different flavors share no element.
		{ma("0-1-1"), my(u1 + ":1"), false},
		{my(u1 + ":1"), ma("0-1-1"), false},
		{ma(""), my(u1 + ":1"), true},
	}
	for _, c := range cases {
		if got := c.a.SubsetOf(c.b); got != c.want {
			t.Errorf("%q.SubsetOf(%q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestSubtract(t *testing.T) {
	cases := []struct {
		a, b Set
		want string
	}{
		{my(u1 + ":1-10"), my(u1 + ":3-4:8"), u1 + ":1-2:5-7:9-10"},
		{my(u1 + ":1-10"), my(u1 + ":1-10"), ""},
		{my(u1 + ":1-10"), my(u1 + ":0011-20"), u1 + ":1-10"},
		{my(u1 + ":5-10"), my(u1 + ":1-6:9-20"), u1 + ":7-8"},
		{my(u1 + ":1-5:7-9"), my(u1 + ":2-8"), u1 + ":1:9"},
		{my(u1 + ":1-5," + u2 + ":1-3"), my(u2 + ":1-3"), u1 + ":1-5"},
		{my(u1 + ":1-5:t:1-3"), my(u1 + ":1-5"), u1 + ":t:1-3"},
		{my(u1 + ":1-5"), Set{}, u1 + ":1-5"},
		{Set{}, my(u1 + ":1-5"), ""},
		{ma("0-1-101"), ma("0-1-100,0-2-101"), "0-1:101"},
		{ma("0-1-100,0-2-105"), ma("0-1-100,0-2-101"), "0-2:102-105"},
		{ma("0-1-5"), my(u1 + ":1-5"), "0-1-5"},
	}
	for _, c := range cases {
		got := c.a.Subtract(c.b)
		if got.String() != c.want {
			t.Errorf("%q.Subtract(%q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func TestUnionEqualIntersect(t *testing.T) {
	a, b := my(u1+":1-3:9,"+u2+":5"), my(u1+":4-8:t:1")
	u := a.Union(b)
	if want := u1 + ":1-9:t:1," + u2 + ":5"; u.String() != want {
		t.Errorf("Union = %q, want %q", u, want)
	}
	if !u.Equal(my(u2 + ":5," + u1 + ":t:1," + u1 + ":1-9")) {
		t.Errorf("Equal: %q differs from its reordering", u)
	}
	if u.Equal(a) || a.Equal(u) {
		t.Errorf("Equal(%q, %q) = true", u, a)
	}
	if got := u.Intersect(my(u1 + ":3-5")).String(); got != u1+":3-5" {
		t.Errorf("Intersect = %q", got)
	}
	if got := ma("0-1-100").Union(ma("0-2-101,0-1-50")).String(); got != "0-1-100,0-2-101" {
		t.Errorf("MariaDB Union = %q", got)
	}
	if got := (Set{}).Union(ma("0-1-1")); got.Flavor() != MariaDB {
		t.Errorf("empty ∪ mariadb has flavor %v", got.Flavor())
	}
	if !(Set{}).Equal(ma("")) || !ma("").Equal(my("")) {
		t.Error("empty sets of any flavor must be Equal")
	}
}

func TestUnionMixedFlavorsPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Union of mixed flavors did not panic")
		}
	}()
	ma("0-1-1").Union(my(u1 + ":1"))
}

func TestImmutable(t *testing.T) {
	a := my(u1 + ":1-5")
	b := a.Union(my(u1 + ":6-9"))
	_ = a.Subtract(my(u1 + ":2"))
	ivs := a.Intervals(u1)
	ivs[0].End = 100
	if a.String() != u1+":1-5" || b.String() != u1+":1-9" {
		t.Errorf("operations mutated their operands: a=%q b=%q", a, b)
	}
	if got := a.Keys(); len(got) != 1 || got[0] != u1 {
		t.Errorf("Keys = %v", got)
	}
}

func TestCountSaturates(t *testing.T) {
	s := my(u1 + ":1-9223372036854775807," + u2 + ":1-9223372036854775807:t:1-5")
	if got := s.Count(); got != math.MaxUint64 {
		t.Errorf("Count = %d, want saturation", got)
	}
}
