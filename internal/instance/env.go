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

package instance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// AgentPort is the agent's HTTP port on the pod IP.
const AgentPort = 8080

// Paths are where the pod's volumes are mounted (docs/pod.md). Tests point them at temp dirs.
type Paths struct {
	// DataDir is the data volume (the PVC) and the server's datadir.
	DataDir string
	// RunDir holds the server's socket, shared by the pod's containers.
	RunDir string
	// ToolsDir holds the ordinal binary and the member's my.cnf.
	ToolsDir string
	// ClusterConfig is the cluster-wide my.cnf from the ConfigMap.
	ClusterConfig string
	// TmpDir is scratch space (private sockets of temporary servers, backup work dirs).
	TmpDir string
	// InitSQLDir holds spec.initSQL's scripts as 000.sql, 001.sql, … (init container only).
	InitSQLDir string
	// TLSDir holds the cluster's certificates (tls.crt, tls.key, ca.crt) when the pod mounts
	// them (spec.tls.enabled); "" for none.
	TLSDir string
}

// DefaultPaths are the pod's paths.
func DefaultPaths() Paths {
	return Paths{
		DataDir:       "/var/lib/mysql",
		RunDir:        "/run/mysqld",
		ToolsDir:      "/opt/ordinal",
		ClusterConfig: "/etc/ordinal/config/my.cnf",
		TmpDir:        "/tmp",
		InitSQLDir:    "/etc/ordinal/init-sql",
		TLSDir:        mycnf.TLSDir,
	}
}

// Socket is the server's Unix socket.
func (p Paths) Socket() string { return filepath.Join(p.RunDir, "mysqld.sock") }

// MemberConfig is the final per-member option file init writes and the server runs with.
func (p Paths) MemberConfig() string { return filepath.Join(p.ToolsDir, "my.cnf") }

// SeedMarker is the file that asks init to re-create the datadir from a donor.
func (p Paths) SeedMarker() string { return filepath.Join(p.DataDir, SeedMarkerName) }

// Env is the pod's environment as docs/pod.md defines it.
type Env struct {
	PodName, Namespace, PodIP string
	ClusterName, ServiceName  string
	Flavor                    mysql.Flavor
	ServerIDBase              uint32
	RootPassword              string
	ReplicationPassword       string
	OperatorPassword          string
	// ServerUser, from the optional ORDINAL_SERVER_USER, is passed as --user to the server and
	// the install tools. Empty in a pod (they run as uid 999); tests running as root set "root".
	ServerUser string
	// Restore, from the optional EnvRestore and its keys, says which backup a new cluster's
	// first member is restored from; nil when the cluster starts empty.
	Restore *RestoreSource
	// TimeZone, from the optional ORDINAL_TIME_ZONE (spec.timeZone), makes init load the time
	// zone tables into a new datadir.
	TimeZone string
	// InitSQL, from the optional ORDINAL_INIT_SQL, names the sources of spec.initSQL's scripts in
	// order ("configMap NAME key KEY"); the first member of a new cluster runs them.
	InitSQL []string
}

// The environment of a restore (docs/pod.md, Backups): the operator sets them on the init
// container of a cluster created from a backup, and on the verification Job. The keys and the
// CA come from the store's Secrets, never inside the JSON. internal/desired names the same
// variables for the pod builder (a test keeps the two equal).
const (
	EnvRestore          = "ORDINAL_RESTORE"
	EnvRestoreAccessKey = "ORDINAL_RESTORE_ACCESS_KEY"
	EnvRestoreSecretKey = "ORDINAL_RESTORE_SECRET_KEY"
	EnvRestoreCA        = "ORDINAL_RESTORE_CA"
)

// RestoreSource is the JSON of EnvRestore: the store and what to recover from it (see
// backup.Target: a backup by name, or a time, a GTID position or everything, from the newest
// suitable backup unless Backup names it).
type RestoreSource = agentapi.RestoreSource

