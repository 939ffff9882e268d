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
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/certs"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/test/workload"
)

// The objects of a cluster's TLS (docs/security.md), for the cluster named faultClusterName.
const (
	// caObject is the Secret holding the signing CA and the ConfigMap publishing the trust bundle.
	caObject = faultClusterName + "-ca"
	// tlsObject is the Secret the members mount: tls.crt, tls.key and the bundle ca.crt.
	tlsObject = faultClusterName + "-tls"
	caKey     = "ca.crt"
	// rotationWithin bounds a forced rotation: the new CA waits 90 s in the bundle before it signs,
	// the kubelet refreshes the mounted Secret, every member reloads.
	rotationWithin = 6 * time.Minute
	// bundleReread is how often the rotation's client reads the published bundle again, as an
	// application reading its mounted ConfigMap would see the kubelet's refreshes.
	bundleReread = 3 * time.Second
)

var _ = Describe("TLS between the members, the operator and applications", func() {
	BeforeEach(func() {
		if cluster == nil {
			Skip("the TLS specs need localkube: they dial ClusterIPs and pod IPs directly")
		}
	})

	It("replicates over verified TLS by default, refuses plain logins of repl and ordinal, and lets applications verify the primary", func(ctx SpecContext) {
		e := tlsCluster(ctx, "default", nil)
		waitAccountsRequireTLS(ctx, e)
		for _, rep := range e.replicas(ctx) {
			Eventually(func() (replicaTLS, error) { return replicationTLS(ctx, e, rep) }).
				WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).
				Should(Equal(replicating), "replication of %s", rep)
		}

		bundle := publishedCA(ctx, e.c, e.ns)
		Expect(bundle).NotTo(BeEmpty(), "ConfigMap %s publishes %s", caObject, caKey)
		cas, err := certs.ParseCerts(bundle)
		Expect(err).NotTo(HaveOccurred())
		Expect(cas).To(HaveLen(1), "a new cluster trusts one CA")
		pw := credentials(ctx, e)
		for name, addr := range e.topology().Members {
			for _, acc := range []struct{ user, key string }{
				{"repl", v1alpha1.SecretKeyReplicationPassword}, {"ordinal", v1alpha1.SecretKeyOperatorPassword},
			} {
				// REQUIRE SSL reaches the replicas through replication.
				Eventually(func() uint16 { return mysqlErrno(login(ctx, acc.user, pw[acc.key], addr, nil)) }).
					WithContext(ctx).WithTimeout(30*time.Second).Should(BeEquivalentTo(1045), "plain login as %s to %s", acc.user, name)
				Expect(login(ctx, acc.user, pw[acc.key], addr, verifyingTLS(bundle, memberServerName(e.ns, name)))).
					To(Succeed(), "verified TLS login as %s to %s", acc.user, name)
			}
		}

		// An application: the primary Service's ClusterIP, its name verified with the published CA.
		primaryName := "mysql-primary." + e.ns + ".svc"
		db := openTLS(e.user, e.password, e.primary, verifyingTLS(bundle, primaryName))
		defer db.Close()
		for _, s := range []string{"CREATE DATABASE IF NOT EXISTS tlsapp", "CREATE TABLE IF NOT EXISTS tlsapp.t (id INT PRIMARY KEY)",
			"INSERT INTO tlsapp.t VALUES (1)"} {
			_, err := db.ExecContext(ctx, s)
			Expect(err).NotTo(HaveOccurred(), "%s through %s over verified TLS", s, primaryName)
		}
		var variable, cipher string
		Expect(db.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&variable, &cipher)).To(Succeed())
		Expect(cipher).NotTo(BeEmpty(), "the session is encrypted")
		Expect(login(ctx, e.user, e.password, e.primary, verifyingTLS(nil, primaryName))).
			To(MatchError(ContainSubstring("certificate")), "a client trusting another CA refuses the server")
		Expect(login(ctx, e.user, e.password, e.primary, verifyingTLS(bundle, "mysql-primary.elsewhere.svc"))).
			To(MatchError(ContainSubstring("certificate")), "a client expecting another name refuses the server")

		// Status gives both expiries, as issued: a CA for a year, the certificate for 90 days.
		st := e.cluster(ctx).Status.TLS
		Expect(st).NotTo(BeNil())
		Expect(st.CANotAfter).NotTo(BeNil())
		Expect(st.CertificateNotAfter).NotTo(BeNil())
		leaf := secretCert(ctx, e)
		Expect(st.CANotAfter.Time).To(BeTemporally("~", cas[0].NotAfter, time.Second))
		Expect(st.CertificateNotAfter.Time).To(BeTemporally("~", leaf.NotAfter, time.Second))
		Expect(st.CANotAfter.Time).To(BeTemporally("~", time.Now().Add(certs.CAValidity), 24*time.Hour))
		Expect(st.CertificateNotAfter.Time).To(BeTemporally("~", time.Now().Add(certs.LeafValidity), 24*time.Hour))
		for name, addr := range e.topology().Members {
			served, err := servedCertificate(ctx, e, name, addr, bundle)
			Expect(err).NotTo(HaveOccurred())
			Expect(served.SerialNumber).To(Equal(leaf.SerialNumber), "%s serves the certificate of Secret %s", name, tlsObject)
		}
		Expect(kubectl(ctx, "-n", e.ns, "get", "events", "--field-selector", "reason=CertificateIssued", "-o", "name")).NotTo(BeEmpty())
	}, NodeTimeout(readyTimeout+6*time.Minute))

	It("rotates the CA and the certificate on demand under writes over TLS, restarting no pod and pausing no write over 1 s", func(ctx SpecContext) {
		e := tlsCluster(ctx, "rotate", nil)
		waitAccountsRequireTLS(ctx, e)
		// The application re-reads the published bundle every few seconds and verifies every
		// connection through the primary Service with the bundle it read last.
		bw := watchBundle(ctx, e.c, e.ns)
		e.clientTLS = bw.clientTLS("mysql-primary." + e.ns + ".svc")
		runScenario(ctx, rotateCertificates(bw), e)
		recs := recordedFaults(rotationScenario)
		Expect(recs).NotTo(BeEmpty())
		last := recs[len(recs)-1]
		Expect(last.Acked).To(BeNumerically(">", 100), "writes went on through the rotation")
		Expect(last.Pause).To(BeNumerically("<=", pauseTargets[rotationScenario]),
			"the longest write pause during the rotation (issue 12: none over %s)", pauseTargets[rotationScenario])
	}, NodeTimeout(readyTimeout+rotationWithin+8*time.Minute))

	It("runs without TLS when spec.tls.enabled is false", func(ctx SpecContext) {
		e := tlsCluster(ctx, "off", func(m string) string {
			return strings.Replace(m, "  replicas: 3\n", "  replicas: 3\n  tls:\n    enabled: false\n", 1)
		})
		for _, rep := range e.replicas(ctx) {
			Eventually(func() (replicaTLS, error) { return replicationTLS(ctx, e, rep) }).
				WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).
				Should(HaveField("Allowed", "No"), "replication of %s", rep)
			Expect(replicationTLS(ctx, e, rep)).To(SatisfyAll(HaveField("IO", "Yes"), HaveField("SQL", "Yes")), rep)
		}
		pw := credentials(ctx, e)
		for name, addr := range e.topology().Members {
			Expect(login(ctx, "repl", pw[v1alpha1.SecretKeyReplicationPassword], addr, nil)).To(Succeed(), "plain login as repl to %s", name)
			Expect(login(ctx, "ordinal", pw[v1alpha1.SecretKeyOperatorPassword], addr, nil)).To(Succeed(), "plain login as ordinal to %s", name)
		}
		err := e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: tlsObject}, &corev1.Secret{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no Secret %s: %v", tlsObject, err)
		if st := e.cluster(ctx).Status.TLS; st != nil {
			Expect(st.AccountsRequireTLS).To(BeFalse())
		}
	}, NodeTimeout(readyTimeout+4*time.Minute))

	It("serves the agent API over mutual TLS: refuses calls without a client certificate, and still seeds a new member", func(ctx SpecContext) {
		e := tlsCluster(ctx, "agent", nil)
		agentRefusesWithoutClientCert(ctx, e)
		seedsNewMemberOverTLS(ctx, e)
	}, NodeTimeout(readyTimeout+2*time.Minute+seedWithin))
})

