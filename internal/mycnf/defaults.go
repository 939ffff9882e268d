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
	"fmt"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// Paths and ports shared by the config, the pod spec (internal/desired) and ordinal init.
const (
	// DataDir is where the data volume is mounted and the server keeps its datadir.
	DataDir = "/var/lib/mysql"
	// RunDir holds the socket and pid file; an emptyDir shared by the pod's containers.
	RunDir = "/run/mysqld"
	// SocketPath is the server's Unix socket.
	SocketPath = RunDir + "/mysqld.sock"
	// PidFile is the server's pid file.
	PidFile = RunDir + "/mysqld.pid"
	// Port is the server's TCP port.
	Port = 3306
	// QuarantineDir is the directory in the datadir where ordinal init keeps an errant member's
	// binary logs aside before a re-seed (internal/instance.QuarantineDirName; a test keeps the
	// two equal). MariaDB would list it as a database unless ignore_db_dirs names it.
	QuarantineDir = ".ordinal-quarantine"
	// TLSDir is where the pod mounts the Secret NAME-tls: the server certificate and key, and the
	// trusted CAs that verify a replica's source.
	TLSDir      = "/etc/mysql/tls"
	TLSCAFile   = TLSDir + "/ca.crt"
	TLSCertFile = TLSDir + "/tls.crt"
	TLSKeyFile  = TLSDir + "/tls.key"
)

// WithTLS adds the certificate files of the mounted TLS Secret to merged settings and returns them.
// The keys are owned, so no override can clash; they take effect on a restart, and renewed files
// are reloaded live (FLUSH SSL, ALTER INSTANCE RELOAD TLS).
func WithTLS(settings map[string]string, requireSecureTransport bool) map[string]string {
	settings["ssl_ca"] = TLSCAFile
	settings["ssl_cert"] = TLSCertFile
	settings["ssl_key"] = TLSKeyFile
	if requireSecureTransport {
		// Read at start here (not applied live): a member restarted with it serves TLS too.
		settings["require_secure_transport"] = "ON"
	}
	return settings
}

// pluginLoadAdd and ignoreDBDirs are the defaults that a user override extends instead of
// replacing: dropping the semi-sync or clone plugins would break lossless failover and seeding, and
// dropping QuarantineDir would show kept-aside binlogs as a database. Each ignore_db_dirs line adds
// one directory name (commas included), so the user's is rendered as a second line.
const (
	pluginLoadAdd = "plugin_load_add"
	ignoreDBDirs  = "ignore_db_dirs"
)

// common are the defaults both flavors share.
func common() map[string]string {
	return map[string]string{
		"binlog_format":                  "ROW",
		"datadir":                        DataDir,
		"innodb_flush_log_at_trx_commit": "1",
		"log_bin":                        DataDir + "/binlog",
		"pid_file":                       PidFile,
		"port":                           fmt.Sprint(Port),
		"read_only":                      "ON",
		"relay_log":                      DataDir + "/relay-bin",
		// Off (DESIGN rule 3): recovery would discard received-but-unapplied transactions that
		// failover relies on when it picks the most advanced replica.
		"relay_log_recovery": "OFF",
		"skip_name_resolve":  "ON",
		"socket":             SocketPath,
		"sync_binlog":        "1",
	}
}

// hugeSemiSyncTimeout (ms, ~49 days; the largest value MySQL accepts) makes a primary wait for an
// ack instead of silently falling back to asynchronous replication. internal/mysql sets the same
// value at run time.
const hugeSemiSyncTimeout = "4294967295"

// netTimeout (seconds) lets an IO thread notice a dead or frozen source quickly; the replication
// heartbeat (1 s, set by CHANGE MASTER / CHANGE REPLICATION SOURCE) keeps a quiet source alive.
const netTimeout = "4"

// semiSyncKillConnTimeout (seconds) bounds what a MariaDB replica's IO thread does when it stops
// with semi-sync on: it dials its source to kill the source's dump thread. Against a frozen or cut
// off source that dial hangs until this timeout (default 5 s), and STOP SLAVE IO_THREAD, which
// re-signals the thread every 2 s, took 2 s in every failover from such a source; with 1 s it
// takes 1 s. A source that answers is dialled in milliseconds.
const semiSyncKillConnTimeout = "1"

// mariadbDefaults: MariaDB 10.11 knows only the slave spellings; 11.4 accepts them too. The
// quarantine directory is hidden from SHOW DATABASES (ignore_db_dirs, measured on 10.11). Semi-sync is
// built in. The replica side acknowledges from the start, so a restarted replica counts as an
// acker as soon as its IO thread connects (harmless while the primary does not wait); the source
// side's wait (rpl_semi_sync_master_enabled) stays off here and is turned on by the operator, but
// how it waits is fixed so it can never fall back to asynchronous replication.
func mariadbDefaults() map[string]string {
	d := common()
	d["gtid_domain_id"] = "0"
	d["gtid_strict_mode"] = "ON"
	d[ignoreDBDirs] = QuarantineDir
	d["log_slave_updates"] = "ON"
	d["rpl_semi_sync_master_timeout"] = hugeSemiSyncTimeout
	d["rpl_semi_sync_master_wait_no_slave"] = "ON"
	d["rpl_semi_sync_master_wait_point"] = "AFTER_SYNC"
	d["rpl_semi_sync_slave_enabled"] = "ON"
	d["rpl_semi_sync_slave_kill_conn_timeout"] = semiSyncKillConnTimeout
	d["skip_slave_start"] = "ON"
	d["slave_net_timeout"] = netTimeout
	return d
}

// mysqlDefaults: MySQL 8.0.26+ and 8.4 spellings. super_read_only fences even privileged users;
// mysqlx is off because it would listen on every address, not the pod IP. The semi-sync plugins
// are always loaded by plugin_load_add (a user override only extends it), so their variables need
// no loose- prefix. Semi-sync is set up as for MariaDB (see mariadbDefaults). max_connect_errors is
// raised because probes that time out against a frozen server count as handshake errors, and past
// the default 100 the server would refuse the operator's host.
func mysqlDefaults() map[string]string {
	d := common()
	d["enforce_gtid_consistency"] = "ON"
	d["gtid_mode"] = "ON"
	d["log_replica_updates"] = "ON"
	d["max_connect_errors"] = "1000000"
	d["mysqlx"] = "OFF"
	d[pluginLoadAdd] = "rpl_semi_sync_source=semisync_source.so;" +
		"rpl_semi_sync_replica=semisync_replica.so;clone=mysql_clone.so"
	d["replica_net_timeout"] = netTimeout
	d["rpl_semi_sync_replica_enabled"] = "ON"
	d["rpl_semi_sync_source_timeout"] = hugeSemiSyncTimeout
	d["rpl_semi_sync_source_wait_for_replica_count"] = "1"
	d["rpl_semi_sync_source_wait_no_replica"] = "ON"
	d["rpl_semi_sync_source_wait_point"] = "AFTER_SYNC"
	d["skip_replica_start"] = "ON"
	d["super_read_only"] = "ON"
	return d
}

// Defaults returns the operator's settings for a flavor, keys in the canonical lower_snake form.
func Defaults(flavor v1alpha1.Flavor) (map[string]string, error) {
	switch flavor {
	case v1alpha1.FlavorMariaDB:
		return mariadbDefaults(), nil
	case v1alpha1.FlavorMySQL:
		return mysqlDefaults(), nil
	default:
		return nil, fmt.Errorf("render my.cnf: unknown flavor %q", flavor)
	}
}