// loadRestoreSource reads EnvRestore and the keys; nil when EnvRestore is unset.
func loadRestoreSource(getenv func(string) string) (*RestoreSource, error) {
	raw := getenv(EnvRestore)
	if raw == "" {
		return nil, nil
	}
	var src RestoreSource
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&src); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvRestore, err)
	}
	if src.Store.AccessKey != "" || src.Store.SecretKey != "" {
		return nil, fmt.Errorf("%s: keys go in %s and %s, not in the JSON", EnvRestore, EnvRestoreAccessKey, EnvRestoreSecretKey)
	}
	if ca := getenv(EnvRestoreCA); ca != "" {
		src.Store.CA = ca
	}
	if src.Backup == "" && src.Time == nil && src.GTID == "" && !src.Latest {
		return nil, fmt.Errorf("%s: name a backup, a time, a gtid or latest", EnvRestore)
	}
	if src.Store.Endpoint == "" || src.Store.Bucket == "" {
		return nil, errors.New(EnvRestore + ": the store needs an endpoint and a bucket")
	}
	src.Store.AccessKey, src.Store.SecretKey = getenv(EnvRestoreAccessKey), getenv(EnvRestoreSecretKey)
	return &src, nil
}

// LoadEnv reads the pod environment and says which variables are missing or malformed.
func LoadEnv(getenv func(string) string) (Env, error) {
	var missing []string
	get := func(k string) string {
		v := getenv(k)
		if v == "" {
			missing = append(missing, k)
		}
		return v
	}
	e := Env{
		PodName: get("POD_NAME"), Namespace: get("POD_NAMESPACE"), PodIP: get("POD_IP"),
		ClusterName: get("CLUSTER_NAME"), ServiceName: get("SERVICE_NAME"),
		RootPassword: get("ROOT_PASSWORD"), ReplicationPassword: get("REPLICATION_PASSWORD"),
		OperatorPassword: get("OPERATOR_PASSWORD"), ServerUser: getenv("ORDINAL_SERVER_USER"),
		TimeZone: getenv(EnvTimeZone), InitSQL: splitNonEmpty(getenv(EnvInitSQL), ";"),
	}
	flavor, base := get("MYSQL_FLAVOR"), get("SERVER_ID_BASE")
	if len(missing) > 0 {
		return e, fmt.Errorf("missing environment variables: %s", strings.Join(missing, ", "))
	}
	f, err := mysql.FlavorByName(flavor)
	if err != nil {
		return e, fmt.Errorf("MYSQL_FLAVOR: %w", err)
	}
	e.Flavor = f
	n, err := strconv.ParseUint(base, 10, 32)
	if err != nil {
		return e, fmt.Errorf("SERVER_ID_BASE %q: %w", base, err)
	}
	e.ServerIDBase = uint32(n)
	if _, err := e.Ordinal(); err != nil {
		return e, err
	}
	if e.Restore, err = loadRestoreSource(getenv); err != nil {
		return e, err
	}
	return e, nil
}

// Ordinal is the member's ordinal, the suffix of its pod name.
func (e Env) Ordinal() (int, error) {
	i := strings.LastIndexByte(e.PodName, '-')
	if i < 0 {
		return 0, fmt.Errorf("pod name %q does not end in an ordinal", e.PodName)
	}
	n, err := strconv.Atoi(e.PodName[i+1:])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("pod name %q does not end in an ordinal", e.PodName)
	}
	return n, nil
}

// ServerID is SERVER_ID_BASE + ordinal.
func (e Env) ServerID() (uint32, error) {
	n, err := e.Ordinal()
	if err != nil {
		return 0, err
	}
	id := uint64(e.ServerIDBase) + uint64(n)
	if id == 0 || id > 1<<32-1 {
		return 0, fmt.Errorf("server_id %d (SERVER_ID_BASE %d + ordinal %d) is out of range", id, e.ServerIDBase, n)
	}
	return uint32(id), nil
}

// Host is the member's stable DNS name (api/v1alpha1 PodHost).
func (e Env) Host() string {
	return e.PodName + "." + e.ServiceName + "." + e.Namespace + ".svc"
}

// osEnv is the process environment.
var osEnv = os.Getenv