// tlsCluster creates the sample cluster, changed by edit, in a namespace of its own that goes when
// the spec ends, and returns it Ready.
func tlsCluster(ctx context.Context, what string, edit func(string) string) *faultEnv {
	GinkgoHelper()
	ns := faultNamespace("tls-" + what)
	createFaultCluster(ctx, ns, edit)
	deleteAfterSpec(ns)
	return openFaultEnv(ctx, "tls-"+what, ns)
}

// rotationScenario names the forced rotation in pauseTargets and the FAULT-RESULT lines.
const rotationScenario = "rotate-certificates"

// rotateCertificates is a fault-suite scenario: the rotate-certificates annotation, then a wait
// (bounded) until every member serves the certificate of Secret NAME-tls, signed by a CA created
// after the annotation's time. Afterwards no pod may have restarted, replication runs over verified
// TLS, the old CA is still trusted and status shows the new CA's expiry. The notes give the
// rotation's duration and how long the new CA was published before a member served it.
func rotateCertificates(bw *bundleWatch) scenario {
	return scenario{
		name: rotationScenario, text: "rotates the CA and the server certificate by annotation",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			before := podIdentities(ctx, e.c, e.ns)
			oldCAs := bundleCerts(ctx, e)
			oldCANotAfter := caNotAfter(e.cluster(ctx).Status.TLS)
			at := time.Now().UTC().Truncate(time.Second)
			asked := time.Now()
			kubectl(ctx, "-n", e.ns, "annotate", "--overwrite", "mysqlcluster/mysql", v1alpha1.AnnotationRotateCertificates+"="+at.Format(time.RFC3339))
			var firstNew time.Time // the first look at which a member served a certificate of the new CA
			Eventually(func() string {
				missing, newServed := rotationState(ctx, e, at)
				if newServed && firstNew.IsZero() {
					firstNew = time.Now()
				}
				return missing
			}).WithContext(ctx).WithTimeout(rotationWithin).WithPolling(2*time.Second).Should(BeEmpty(), "the rotation reaches every member")
			r.note("rotation", time.Since(asked).Round(100*time.Millisecond))
			// The new CA was in the published bundle for CALead before a member served its
			// certificate (the bundle is read every bundleReread, the members looked at every 2 s).
			newCA := issuerIn(secretCert(ctx, e), bundleCerts(ctx, e))
			Expect(newCA).NotTo(BeNil(), "the certificate of Secret %s chains to the published bundle", tlsObject)
			published, seen := bw.firstSeen(newCA)
			lead := firstNew.Sub(published)
			r.note("ca_lead", lead.Round(100*time.Millisecond))
			r.after = append(r.after, func(ctx context.Context) []string {
				var out []string
				if !seen || lead < certs.CALead-bundleReread-2*time.Second {
					out = append(out, fmt.Sprintf("the new CA was published at %s (seen: %v) and first served at %s: %s before, want %s",
						published.Format("15:04:05"), seen, firstNew.Format("15:04:05"), lead.Round(time.Second), certs.CALead))
				}
				after, restarted := podIdentities(ctx, e.c, e.ns), 0
				for name, id := range before {
					if after[name] != id {
						restarted++
						out = append(out, fmt.Sprintf("%s restarted or re-created during the rotation: %s, then %s", name, id, after[name]))
					}
				}
				r.note("restarted", restarted)
				for _, rep := range e.replicas(ctx) {
					if st, err := replicationTLS(ctx, e, rep); err != nil || st != replicating {
						out = append(out, fmt.Sprintf("replication of %s after the rotation: %+v %v", rep, st, err))
					}
				}
				// The old CA stays trusted until it expires: in the published bundle and the members' one.
				members, err := certs.ParseCerts(tlsSecret(ctx, e).Data[caKey])
				for _, old := range oldCAs {
					if !holds(bundleCerts(ctx, e), old) {
						out = append(out, fmt.Sprintf("the old CA %s left ConfigMap %s", old.Subject, caObject))
					}
					if err != nil || !holds(members, old) {
						out = append(out, fmt.Sprintf("the old CA %s left Secret %s (%v)", old.Subject, tlsObject, err))
					}
				}
				if !within(ctx, 30*time.Second, func() bool { return caNotAfter(e.cluster(ctx).Status.TLS).Equal(newCA.NotAfter) }) {
					out = append(out, fmt.Sprintf("status.tls.caNotAfter is %s (before the rotation %s), not the new CA's %s",
						caNotAfter(e.cluster(ctx).Status.TLS), oldCANotAfter, newCA.NotAfter))
				}
				if st := e.cluster(ctx).Status.TLS; st == nil || !st.AccountsRequireTLS {
					out = append(out, "status.tls.accountsRequireTLS is no longer true")
				}
				return append(out, reported(ctx, e, "CertificateReloaded")...)
			})
		},
	}
}

