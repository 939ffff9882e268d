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
	"fmt"
	"maps"
	"math"
	"slices"
)

// Flavor says which server family a Set's text form comes from.
type Flavor int

// The flavors. The zero Flavor belongs only to the zero (empty) Set.
const (
	MySQL Flavor = iota + 1
	MariaDB
)

func (f Flavor) String() string {
	switch f {
	case MySQL:
		return "mysql"
	case MariaDB:
		return "mariadb"
	}
	return fmt.Sprintf("Flavor(%d)", int(f))
}

// Set is an immutable set of GTIDs. The zero value is the empty set.
type Set struct {
	flavor Flavor
	// m maps a key (MySQL "uuid" or "uuid:tag", MariaDB "domain-server") to
	// normalized intervals. Empty keys are never stored. Never mutated after
	// construction.
	m map[string][]Interval
}

// newSet builds a Set from raw intervals, normalizing each key and dropping
// empty ones.
func newSet(f Flavor, raw map[string][]Interval) Set {
	m := make(map[string][]Interval, len(raw))
	for k, ivs := range raw {
		if n := normalize(ivs); len(n) > 0 {
			m[k] = n
		}
	}
	if len(m) == 0 {
		return Set{flavor: f}
	}
	return Set{flavor: f, m: m}
}

// Flavor returns the flavor the set was parsed as (zero for the zero Set).
func (s Set) Flavor() Flavor { return s.flavor }

// IsEmpty reports whether the set holds no GTID.
func (s Set) IsEmpty() bool { return len(s.m) == 0 }

// Keys returns the set's keys in canonical order.
func (s Set) Keys() []string { return sortedKeys(s.flavor, s.m) }

// Intervals returns a copy of the intervals stored under key.
func (s Set) Intervals(key string) []Interval { return slices.Clone(s.m[key]) }

// Count returns the number of transactions, saturating at MaxUint64. For
// MariaDB it is an upper bound (see the package doc).
func (s Set) Count() uint64 {
	var n uint64
	for _, ivs := range s.m {
		for _, iv := range ivs {
			if n > math.MaxUint64-iv.len() {
				return math.MaxUint64
			}
			n += iv.len()
		}
	}
	return n
}

// mixed reports whether s and o are both non-empty and of different flavors.
func (s Set) mixed(o Set) bool {
	return !s.IsEmpty() && !o.IsEmpty() && s.flavor != o.flavor
}

// SubsetOf reports whether every GTID of s is in o.
func (s Set) SubsetOf(o Set) bool {
	if s.IsEmpty() {
		return true
	}
	if s.mixed(o) {
		return false
	}
	for k, ivs := range s.m {
		if !containsIntervals(o.m[k], ivs) {
			return false
		}
	}
	return true
}

// Equal reports whether s and o hold the same GTIDs.
func (s Set) Equal(o Set) bool {
	return s.SubsetOf(o) && o.SubsetOf(s)
}

// Subtract returns the GTIDs of s that are not in o.
func (s Set) Subtract(o Set) Set {
	if s.IsEmpty() || o.IsEmpty() || s.mixed(o) {
		return s
	}
	raw := make(map[string][]Interval, len(s.m))
	for k, ivs := range s.m {
		raw[k] = subtractIntervals(ivs, o.m[k])
	}
	return newSet(s.flavor, raw)
}

// Union returns the GTIDs in s or o. It panics when both are non-empty and of
// different flavors (see the package doc).
func (s Set) Union(o Set) Set {
	switch {
	case o.IsEmpty():
		return s
	case s.IsEmpty():
		return o
	case s.mixed(o):
		panic(fmt.Sprintf("gtid: union of a %v set and a %v set", s.flavor, o.flavor))
	}
	raw := maps.Clone(s.m)
	for k, ivs := range o.m {
		raw[k] = append(slices.Clone(raw[k]), ivs...)
	}
	return newSet(s.flavor, raw)
}

// Intersect returns the GTIDs in both s and o.
func (s Set) Intersect(o Set) Set {
	return s.Subtract(s.Subtract(o))
}
