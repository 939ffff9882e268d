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

package plugin

import (
	"fmt"
	"math"

	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// socketPath is the server's Unix socket in the member pods (docs/pod.md, volume run).
const socketPath = "/run/mysqld/mysqld.sock"

// clientScript runs the engine's client ($0) as root over the socket. The password comes from
// ROOT_PASSWORD, which the mysql container already has from the credentials Secret: it is moved
// into MYSQL_PWD inside the container, so it is in no process's command line (ps), neither here
// nor in the pod; only the client's environment holds it, as the container's does.
const clientScript = `export MYSQL_PWD="$ROOT_PASSWORD"; exec "$0" --user=root --socket=` + socketPath + ` "$@"`

// clientBinary is the engine's command-line client.
func clientBinary(mc *v1alpha1.MySQLCluster) string {
	if mc.Flavor() == v1alpha1.FlavorMariaDB {
		return "mariadb"
	}
	return "mysql"
}

// ExecArgs is the kubectl command line (without "kubectl") that runs the client in pod's mysql
// container: kubeconfig flags first, stdin always attached (scripts can be piped in), a TTY only
// for a terminal.
func ExecArgs(kube []string, ns, pod, client string, tty bool, args []string) []string {
	out := append([]string{}, kube...)
	out = append(out, "--namespace", ns, "exec", "-i")
	if tty {
		out = append(out, "-t")
	}
	out = append(out, pod, "-c", desired.ContainerMySQL, "--", "sh", "-c", clientScript, client)
	return append(out, args...)
}

// kubectlFlags passes the plugin's kubeconfig flags on to kubectl.
func kubectlFlags(f *genericclioptions.ConfigFlags) []string {
	var out []string
	add := func(name string, v *string) {
		if v != nil && *v != "" {
			out = append(out, "--"+name+"="+*v)
		}
	}
	add("kubeconfig", f.KubeConfig)
	add("context", f.Context)
	add("cluster", f.ClusterName)
	add("server", f.APIServer)
	add("tls-server-name", f.TLSServerName)
	add("certificate-authority", f.CAFile)
	add("client-certificate", f.CertFile)
	add("client-key", f.KeyFile)
	add("token", f.BearerToken)
	add("as", f.Impersonate)
	add("as-uid", f.ImpersonateUID)
	if f.ImpersonateGroup != nil {
		for _, g := range *f.ImpersonateGroup {
			out = append(out, "--as-group="+g)
		}
	}
	if f.Timeout != nil && *f.Timeout != "0" {
		add("request-timeout", f.Timeout)
	}
	if f.Insecure != nil && *f.Insecure {
		out = append(out, "--insecure-skip-tls-verify=true")
	}
	return out
}

// sessionPod is the member to connect to: --pod, a serving replica (--replica), or the primary.
func sessionPod(mc *v1alpha1.MySQLCluster, pod string, replica bool) (string, error) {
	switch {
	case pod != "" && replica:
		return "", fmt.Errorf("--pod and --replica exclude each other")
	case pod != "":
		if _, ok := mc.Ordinal(pod); !ok {
			return "", fmt.Errorf("%s is not a member of %s", pod, mc.Name)
		}
		return pod, nil
	case replica:
		if r := bestReplica(mc); r != "" {
			return r, nil
		}
		return "", fmt.Errorf("%s has no ready, serving replica", mc.Name)
	case mc.Status.CurrentPrimary == "":
		return "", fmt.Errorf("%s has no recorded primary yet", mc.Name)
	}
	return mc.Status.CurrentPrimary, nil
}

// bestReplica is the ready, serving, non-errant replica with the least lag ("" if none); the
// lowest ordinal wins a tie.
func bestReplica(mc *v1alpha1.MySQLCluster) string {
	best, bestLag := "", int64(math.MaxInt64)
	for _, m := range mc.Status.Members {
		lag := int64(math.MaxInt64 - 1) // unknown lag: last resort
		if m.LagSeconds != nil {
			lag = *m.LagSeconds
		}
		if m.Name != mc.Status.CurrentPrimary && m.Role == v1alpha1.RoleReplica && m.Ready && m.Serving && !m.Errant && lag < bestLag {
			best, bestLag = m.Name, lag
		}
	}
	return best
}