// waitAccountsRequireTLS waits (bounded) for status.tls.accountsRequireTLS: every member serves
// TLS, every replica replicates over it, and repl and ordinal refuse plain logins.
func waitAccountsRequireTLS(ctx context.Context, e *faultEnv) {
	GinkgoHelper()
	Eventually(func() bool {
		st := e.cluster(ctx).Status.TLS
		return st != nil && st.AccountsRequireTLS
	}).WithContext(ctx).WithTimeout(3*time.Minute).WithPolling(time.Second).Should(BeTrue(), "status.tls.accountsRequireTLS in %s", e.ns)
}

// memberServerName is the name a client verifies a member by: NAME-i.NAME.NS.svc.
func memberServerName(ns, member string) string {
	return member + "." + faultClusterName + "." + ns + ".svc"
}

// publishedCA is the trust bundle the cluster publishes for applications (ConfigMap NAME-ca, key
// ca.crt); nil when there is none (TLS off).
func publishedCA(ctx context.Context, c client.Client, ns string) []byte {
	GinkgoHelper()
	cm := &corev1.ConfigMap{}
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: caObject}, cm)
	if apierrors.IsNotFound(err) {
		return nil
	}
	Expect(err).NotTo(HaveOccurred())
	return []byte(cm.Data[caKey])
}

