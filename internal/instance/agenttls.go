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
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// The files of the mounted Secret NAME-tls (docs/security.md).
const (
	tlsCertName = "tls.crt"
	tlsKeyName  = "tls.key"
	tlsCAName   = "ca.crt"
)

// tlsFiles is the members' TLS identity in TLSDir, read again whenever the kubelet refreshes the
// mounted Secret; nil when the pod does not mount the certificates (TLS off, or a pod started
// before TLS was turned on): the agent then serves, and init then calls, plain HTTP as before.
func (p Paths) tlsFiles() *certs.Files {
	if p.TLSDir == "" {
		return nil
	}
	f := &certs.Files{CertFile: filepath.Join(p.TLSDir, tlsCertName), KeyFile: filepath.Join(p.TLSDir, tlsKeyName),
		CAFile: filepath.Join(p.TLSDir, tlsCAName)}
	for _, name := range []string{f.CertFile, f.KeyFile, f.CAFile} {
		if _, err := os.Stat(name); err != nil {
			return nil
		}
	}
	return f
}

// TLSConfig is the agent API's server configuration: the members' certificate, and a client
// certificate verified against the cluster's bundle when one is presented. It is optional at the
// handshake because the kubelet's probes present none; requireClientCert refuses every other
// call without one. nil when the pod has no certificates: plain HTTP.
func (a *Agent) TLSConfig() *tls.Config {
	if a.tls == nil {
		return nil
	}
	return a.tls.ServerConfigClientOptional()
}

// checkTLS reads the certificates now when the pod mounts them: unreadable ones would fail every
// handshake, the probes' too, so the agent says why at once (and exits) instead.
func (a *Agent) checkTLS() error {
	if a.tls == nil {
		return nil
	}
	if err := a.tls.Check(); err != nil {
		return fmt.Errorf("agent: the certificates in %s: %w", a.Paths.TLSDir, err)
	}
	a.Log.Info("agent API over mutual TLS", "certificates", a.Paths.TLSDir)
	return nil
}

// errNoClientCert is why a call without a verified client certificate is refused.
var errNoClientCert = errors.New("this agent serves mutual TLS: the call needs a client certificate signed by the cluster's CA")

// requireClientCert admits, when the agent serves TLS, only calls that presented a client
// certificate the handshake verified against the cluster's bundle (the operator's, or a member's
// for a peer's seed). The credentials are still checked after it: either alone is not enough.
func (a *Agent) requireClientCert(next http.HandlerFunc) http.HandlerFunc {
	if a.tls == nil {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
			http.Error(w, errNoClientCert.Error(), http.StatusForbidden)
			return
		}
		next(w, r)
	}
}

// fetchBackup asks the donor's agent (m.Donor) for its backup, as the replication account:
//   - this pod has no certificates: in plain HTTP, as before. When TLS is being turned off, a
//     donor that still serves it refuses until it restarts without; init fails and is retried.
//   - the seed request said whether the donor serves TLS (DonorTLS): over mutual TLS with the
//     members' certificate, the donor verified under its host name, or in plain HTTP.
//   - it did not say (the marker was written by an agent of an earlier build, or for a member
//     that did not serve TLS yet): over mutual TLS, and in plain HTTP only when the donor answers
//     the handshake in plain HTTP, i.e. it was started before TLS was turned on.
func (in *Init) fetchBackup(ctx context.Context, m SeedMarker) (*http.Response, error) {
	agent := agentapi.Client{HTTP: in.httpClient(), User: mysql.AccountReplication, Password: in.Env.ReplicationPassword}
	files := in.Paths.tlsFiles()
	switch {
	case files == nil:
		if m.DonorTLS != nil && *m.DonorTLS {
			in.Log.Warn("the donor serves TLS but this pod has no certificates: asking in plain HTTP", "donor", m.Donor)
		}
	case m.DonorTLS == nil || *m.DonorTLS:
		host, _, err := net.SplitHostPort(m.Donor)
		if err != nil {
			return nil, fmt.Errorf("donor %s: %w", m.Donor, err)
		}
		agent.TLS = files.ClientConfig(host)
	}
	resp, err := agent.Do(ctx, m.Donor, agentapi.Backup, nil)
	if err != nil && m.DonorTLS == nil && agent.TLS != nil && errors.Is(err, http.ErrSchemeMismatch) {
		in.Log.Warn("the donor answers in plain HTTP (started before TLS was turned on): asking again in plain HTTP",
			"donor", m.Donor)
		agent.TLS = nil
		resp, err = agent.Do(ctx, m.Donor, agentapi.Backup, nil)
	}
	return resp, err
}
