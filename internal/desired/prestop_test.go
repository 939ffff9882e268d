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

package desired

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// TestPreStopHook: the server's container runs the copied ordinal binary's prestop hook, which it
// can reach (the tools volume is mounted there), and the hook's bound leaves the server part of the
// grace period for a clean shutdown.
func TestPreStopHook(t *testing.T) {
	for name, cl := range map[string]*v1alpha1.MySQLCluster{"mariadb": mariadbCluster(), "mysql": mysqlCluster()} {
		pod := statefulSet(t, cl).Spec.Template.Spec
		i := slices.IndexFunc(pod.Containers, func(x corev1.Container) bool { return x.Name == ContainerMySQL })
		ctr := pod.Containers[i]
		if ctr.Lifecycle == nil || ctr.Lifecycle.PreStop == nil || ctr.Lifecycle.PreStop.Exec == nil {
			t.Fatalf("%s: no preStop exec hook on the server's container", name)
		}
		cmd := ctr.Lifecycle.PreStop.Exec.Command
		if len(cmd) < 2 || cmd[0] != AgentBinary || cmd[1] != "prestop" {
			t.Errorf("%s: preStop command %q", name, cmd)
		}
		if !slices.ContainsFunc(ctr.VolumeMounts, func(m corev1.VolumeMount) bool {
			return m.Name == VolumeTools && strings.HasPrefix(AgentBinary, m.MountPath+"/")
		}) {
			t.Errorf("%s: the server's container does not mount %s", name, AgentBinary)
		}
		grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
		if want := "--timeout=" + preStopTimeout.String(); !slices.Contains(cmd, want) || grace-preStopTimeout < 10*time.Second {
			t.Errorf("%s: preStop %q within a grace period of %v: want %s, at least 10s below it", name, cmd, grace, want)
		}
	}
}