func bundleCerts(ctx context.Context, e *faultEnv) []*x509.Certificate {
	GinkgoHelper()
	cas, err := certs.ParseCerts(publishedCA(ctx, e.c, e.ns))
	Expect(err).NotTo(HaveOccurred(), "ConfigMap %s", caObject)
	return cas
}

// verifyingTLS verifies the server as an application holding the bundle does: its chain against
// the bundle, and serverName.
func verifyingTLS(bundle []byte, serverName string) *tls.Config {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(bundle)
	return &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12}
}

func tlsSecret(ctx context.Context, e *faultEnv) *corev1.Secret {
	GinkgoHelper()
	sec := &corev1.Secret{}
	Expect(e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: tlsObject}, sec)).To(Succeed())
	return sec
}

// secretCert is the server certificate of Secret NAME-tls (tls.crt), the one every member serves.
func secretCert(ctx context.Context, e *faultEnv) *x509.Certificate {
	GinkgoHelper()
	leaf, err := certs.ParseCert(tlsSecret(ctx, e).Data[corev1.TLSCertKey])
	Expect(err).NotTo(HaveOccurred(), "Secret %s", tlsObject)
	return leaf
}

// issuerIn is the CA of cas that signed cert, nil when none did.
func issuerIn(cert *x509.Certificate, cas []*x509.Certificate) *x509.Certificate {
	for _, ca := range cas {
		if cert.CheckSignatureFrom(ca) == nil {
			return ca
		}
	}
	return nil
}

