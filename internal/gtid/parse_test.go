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
	"strings"
	"testing"
)

const (
	u1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	u2 = "8a94f357-aab4-11df-86ab-c80aa9429562"
)

func TestParseMySQL(t *testing.T) {
	cases := []struct {
		in, want string
		count    uint64
	}{
		{"", "", 0},
		{"  \n ", "", 0},
		{u1 + ":1-5", u1 + ":1-5", 5},
		{u1 + ":1-5:7-9", u1 + ":1-5:7-9", 8},
		{u1 + ":1-5:6-9", u1 + ":1-9", 9},
		{u1 + ":3:1-2:7", u1 + ":1-3:7", 4},
		{u1 + ":1-5:3-4", u1 + ":1-5", 5},
		{strings.ToUpper(u1) + ":1", u1 + ":1", 1},
		{strings.ReplaceAll(u1, "-", "") + ":1", u1 + ":1", 1},
		{u2 + ":1-3,\n" + u1 + ":1-5", u1 + ":1-5," + u2 + ":1-3", 8},
		{u1 + ":1-2," + u1 + ":3-4", u1 + ":1-4", 4},
		{u1 + " : 1-5 , " + u2 + ":2 ,", u1 + ":1-5," + u2 + ":2", 6},
		{u1 + ":Tag_1:1-3:4-6", u1 + ":tag_1:1-6", 6},
		{u1 + ":1-5:tag:1-3:abc:7", u1 + ":1-5:abc:7:tag:1-3", 9},
		{u1 + ":9223372036854775807", u1 + ":9223372036854775807", 1},
	}
	for _, c := range cases {
		s, err := ParseMySQL(c.in)
		if err != nil {
			t.Errorf("ParseMySQL(%q): %v", c.in, err)
			continue
		}
		if got := s.String(); got != c.want {
			t.Errorf("ParseMySQL(%q).String() = %q, want %q", c.in, got, c.want)
		}
		if got := s.Count(); got != c.count {
			t.Errorf("ParseMySQL(%q).Count() = %d, want %d", c.in, got, c.count)
		}
	}
}

func TestParseMySQLErrors(t *testing.T) {
	for _, in := range []string{
		"abc:1-5",
		u1,
		u1 + ":",
		u1 + ":0",
		u1 + ":0-3",
		u1 + ":5-3",
		u1 + ":1-x",
		u1 + ":-3",
		u1 + ":1--3",
		u1 + ":9223372036854775808",
		u1 + ":tag",
		u1 + ":1:tag",
		u1 + ":tag:other:1",
		u1 + ":1:9tag:1",
		u1 + ":1:ta-g:1",
		u1 + ":1:" + strings.Repeat("a", 33) + ":1",
		"3e11fa47x71ca-11e1-9e33-c80aa9429562:1",
		"3e11fa47-71ca-11e1-9e33-c80aa942956z:1",
		"0-1-100",
	} {
		if s, err := ParseMySQL(in); err == nil {
			t.Errorf("ParseMySQL(%q) = %q, want error", in, s)
		}
	}
}

func TestParseMariaDB(t *testing.T) {
	cases := []struct {
		in, want string
		count    uint64
	}{
		{"", "", 0},
		{"0-1-100", "0-1-100", 100},
		{"0-2-101,0-1-100", "0-1-100,0-2-101", 201},
		{"1-1-5, 0-1-100 ,\n10-1-1,2-1-3", "0-1-100,1-1-5,2-1-3,10-1-1", 109},
		{"0-10-1,0-9-1", "0-9-1,0-10-1", 2},
		{"0-1-100,0-1-50", "0-1-100", 100},
		{"0-1-0", "", 0},
		{"00-01-007", "0-1-7", 7},
		{"0-1:101", "0-1:101", 1},
		{"0-1:101-105:1-100", "0-1-105", 105},
		{"0-1:2-3:7", "0-1:2-3:7", 3},
		{"4294967295-4294967295-1", "4294967295-4294967295-1", 1},
	}
	for _, c := range cases {
		s, err := ParseMariaDB(c.in)
		if err != nil {
			t.Errorf("ParseMariaDB(%q): %v", c.in, err)
			continue
		}
		if got := s.String(); got != c.want {
			t.Errorf("ParseMariaDB(%q).String() = %q, want %q", c.in, got, c.want)
		}
		if got := s.Count(); got != c.count {
			t.Errorf("ParseMariaDB(%q).Count() = %d, want %d", c.in, got, c.count)
		}
	}
}

func TestParseMariaDBErrors(t *testing.T) {
	for _, in := range []string{
		"0-1",
		"0-1-2-3",
		"0--1-2",
		"x-1-2",
		"0-1-x",
		"-1-1-2",
		"4294967296-1-1",
		"0-4294967296-1",
		"0-1:",
		"0-1:0",
		"0-1:3-2",
		"0-1-2:3",
		u1 + ":1-5",
	} {
		if s, err := ParseMariaDB(in); err == nil {
			t.Errorf("ParseMariaDB(%q) = %q, want error", in, s)
		}
	}
}

func TestParseFlavor(t *testing.T) {
	if s, err := Parse(MariaDB, "0-1-3"); err != nil || s.Flavor() != MariaDB || s.Count() != 3 {
		t.Errorf("Parse(MariaDB) = %v, %v", s, err)
	}
	if s, err := Parse(MySQL, u1+":1-3"); err != nil || s.Flavor() != MySQL || s.Count() != 3 {
		t.Errorf("Parse(MySQL) = %v, %v", s, err)
	}
	if _, err := Parse(Flavor(0), ""); err == nil {
		t.Error("Parse(unknown flavor) succeeded")
	}
}
