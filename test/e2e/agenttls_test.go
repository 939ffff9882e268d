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
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// seedWithin bounds scaling a TLS cluster up by one member: the pod starts, is seeded from a
// donor's agent over mutual TLS, restarts and becomes ready.
const seedWithin = 5 * time.Minute

// agentCall makes one call to a member's agent at addr (pod IP:port) over tc (nil: plain HTTP)
// with HTTP Basic credentials, and returns the status, or the error when there is no answer.
func agentCall(ctx context.Context, addr string, tc *tls.Config, method, path, user, password, body string) (int, error) {
	scheme := "https://"
	if tc == nil {
		scheme = "http://"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, scheme+addr+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}

// strangerCert is a client certificate named like the operator's, from a CA of elsewhere.
func strangerCert() tls.Certificate {
	GinkgoHelper()
	ca, err := certs.NewCA("elsewhere", time.Now(), time.Hour)
	Expect(err).NotTo(HaveOccurred())
	p, err := ca.IssueClient("ordinal-operator", time.Now(), time.Hour)
	Expect(err).NotTo(HaveOccurred())
	cert, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM)
	Expect(err).NotTo(HaveOccurred())
	return cert
}

// agentRefusesWithoutClientCert: every member's agent serves HTTPS with the members' certificate
// (verified with the cluster's bundle under the member's name) and answers the kubelet's probes
// without a client certificate; a call of the API with the right password but without a client
// certificate gets through the handshake and is refused (403), a plain HTTP call is refused, and
// a client certificate of another CA fails the handshake.
func agentRefusesWithoutClientCert(ctx context.Context, e *faultEnv) {
	GinkgoHelper()
	bundle := tlsSecret(ctx, e).Data[caKey]
	pw := credentials(ctx, e)
	operator, repl := pw[v1alpha1.SecretKeyOperatorPassword], pw[v1alpha1.SecretKeyReplicationPassword]
	stranger := strangerCert()
	pods, err := memberPods(ctx, e.c, e.ns)
	Expect(err).NotTo(HaveOccurred())
	for _, p := range pods {
		addr := net.JoinHostPort(p.Status.PodIP, strconv.Itoa(desired.PortAgent))
		onlyCA := verifyingTLS(bundle, memberServerName(e.ns, p.Name))
		donor := fmt.Sprintf(`{"donor":"%s:%d"}`, memberServerName(e.ns, pods[0].Name), desired.PortAgent)
		Expect(agentCall(ctx, addr, onlyCA, http.MethodGet, "/livez", "", "", "")).
			To(Equal(http.StatusOK), "the probes of %s need no client certificate", p.Name)
		Expect(agentCall(ctx, addr, onlyCA, agentapi.Seed.Method, agentapi.Seed.Path(), "ordinal", operator, donor)).
			To(Equal(http.StatusForbidden), "POST %s to %s with the operator's password, without a client certificate", agentapi.Seed.Path(), p.Name)
		Expect(agentCall(ctx, addr, onlyCA, agentapi.Backup.Method, agentapi.Backup.Path(), "repl", repl, "")).
			To(Equal(http.StatusForbidden), "GET %s from %s with the replication password, without a client certificate", agentapi.Backup.Path(), p.Name)
		Expect(agentCall(ctx, addr, nil, agentapi.Seed.Method, agentapi.Seed.Path(), "ordinal", operator, donor)).
			To(Equal(http.StatusBadRequest), "POST %s to %s in plain HTTP (Go's TLS server answers 400)", agentapi.Seed.Path(), p.Name)
		withStranger := onlyCA.Clone()
		withStranger.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &stranger, nil }
		_, err := agentCall(ctx, addr, withStranger, agentapi.Seed.Method, agentapi.Seed.Path(), "ordinal", operator, donor)
		Expect(err).To(HaveOccurred(), "%s accepted a client certificate of another CA", p.Name)
	}
}

// seedsNewMemberOverTLS: rows written, the cluster scales up by one member, which the operator
// seeds from a donor (asking the new member's agent over mutual TLS; its init then fetches the
// donor's backup over mutual TLS on MariaDB, and clones over the server port on MySQL) and which
// becomes ready with every row.
func seedsNewMemberOverTLS(ctx context.Context, e *faultEnv) {
	GinkgoHelper()
	db := openDB(e, e.primary, "")
	defer db.Close()
	for _, s := range []string{"CREATE DATABASE IF NOT EXISTS agenttls", "CREATE TABLE IF NOT EXISTS agenttls.t (id INT PRIMARY KEY)",
		"INSERT INTO agenttls.t VALUES (1), (2), (3)"} {
		_, err := db.ExecContext(ctx, s)
		Expect(err).NotTo(HaveOccurred(), s)
	}
	kubectl(ctx, "-n", e.ns, "scale", "mysqlcluster/"+faultClusterName, "--replicas=4")
	Eventually(func() string { _, why := clusterReady(ctx, e.c, e.ns); return why }).
		WithContext(ctx).WithTimeout(seedWithin).WithPolling(2*time.Second).Should(BeEmpty(), "4 members ready")
	newMember := faultClusterName + "-3"
	Expect(kubectl(ctx, "-n", e.ns, "get", "events", "--field-selector", "reason=Seed", "-o", "jsonpath={.items[*].message}")).
		To(ContainSubstring(newMember), "the operator seeded %s", newMember)
	member := openDB(e, e.memberAddr(ctx, newMember), "")
	defer member.Close()
	Eventually(func() (int, error) {
		var n int
		err := member.QueryRowContext(ctx, "SELECT COUNT(*) FROM agenttls.t").Scan(&n)
		return n, err
	}).WithContext(ctx).WithTimeout(30*time.Second).Should(Equal(3), "rows on %s", newMember)
}
