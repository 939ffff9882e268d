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
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// certificateGVK is cert-manager's Certificate; the suite reads it as unstructured data, as the
// operator does.
var certificateGVK = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}

// cmIssuers is a CA of the test's own in cert-manager, as its documentation sets one up: a
// SelfSigned Issuer signs the CA Certificate root-ca, whose Secret the CA Issuer "ca" signs with.
const cmIssuers = `apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: selfsigned
spec:
  selfSigned: {}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: root-ca
spec:
  isCA: true
  commonName: e2e root CA
  secretName: root-ca
  privateKey:
    algorithm: ECDSA
    size: 256
  issuerRef:
    name: selfsigned
    kind: Issuer
`

// cmCAIssuer is the CA Issuer "ca" of cmIssuers' root-ca.
const cmCAIssuer = `apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: ca
spec:
  ca:
    secretName: root-ca
`

// startCertManager installs cert-manager's CRDs (bin/cert-manager-crds, kept afterwards: other
// runs reuse them) and runs its controller (bin/cert-manager, hack/build-cert-manager.sh) as a host
// process against the suite's cluster until the calling container ends. Its log is kept when a
// spec fails or E2E_KEEP is set.
func startCertManager(ctx context.Context) {
	GinkgoHelper()
	bin := filepath.Join(repo, "bin", "cert-manager")
	if _, err := os.Stat(bin); err != nil {
		Fail("bin/cert-manager is missing: run make cert-manager-binaries (make test-e2e does)")
	}
	kubectl(ctx, "apply", "--server-side", "--force-conflicts", "-f", filepath.Join(repo, "bin", "cert-manager-crds"))
	kubectl(ctx, "wait", "--for=condition=Established", "--timeout=60s", "crd/certificates.cert-manager.io",
		"crd/certificaterequests.cert-manager.io", "crd/issuers.cert-manager.io", "crd/clusterissuers.cert-manager.io")
	dir, err := os.MkdirTemp("", "ordinal-cert-manager-")
	Expect(err).NotTo(HaveOccurred())
	logPath := filepath.Join(dir, "cert-manager.log")
	f, err := os.Create(logPath)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close() // the child holds its own descriptor
	cmd := exec.Command(bin, "--kubeconfig", kubeconfig, "--v=2")
	cmd.Stdout, cmd.Stderr = f, f
	// Its own group, and killed with the test process if that dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	Expect(cmd.Start()).To(Succeed())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	GinkgoWriter.Printf("cert-manager (pid %d) logs to %s\n", cmd.Process.Pid, logPath)
	DeferCleanup(func() {
		stopProcess(cmd, done)
		if os.Getenv("E2E_KEEP") == "" && !CurrentSpecReport().Failed() {
			_ = os.RemoveAll(dir)
		} else {
			tail, _ := exec.Command("tail", "-n", "40", logPath).Output()
			GinkgoWriter.Printf("cert-manager's log (%s) ends:\n%s\n", logPath, tail)
		}
	})
}

// stopProcess ends cmd's process group: SIGTERM, then SIGKILL after 10 s.
func stopProcess(cmd *exec.Cmd, done <-chan error) {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-done:
		return
	case <-time.After(10 * time.Second):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-done
}

// certificate reads a cert-manager Certificate.
func certificate(ctx context.Context, c client.Client, ns, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(certificateGVK)
	return u, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u)
}

// certificateCondition is the status of a Certificate's condition typ ("" when absent).
func certificateCondition(u *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, e := range conds {
		if m, ok := e.(map[string]any); ok && m["type"] == typ {
			return fmt.Sprint(m["status"])
		}
	}
	return ""
}

// renewCertificate asks cert-manager to issue a Certificate again now, as `cmctl renew` does:
// the Issuing condition set on its status.
func renewCertificate(ctx context.Context, c client.Client, ns, name string) {
	GinkgoHelper()
	Eventually(func() error {
		u, err := certificate(ctx, c, ns, name)
		if err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		conds = append(conds, map[string]any{"type": "Issuing", "status": "True", "reason": "ManuallyTriggered",
			"message": "renewal asked for by the e2e suite", "lastTransitionTime": time.Now().UTC().Format(time.RFC3339)})
		if err := unstructured.SetNestedSlice(u.Object, conds, "status", "conditions"); err != nil {
			return err
		}
		return c.Status().Update(ctx, u)
	}).WithContext(ctx).WithTimeout(30 * time.Second).Should(Succeed())
}

// tlsWriter inserts rows through the primary Service over verified TLS, one every 100 ms, until
// stopped, bounded in time (5 min) and count (3000 rows).
type tlsWriter struct {
	done    chan struct{}
	cancel  context.CancelFunc
	acked   []int // the ids of the acknowledged rows
	errs    int
	lastErr error
}

// startTLSWriter creates the table e2e.cm and starts writing to it; stop it with stop.
func startTLSWriter(ctx context.Context, e *faultEnv, caPEM []byte, serverName string) *tlsWriter {
	GinkgoHelper()
	db := openTLS(e.user, e.password, e.primary, verifyingTLS(caPEM, serverName))
	for _, q := range []string{"CREATE DATABASE IF NOT EXISTS e2e", "CREATE TABLE IF NOT EXISTS e2e.cm (id INT PRIMARY KEY)"} {
		_, err := db.ExecContext(ctx, q)
		Expect(err).NotTo(HaveOccurred(), "%s over verified TLS", q)
	}
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	w := &tlsWriter{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(w.done)
		defer db.Close()
		for i := 0; i < 3000 && wctx.Err() == nil; i++ {
			qctx, qcancel := context.WithTimeout(wctx, 5*time.Second)
			_, err := db.ExecContext(qctx, "INSERT INTO e2e.cm (id) VALUES (?)", i+1)
			qcancel()
			if err == nil {
				w.acked = append(w.acked, i+1)
			} else if wctx.Err() == nil {
				w.errs, w.lastErr = w.errs+1, err
			}
			select {
			case <-wctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return w
}

// stop ends the writer and returns the ids of the rows it wrote.
func (w *tlsWriter) stop() []int {
	w.cancel()
	<-w.done
	return w.acked
}

// expectRowsEverywhere waits (bounded) until every member holds every acknowledged row.
func expectRowsEverywhere(ctx context.Context, e *faultEnv, acked []int) {
	GinkgoHelper()
	for name, addr := range e.topology().Members {
		db := openDB(e, addr, "")
		Eventually(func() ([]int, error) {
			rows, err := db.QueryContext(ctx, "SELECT id FROM e2e.cm")
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			have := map[int]bool{}
			for rows.Next() {
				var id int
				if err := rows.Scan(&id); err != nil {
					return nil, err
				}
				have[id] = true
			}
			var missing []int
			for _, id := range acked {
				if !have[id] {
					missing = append(missing, id)
				}
			}
			return missing, rows.Err()
		}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).Should(BeEmpty(),
			"every acknowledged write is on %s", name)
		_ = db.Close()
	}
}
