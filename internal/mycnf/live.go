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

package mycnf

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// liveBoth are settings both engines change at run time with SET GLOBAL, for every session that
// starts afterwards. The list is deliberately short and conservative: a setting missing here only
// costs a rolling restart, while one wrongly listed would silently never take effect. An
// integration test checks every MariaDB entry against the server's own SYSTEM_VARIABLES
// (READ_ONLY=NO); the MySQL entries are from its reference manual (dynamic, global scope).
var liveBoth = []string{
	"binlog_cache_size", "character_set_server", "collation_server", "connect_timeout",
	"default_storage_engine", "general_log", "group_concat_max_len",
	"innodb_adaptive_hash_index", "innodb_buffer_pool_size", "innodb_deadlock_detect",
	"innodb_flush_log_at_trx_commit", "innodb_flush_neighbors", "innodb_io_capacity",
	"innodb_io_capacity_max", "innodb_lock_wait_timeout", "innodb_lru_scan_depth",
	"innodb_max_dirty_pages_pct", "innodb_old_blocks_time", "innodb_print_all_deadlocks",
	"interactive_timeout", "join_buffer_size", "local_infile", "lock_wait_timeout",
	"log_queries_not_using_indexes", "long_query_time", "max_allowed_packet",
	"max_binlog_cache_size", "max_binlog_size", "max_connect_errors", "max_connections",
	"max_heap_table_size", "max_prepared_stmt_count", "max_sp_recursion_depth",
	"max_user_connections", "min_examined_row_limit", "net_read_timeout", "net_write_timeout",
	"read_buffer_size", "read_rnd_buffer_size", "slow_launch_time", "slow_query_log",
	"sort_buffer_size", "sql_mode", "sync_binlog", "table_definition_cache", "table_open_cache",
	"thread_cache_size", "tmp_table_size", "wait_timeout",
}

var (
	liveMariaDB = []string{
		"binlog_expire_logs_seconds", "expire_logs_days", "log_slow_query", "log_slow_query_time",
		"log_slow_verbosity", "log_warnings", "max_statement_time",
		"rpl_semi_sync_slave_kill_conn_timeout",
	}
	liveMySQL = []string{
		"binlog_expire_logs_seconds", "event_scheduler", "innodb_redo_log_capacity",
		"log_error_verbosity", "max_execution_time",
	}
)

// liveKeys holds each flavor's settings that apply at run time: IsLive is asked once per setting on
// every pass, so the lists are merged once.
var liveKeys = map[v1alpha1.Flavor]map[string]bool{
	v1alpha1.FlavorMariaDB: keySet(liveBoth, liveMariaDB),
	v1alpha1.FlavorMySQL:   keySet(liveBoth, liveMySQL),
}

func keySet(lists ...[]string) map[string]bool {
	set := map[string]bool{}
	for _, l := range lists {
		for _, k := range l {
			set[k] = true
		}
	}
	return set
}

// LiveKeys lists the settings the flavor's servers accept at run time, sorted.
func LiveKeys(flavor v1alpha1.Flavor) []string {
	return slices.Sorted(maps.Keys(liveKeys[liveFlavor(flavor)]))
}

// IsLive reports whether setting key (canonical spelling) with value can be applied to a running
// server. A bare flag (empty value) is not: what it means depends on the option's type.
func IsLive(flavor v1alpha1.Flavor, key, value string) bool {
	return value != "" && liveKeys[liveFlavor(flavor)][key]
}

// liveFlavor is the flavor whose list applies: MariaDB's for MariaDB, MySQL's for anything else.
func liveFlavor(flavor v1alpha1.Flavor) v1alpha1.Flavor {
	if flavor == v1alpha1.FlavorMariaDB {
		return flavor
	}
	return v1alpha1.FlavorMySQL
}

// Settings is the merged cluster-wide configuration: the operator's defaults for the flavor with
// the user's overrides, by canonical key (ignore_db_dirs holds one directory per line).
func Settings(flavor v1alpha1.Flavor, overrides map[string]string) (map[string]string, error) {
	settings, err := Defaults(flavor)
	if err != nil {
		return nil, err
	}
	if err := merge(settings, overrides); err != nil {
		return nil, err
	}
	return settings, nil
}

// Split divides merged settings into those applied at run time and those that need a restart.
func Split(flavor v1alpha1.Flavor, settings map[string]string) (live, restart map[string]string) {
	live, restart = map[string]string{}, map[string]string{}
	for k, v := range settings {
		if IsLive(flavor, k, v) {
			live[k] = v
		} else {
			restart[k] = v
		}
	}
	return live, restart
}

// Digest names each setting with a short hash of its value, "key=hash,…" in key order: it changes
// exactly when a setting does, says which one, and stays small whatever the values' size.
func Digest(settings map[string]string) string {
	parts := make([]string, 0, len(settings))
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		sum := sha256.Sum256([]byte(settings[k]))
		parts = append(parts, k+"="+hex.EncodeToString(sum[:4]))
	}
	return strings.Join(parts, ",")
}

// Changed lists, in order, the keys whose entries differ between two digests (added, removed or
// with another value).
func Changed(a, b string) []string {
	am, bm := parseDigest(a), parseDigest(b)
	var out []string
	for k := range joinKeys(am, bm) {
		if am[k] != bm[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func parseDigest(d string) map[string]string {
	m := map[string]string{}
	for part := range strings.SplitSeq(d, ",") {
		if k, v, ok := strings.Cut(part, "="); ok {
			m[k] = v
		}
	}
	return m
}

func joinKeys(a, b map[string]string) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// sizeValue is an option-file size: digits and one unit suffix, which SQL does not accept.
var sizeValue = regexp.MustCompile(`^([0-9]+)([KkMmGgTt])$`)

// numberValue is an integer or decimal literal, valid as is in SQL.
var numberValue = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// SQLValue turns an option-file value into the value of a SET GLOBAL: sizes with a unit become
// bytes, numbers stay numbers, everything else is a string (isString). A size that overflows is an error.
func SQLValue(value string) (v string, isString bool, err error) {
	if m := sizeValue.FindStringSubmatch(value); m != nil {
		n, err := strconv.ParseUint(m[1], 10, 64)
		shift := map[byte]uint{'k': 10, 'm': 20, 'g': 30, 't': 40}[strings.ToLower(m[2])[0]]
		if err != nil || n > (1<<(64-shift))-1 {
			return "", false, fmt.Errorf("size %q is too large", value)
		}
		return strconv.FormatUint(n<<shift, 10), false, nil
	}
	if numberValue.MatchString(value) {
		return value, false, nil
	}
	return value, true, nil
}
