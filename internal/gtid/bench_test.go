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
	"strings"
	"testing"
)

// A MySQL set with 50 source UUIDs of 100 intervals each: a long-lived cluster's gtid_executed.
func bigMySQLSet() string {
	var parts []string
	for u := range 50 {
		var ivs []string
		for i := range 100 {
			ivs = append(ivs, fmt.Sprintf("%d-%d", i*10+1, i*10+5))
		}
		parts = append(parts, fmt.Sprintf("3e11fa47-71ca-11e1-9e33-%012x:%s", u, strings.Join(ivs, ":")))
	}
	return strings.Join(parts, ",")
}

func BenchmarkParseMySQL(b *testing.B) {
	s := bigMySQLSet()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := ParseMySQL(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubsetOf(b *testing.B) {
	a, _ := ParseMySQL(bigMySQLSet())
	c := a.Union(MustParse(MySQL, "3e11fa47-71ca-11e1-9e33-000000000001:2000-3000"))
	for b.Loop() {
		if !a.SubsetOf(c) {
			b.Fatal("want subset")
		}
	}
}
