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
	"strconv"
	"strings"
)

// Parse parses s in the text form of flavor f.
func Parse(f Flavor, s string) (Set, error) {
	switch f {
	case MySQL:
		return ParseMySQL(s)
	case MariaDB:
		return ParseMariaDB(s)
	}
	return Set{}, fmt.Errorf("parse gtid set: unknown flavor %v", f)
}

// MustParse is Parse that panics on error, for tests and constants.
func MustParse(f Flavor, s string) Set {
	set, err := Parse(f, s)
	if err != nil {
		panic(err)
	}
	return set
}

// ParseMySQL parses a MySQL GTID set such as "uuid:1-5:7-9,uuid2:1-3" or,
// with MySQL 8.4 tags, "uuid:1-5:tag:1-3".
func ParseMySQL(s string) (Set, error) {
	raw := map[string][]Interval{}
	for _, elem := range strings.Split(s, ",") {
		if elem = strings.TrimSpace(elem); elem == "" {
			continue
		}
		if err := parseMySQLElem(elem, raw); err != nil {
			return Set{}, fmt.Errorf("parse mysql gtid set %q: %w", s, err)
		}
	}
	return newSet(MySQL, raw), nil
}

// parseMySQLElem parses "uuid(:interval|:tag)*" into raw.
func parseMySQLElem(elem string, raw map[string][]Interval) error {
	parts := strings.Split(elem, ":")
	uuid, err := parseUUID(strings.TrimSpace(parts[0]))
	if err != nil {
		return err
	}
	// pending: a tag was named and still needs an interval. A tag may follow
	// the UUID directly ("uuid:tag:1-5"), but the element needs an interval.
	key, pending, seen := uuid, false, false
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if p != "" && (p[0] < '0' || p[0] > '9') {
			if pending {
				return fmt.Errorf("%q has no interval", key)
			}
			tag, err := parseTag(p)
			if err != nil {
				return err
			}
			key, pending = uuid+":"+tag, true
			continue
		}
		iv, err := parseInterval(p)
		if err != nil {
			return err
		}
		raw[key], pending, seen = append(raw[key], iv), false, true
	}
	if pending || !seen {
		return fmt.Errorf("%q has no interval", key)
	}
	return nil
}

// parseUUID validates a UUID with or without dashes and returns it dashed
// and lower case, the way MySQL prints it.
func parseUUID(s string) (string, error) {
	hex := strings.ReplaceAll(s, "-", "")
	if len(hex) != 32 || (len(s) != 32 && len(s) != 36) {
		return "", fmt.Errorf("bad uuid %q", s)
	}
	if len(s) == 36 && (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') {
		return "", fmt.Errorf("bad uuid %q", s)
	}
	for _, c := range hex {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return "", fmt.Errorf("bad uuid %q", s)
		}
	}
	h := strings.ToLower(hex)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// parseTag validates a MySQL 8.4 GTID tag: [a-z_][a-z0-9_]{0,31}, case
// insensitive (normalized to lower case, as the server does).
func parseTag(s string) (string, error) {
	if len(s) > 32 {
		return "", fmt.Errorf("bad tag %q: longer than 32", s)
	}
	t := strings.ToLower(s)
	for i, c := range t {
		letter := c == '_' || c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return "", fmt.Errorf("bad tag %q", s)
		}
	}
	return t, nil
}

// parseInterval parses "n" or "a-b" with 1 <= a <= b <= MaxSeq.
func parseInterval(s string) (Interval, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := parseSeq(lo)
	if err != nil {
		return Interval{}, err
	}
	b := a
	if isRange {
		if b, err = parseSeq(hi); err != nil {
			return Interval{}, err
		}
	}
	if a == 0 || b < a {
		return Interval{}, fmt.Errorf("bad interval %q", s)
	}
	return Interval{a, b}, nil
}

func parseSeq(s string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || n > MaxSeq {
		return 0, fmt.Errorf("bad sequence number %q", s)
	}
	return n, nil
}

// ParseMariaDB parses a MariaDB GTID position such as "0-1-100,0-2-101,1-1-5"
// (gtid_binlog_state, gtid_current_pos, Gtid_IO_Pos), and the "d-s:a-b"
// interval form that String prints for non-prefix sets.
func ParseMariaDB(s string) (Set, error) {
	raw := map[string][]Interval{}
	for _, elem := range strings.Split(s, ",") {
		if elem = strings.TrimSpace(elem); elem == "" {
			continue
		}
		if err := parseMariaDBElem(elem, raw); err != nil {
			return Set{}, fmt.Errorf("parse mariadb gtid position %q: %w", s, err)
		}
	}
	return newSet(MariaDB, raw), nil
}

// parseMariaDBElem parses "domain-server-seq" or "domain-server:iv(:iv)*".
func parseMariaDBElem(elem string, raw map[string][]Interval) error {
	head, ivs, hasIvs := strings.Cut(elem, ":")
	f := strings.Split(strings.TrimSpace(head), "-")
	if hasIvs && len(f) != 2 || !hasIvs && len(f) != 3 {
		return fmt.Errorf("bad gtid %q", elem)
	}
	domain, err1 := strconv.ParseUint(f[0], 10, 32)
	server, err2 := strconv.ParseUint(f[1], 10, 32)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("bad domain or server id in %q", elem)
	}
	key := fmt.Sprintf("%d-%d", domain, server)
	if !hasIvs {
		seq, err := parseSeq(f[2])
		if err != nil {
			return err
		}
		if seq > 0 { // seq 0: nothing applied yet in that domain
			raw[key] = append(raw[key], Interval{1, seq})
		}
		return nil
	}
	for _, p := range strings.Split(ivs, ":") {
		iv, err := parseInterval(strings.TrimSpace(p))
		if err != nil {
			return err
		}
		raw[key] = append(raw[key], iv)
	}
	return nil
}
