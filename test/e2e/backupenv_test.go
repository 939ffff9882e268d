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
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/objstore/s3test"
	"github.com/ordinal-dev/ordinal/test/workload"
)

// s3Bucket is the bucket the backup specs use.
const s3Bucket = "backups"

// startS3 runs a real S3 server (versitygw) on loopback for the spec, with the bucket created.
func startS3(ctx context.Context) *s3test.Server {
	GinkgoHelper()
	s3, err := s3test.StartIn(GinkgoT().TempDir())
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(s3.Stop)
	Expect(s3.MakeBucket(ctx, s3Bucket)).To(Succeed())
	return s3
}

// storeSecret creates the store's credentials Secret in ns.
func storeSecret(ctx context.Context, c client.Client, ns, name, access, secret string) {
	GinkgoHelper()
	s := &corev1.Secret{}
	s.Name, s.Namespace = name, ns
	s.StringData = map[string]string{v1alpha1.StoreAccessKeyKey: access, v1alpha1.StoreSecretKeyKey: secret}
	Expect(c.Create(ctx, s)).To(Succeed())
}

// ack is one acknowledged write: row id, committed before at, took from the request to the ack.
type ack struct {
	id   int64
	at   time.Time
	took time.Duration
}

// writer inserts rows into app.w (the table workload.RowIDs reads) through the primary Service, one every interval, and keeps
// what was acknowledged. Bounded by maxWrites and by its context.
type writer struct {
	mu   sync.Mutex
	acks []ack
	// gate is held for each write, and by pause: once pause holds it no write is in flight.
	gate sync.Mutex
	stop context.CancelFunc
	done chan struct{}
}

const maxWrites = 20000

func startWriter(ctx context.Context, addr, password string, interval time.Duration) *writer {
	GinkgoHelper()
	db := rootDB(addr, password)
	DeferCleanup(db.Close)
	_, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS app")
	Expect(err).NotTo(HaveOccurred())
	_, err = db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS app.w (id BIGINT PRIMARY KEY, at DATETIME(6) NOT NULL)")
	Expect(err).NotTo(HaveOccurred())
	wctx, cancel := context.WithCancel(context.Background())
	w := &writer{stop: cancel, done: make(chan struct{})}
	DeferCleanup(w.halt)
	go w.run(wctx, db, interval)
	return w
}

func (w *writer) run(ctx context.Context, db *sql.DB, interval time.Duration) {
	defer close(w.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for id := int64(1); id <= maxWrites && ctx.Err() == nil; id++ {
		w.gate.Lock()
		t0 := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := db.ExecContext(cctx, "INSERT INTO app.w (id, at) VALUES (?, NOW(6))", id)
		cancel()
		w.gate.Unlock()
		if err == nil {
			w.mu.Lock()
			w.acks = append(w.acks, ack{id: id, at: time.Now(), took: time.Since(t0)})
			w.mu.Unlock()
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}

// pause holds every write for d; it returns when no write was in flight (every write acknowledged
// before it committed before since) and the writes resume.
func (w *writer) pause(d time.Duration) (since time.Time) {
	w.gate.Lock()
	since = time.Now()
	time.Sleep(d)
	w.gate.Unlock()
	return since
}

// halt stops the writer and returns what it had acknowledged.
func (w *writer) halt() []ack {
	w.stop()
	<-w.done
	return w.acked()
}

func (w *writer) acked() []ack {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]ack(nil), w.acks...)
}

func rootDB(addr, password string) *sql.DB {
	db, err := sql.Open("mysql", workload.DSN("root", password, addr, "", 2*time.Second, 5*time.Second))
	Expect(err).NotTo(HaveOccurred())
	db.SetMaxOpenConns(2)
	return db
}

// clusterAccess is a cluster's root password and the primary Service's address.
func clusterAccess(ctx context.Context, c client.Client, ns string) (password, primary string) {
	GinkgoHelper()
	sec := &corev1.Secret{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mysql-credentials"}, sec)).To(Succeed())
	svc := &corev1.Service{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mysql-primary"}, svc)).To(Succeed())
	return string(sec.Data[v1alpha1.SecretKeyRootPassword]), net.JoinHostPort(svc.Spec.ClusterIP, mysqlPort)
}

// backupOf reads a MySQLBackup.
func backupOf(ctx context.Context, c client.Client, ns, name string) *v1alpha1.MySQLBackup {
	GinkgoHelper()
	b := &v1alpha1.MySQLBackup{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, b)).To(Succeed())
	return b
}

// describeBackup is a one-line summary for failure messages.
func describeBackup(b *v1alpha1.MySQLBackup) string {
	v := "-"
	if b.Status.Verification != nil {
		v = b.Status.Verification.Phase + ": " + b.Status.Verification.Message
	}
	return fmt.Sprintf("%s phase=%s member=%s error=%q attempts=%v verification=%s", b.Name, b.Status.Phase,
		b.Status.Member, b.Status.Error, b.Status.Attempts, v)
}

// conditionOf is a cluster condition's status and message, "" when absent.
func conditionOf(mc *v1alpha1.MySQLCluster, t string) string {
	c := meta.FindStatusCondition(mc.Status.Conditions, t)
	if c == nil {
		return ""
	}
	return string(c.Status) + " " + c.Reason + ": " + c.Message
}

// docBlock is the yaml block of docs/backups.md marked "<!-- test: name -->", with each pair of
// replacements applied; a replacement whose text the block lacks fails (the page changed).
func docBlock(name string, replace ...string) string {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(repo, "docs", "backups.md"))
	Expect(err).NotTo(HaveOccurred())
	_, rest, ok := strings.Cut(string(b), "<!-- test: "+name+" -->\n```yaml\n")
	Expect(ok).To(BeTrue(), "docs/backups.md has no block %q", name)
	block, _, ok := strings.Cut(rest, "```")
	Expect(ok).To(BeTrue())
	for i := 0; i+1 < len(replace); i += 2 {
		Expect(block).To(ContainSubstring(replace[i]), "block %q of docs/backups.md", name)
		block = strings.ReplaceAll(block, replace[i], replace[i+1])
	}
	return block
}

// latencies are the p50 and p99 write latencies of the acks acknowledged in [from, to).
func latencies(acks []ack, from, to time.Time) (p50, p99 time.Duration, n int) {
	var d []time.Duration
	for _, a := range acks {
		if !a.at.Before(from) && a.at.Before(to) {
			d = append(d, a.took)
		}
	}
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	return d[len(d)/2], d[min(len(d)-1, len(d)*99/100)], len(d)
}
