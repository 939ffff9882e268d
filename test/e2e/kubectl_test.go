//go:build e2e

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

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// kubectlOut runs bin/kubectl against the suite's cluster and returns its output.
func kubectlOut(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repo, "bin", "kubectl"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out.String(), nil
}

// kubectl runs bin/kubectl and fails the spec on error.
func kubectl(ctx context.Context, args ...string) string {
	GinkgoHelper()
	out, err := kubectlOut(ctx, args...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// sqlIn runs a query with the engine's client inside pod (its mysql container), against host
// (a stable DNS name or Service name, resolved inside the pod), as root.
func sqlIn(ctx context.Context, ns, pod, host, query string) (string, error) {
	client := "mariadb"
	if flavor == "mysql" {
		client = "mysql"
	}
	pw, err := kubectlOut(ctx, "-n", ns, "get", "secret", "mysql-credentials", "-o", "jsonpath={.data.root-password}")
	if err != nil {
		return "", err
	}
	script := fmt.Sprintf("%s -h %s -uroot -p\"$(echo %s | base64 -d)\" -N -B -e %q", client, host, pw, query)
	out, err := kubectlOut(ctx, "-n", ns, "exec", pod, "-c", "mysql", "--", "sh", "-c", script)
	return strings.TrimSpace(out), err
}
