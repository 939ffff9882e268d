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
	"slices"
	"strings"
)

// ownedKeys mirrors, in order, the list in the CEL rule on MySQLClusterSpec.Config
// (api/v1alpha1/mysqlcluster_types.go). A test keeps the two in step.
var ownedKeys = []string{
	"server_id", "gtid_mode", "enforce_gtid_consistency", "gtid_strict_mode", "gtid_domain_id",
	"log_bin", "log_slave_updates", "log_replica_updates", "read_only", "super_read_only",
	"report_host", "report_port", "datadir", "port", "socket", "bind_address", "relay_log",
	"relay_log_recovery", "skip_log_bin", "skip_networking", "binlog_format", "user", "pid_file",
	// Lossless semi-sync: the operator turns the wait on and off, and an override of how it waits
	// (an ack count, a timeout, async fallback without replicas, the wait point) or of the replica
	// side would silently drop acknowledged writes at the next failover.
	"rpl_semi_sync_master_enabled", "rpl_semi_sync_source_enabled",
	"rpl_semi_sync_slave_enabled", "rpl_semi_sync_replica_enabled",
	"rpl_semi_sync_master_wait_no_slave", "rpl_semi_sync_source_wait_no_replica",
	"rpl_semi_sync_source_wait_for_replica_count",
	"rpl_semi_sync_master_wait_point", "rpl_semi_sync_source_wait_point",
	"rpl_semi_sync_master_timeout", "rpl_semi_sync_source_timeout",
	// spec.tls renders the certificate files of the mounted Secret.
	"ssl_ca", "ssl_capath", "ssl_cert", "ssl_key", "require_secure_transport",
}

// OwnedKeys returns the settings the operator owns and users may not override.
func OwnedKeys() []string { return slices.Clone(ownedKeys) }

// Normalize is the canonical spelling of an option name: lower case, '-' as '_'. The server treats
// both separators alike, so server-id and server_id are the same setting.
func Normalize(key string) string {
	return strings.ReplaceAll(strings.ToLower(key), "-", "_")
}

// optionPrefixes change how the server reads an option (loose-server-id sets server_id,
// skip-log-bin turns log_bin off), so an owned key behind one is owned too.
var optionPrefixes = []string{"loose_", "skip_", "disable_", "enable_", "maximum_"}

// IsOwned reports whether a key, in any spelling or behind an option prefix, is a setting the
// operator owns.
func IsOwned(key string) bool {
	n := Normalize(key)
	if slices.Contains(ownedKeys, n) {
		return true
	}
	for _, p := range optionPrefixes {
		if rest, ok := strings.CutPrefix(n, p); ok && slices.Contains(ownedKeys, rest) {
			return true
		}
	}
	return false
}
