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
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// String returns the canonical text form; Parse(s.Flavor(), s.String())
// returns a set Equal to s.
func (s Set) String() string {
	if s.flavor == MariaDB {
		return s.mariaDBString()
	}
	return s.mySQLString()
}

// mySQLString prints "uuid:1-5:7:tag:1-3,uuid2:1-3": one element per UUID,
// untagged intervals first, then tags in order.
func (s Set) mySQLString() string {
	var b strings.Builder
	prev := ""
	for _, k := range sortedKeys(MySQL, s.m) {
		uuid, tag, tagged := strings.Cut(k, ":")
		if uuid != prev {
			if prev != "" {
				b.WriteByte(',')
			}
			b.WriteString(uuid)
			prev = uuid
		}
		if tagged {
			b.WriteString(":" + tag)
		}
		writeIntervals(&b, s.m[k])
	}
	return b.String()
}

// mariaDBString prints "d-s-seq" for prefix intervals, "d-s:a-b:c" otherwise.
func (s Set) mariaDBString() string {
	elems := make([]string, 0, len(s.m))
	for _, k := range sortedKeys(MariaDB, s.m) {
		ivs := s.m[k]
		if len(ivs) == 1 && ivs[0].Start == 1 {
			elems = append(elems, fmt.Sprintf("%s-%d", k, ivs[0].End))
			continue
		}
		var b strings.Builder
		b.WriteString(k)
		writeIntervals(&b, ivs)
		elems = append(elems, b.String())
	}
	return strings.Join(elems, ",")
}

func writeIntervals(b *strings.Builder, ivs []Interval) {
	for _, iv := range ivs {
		b.WriteString(":" + iv.String())
	}
}

// sortedKeys orders keys: MySQL lexically (a UUID sorts before its tags),
// MariaDB numerically by domain, then server.
func sortedKeys(f Flavor, m map[string][]Interval) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if f != MariaDB {
		slices.Sort(keys)
		return keys
	}
	slices.SortFunc(keys, func(a, b string) int {
		var ad, as, bd, bs uint64
		fmt.Sscanf(a, "%d-%d", &ad, &as)
		fmt.Sscanf(b, "%d-%d", &bd, &bs)
		return cmp.Or(cmp.Compare(ad, bd), cmp.Compare(as, bs))
	})
	return keys
}