// holds reports whether cas holds ca itself.
func holds(cas []*x509.Certificate, ca *x509.Certificate) bool {
	return slices.ContainsFunc(cas, func(c *x509.Certificate) bool { return bytes.Equal(c.Raw, ca.Raw) })
}

// credentials are the cluster's passwords by Secret key.
func credentials(ctx context.Context, e *faultEnv) map[string]string {
	GinkgoHelper()
	sec := &corev1.Secret{}
	Expect(e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: faultClusterName + "-credentials"}, sec)).To(Succeed())
	out := map[string]string{}
	for k, v := range sec.Data {
		out[k] = string(v)
	}
	return out
}

// openTLS opens a DB for user at addr over TLS with tc (nil: plain).
func openTLS(user, password, addr string, tc *tls.Config) *sql.DB {
	GinkgoHelper()
	cfg := workload.DriverConfig(user, password, addr, "", 2*time.Second, 10*time.Second)
	cfg.TLS = tc
	db, err := workload.OpenConfig(cfg)
	Expect(err).NotTo(HaveOccurred())
	return db
}

// login logs in as user at addr, over TLS with tc (nil: plain), and returns the refusal if any.
func login(ctx context.Context, user, password, addr string, tc *tls.Config) error {
	db := openTLS(user, password, addr, tc)
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// mysqlErrno is the server's error number in err, 0 when it holds none.
func mysqlErrno(err error) uint16 {
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// replicaTLS is what a replica says of its connection to its source.
type replicaTLS struct {
	// Allowed and Verify: Master_SSL_Allowed and Master_SSL_Verify_Server_Cert (MySQL: Source_…);
	// IO and SQL: the threads running (Slave_IO_Running, Slave_SQL_Running; MySQL: Replica_…).
	Allowed, Verify, IO, SQL string
}

// replicating is a replica connected over TLS that verified its source, both threads running.
var replicating = replicaTLS{Allowed: "Yes", Verify: "Yes", IO: "Yes", SQL: "Yes"}

// replicationTLS reads SHOW SLAVE STATUS (MySQL: SHOW REPLICA STATUS) of member as root over its
// pod IP.
func replicationTLS(ctx context.Context, e *faultEnv, member string) (replicaTLS, error) {
	query, source, replica := "SHOW SLAVE STATUS", "Master", "Slave"
	if flavor == "mysql" {
		query, source, replica = "SHOW REPLICA STATUS", "Source", "Replica"
	}
	db := openDB(e, e.memberAddr(ctx, member), "")
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return replicaTLS{}, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return replicaTLS{}, err
	}
	if !rows.Next() {
		return replicaTLS{}, fmt.Errorf("%s: no replication configured (%v)", member, rows.Err())
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return replicaTLS{}, err
	}
	col := func(name string) string {
		if i := slices.Index(cols, name); i >= 0 {
			return vals[i].String
		}
		return "(no column " + name + ")"
	}
	return replicaTLS{Allowed: col(source + "_SSL_Allowed"), Verify: col(source + "_SSL_Verify_Server_Cert"),
		IO: col(replica + "_IO_Running"), SQL: col(replica + "_SQL_Running")}, nil
}

// servedCertificate is the certificate member (at addr) presents, verified with bundle and its name.
func servedCertificate(ctx context.Context, e *faultEnv, member, addr string, bundle []byte) (*x509.Certificate, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, err
	}
	return mysql.ServedCertificate(ctx, mysql.Config{Host: host, Port: p, User: e.user, Password: e.password,
		TLS: verifyingTLS(bundle, memberServerName(e.ns, member)), ConnectTimeout: 2 * time.Second,
		ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
}

// rotationState is one look at a rotation asked for at: what is still missing ("" once the
// certificate of Secret NAME-tls is signed by a CA created at or after at, and every member serves
// it, verified with the published bundle and its name), and whether some member already serves a
// certificate of such a CA.
func rotationState(ctx context.Context, e *faultEnv, at time.Time) (string, bool) {
	GinkgoHelper()
	bundle := publishedCA(ctx, e.c, e.ns)
	cas, err := certs.ParseCerts(bundle)
	if err != nil {
		return "published bundle: " + err.Error(), false
	}
	// A CA's NotAfter is its creation plus CAValidity (its NotBefore is backdated).
	isNew := func(cert *x509.Certificate) bool {
		ca := issuerIn(cert, cas)
		return ca != nil && !ca.NotAfter.Add(-certs.CAValidity).Before(at)
	}
	var missing []string
	leaf := secretCert(ctx, e)
	if !isNew(leaf) {
		missing = append(missing, fmt.Sprintf("Secret %s holds a certificate of a CA from before the rotation", tlsObject))
	}
	newServed := false
	members := e.topology().Members
	for _, name := range slices.Sorted(maps.Keys(members)) {
		served, err := servedCertificate(ctx, e, name, members[name], bundle)
		switch {
		case err != nil:
			missing = append(missing, name+": "+err.Error())
		case served.SerialNumber.Cmp(leaf.SerialNumber) != 0:
			missing = append(missing, fmt.Sprintf("%s serves serial %s, the Secret holds %s", name, served.SerialNumber, leaf.SerialNumber))
		}
		if err == nil && isNew(served) {
			newServed = true
		}
	}
	return strings.Join(missing, "; "), newServed
}

// caNotAfter is status.tls.caNotAfter, zero when unset.
func caNotAfter(st *v1alpha1.TLSStatus) time.Time {
	if st == nil || st.CANotAfter == nil {
		return time.Time{}
	}
	return st.CANotAfter.Time
}

// bundleWatch is an application's view of the published bundle: read again every bundleReread
// (the kubelet refreshes a mounted ConfigMap the same way), the last good read kept.
type bundleWatch struct {
	stop func()

	mu    sync.Mutex
	roots *x509.CertPool
	seen  map[string]time.Time // a CA (DER) → when a read first held it
}

// watchBundle reads the published bundle now and then every bundleReread, bounded in time (15 min)
// and count (500 reads), until stop or the spec's end.
func watchBundle(ctx context.Context, c client.Client, ns string) *bundleWatch {
	GinkgoHelper()
	b := &bundleWatch{seen: map[string]time.Time{}}
	Expect(b.read(ctx, c, ns)).To(Succeed(), "the bundle published in %s", ns)
	wctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; n < 500 && wctx.Err() == nil; n++ {
			sleepCtx(wctx, bundleReread)
			_ = b.read(wctx, c, ns) // a failed read keeps the bundle read last, as a mounted file would
		}
	}()
	b.stop = sync.OnceFunc(func() { cancel(); <-done })
	DeferCleanup(b.stop)
	return b
}

func (b *bundleWatch) read(ctx context.Context, c client.Client, ns string) error {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cm := &corev1.ConfigMap{}
	if err := c.Get(rctx, client.ObjectKey{Namespace: ns, Name: caObject}, cm); err != nil {
		return err
	}
	cas, err := certs.ParseCerts([]byte(cm.Data[caKey]))
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	now := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ca := range cas {
		roots.AddCert(ca)
		if _, ok := b.seen[string(ca.Raw)]; !ok {
			b.seen[string(ca.Raw)] = now
		}
	}
	b.roots = roots
	return nil
}

// firstSeen is when a read of the bundle first held ca.
func (b *bundleWatch) firstSeen(ca *x509.Certificate) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.seen[string(ca.Raw)]
	return t, ok
}

// clientTLS verifies every handshake against the bundle read last and serverName: Go verifies
// against a fixed pool only, so the chain is checked by VerifyConnection.
func (b *bundleWatch) clientTLS(serverName string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: serverName,
		// Verified below against the bundle current at the handshake.
		InsecureSkipVerify: true, //nolint:gosec // VerifyConnection verifies the chain and the name.
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server presented no certificate")
			}
			b.mu.Lock()
			opts := x509.VerifyOptions{Roots: b.roots, DNSName: serverName, Intermediates: x509.NewCertPool()}
			b.mu.Unlock()
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		},
	}
}
