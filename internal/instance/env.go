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
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Paths inside the pod (docs/pod.md).
const (
	ToolsDir      = "/opt/ordinal"
	MemberConfig  = ToolsDir + "/my.cnf"
	ClusterConfig = "/etc/ordinal/config/my.cnf"
	DataDir       = "/var/lib/mysql"
	Socket        = "/run/mysqld/mysqld.sock"
	AgentPort     = 8080
)

// Env is the pod's environment as docs/pod.md defines it.
type Env struct {
	PodName, Namespace, PodIP string
	ClusterName, ServiceName  string
	Flavor                    string
	ServerIDBase              uint32
	RootPassword              string
	ReplicationPassword       string
	OperatorPassword          string
}

// LoadEnv reads the pod environment and says which variables are missing.
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
		ClusterName: get("CLUSTER_NAME"), ServiceName: get("SERVICE_NAME"), Flavor: get("MYSQL_FLAVOR"),
		RootPassword: get("ROOT_PASSWORD"), ReplicationPassword: get("REPLICATION_PASSWORD"),
		OperatorPassword: get("OPERATOR_PASSWORD"),
	}
	base := get("SERVER_ID_BASE")
	if len(missing) > 0 {
		return e, fmt.Errorf("missing environment variables: %s", strings.Join(missing, ", "))
	}
	n, err := strconv.ParseUint(base, 10, 32)
	if err != nil {
		return e, fmt.Errorf("SERVER_ID_BASE %q: %w", base, err)
	}
	e.ServerIDBase = uint32(n)
	return e, nil
}

// Ordinal is the member's ordinal, the suffix of its pod name.
func (e Env) Ordinal() (int, error) {
	i := strings.LastIndexByte(e.PodName, '-')
	n, err := strconv.Atoi(e.PodName[i+1:])
	if i < 0 || err != nil || n < 0 {
		return 0, fmt.Errorf("pod name %q does not end in an ordinal", e.PodName)
	}
	return n, nil
}

// Host is the member's stable DNS name.
func (e Env) Host() string {
	return e.PodName + "." + e.ServiceName + "." + e.Namespace + ".svc"
}

// osEnv is the process environment.
var osEnv = os.Getenv
