//go:build integration

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

package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/agentapi"
	"github.com/ordinal-dev/ordinal/internal/backup"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/objstore"
	"github.com/ordinal-dev/ordinal/internal/objstore/s3test"
)

// standInAgent answers the store-backup calls on ip:PortAgent the way a member's agent does:
// a backup it is asked for fails when fail is set, else succeeds with a manifest.
type standInAgent struct {
	member string
	fail   bool
	mu     sync.Mutex
	job    agentapi.BackupJob
}

func (a *standInAgent) serve(t *testing.T, ip string) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+agentapi.StartStoreBackup.Path(), func(w http.ResponseWriter, r *http.Request) {
		var req agentapi.StoreBackupRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		a.mu.Lock()
		defer a.mu.Unlock()
		a.job = agentapi.BackupJob{Name: req.Name, Phase: agentapi.JobSucceeded}
		if a.fail {
			a.job.Phase, a.job.Error = agentapi.JobFailed, "mariadb-backup: exit status 1: disk full on "+a.member
		} else {
			now := time.Now().UTC()
			a.job.Manifest = &backup.Manifest{Name: req.Name, Member: a.member, Start: now.Add(-3 * time.Second), End: now,
				Size: 4242, GTIDPosition: "0-1-77", ServerVersion: "10.11.14-MariaDB"}
		}
		_ = json.NewEncoder(w).Encode(a.job)
	})
	mux.HandleFunc("GET "+agentapi.StoreBackupStatus.Path(), func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		_ = json.NewEncoder(w).Encode(a.job)
	})
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(desired.PortAgent)))
	if err != nil {
		t.Fatalf("stand-in agent on %s: %v", ip, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
}

// backupFixture is a 3-member cluster with backups to a real S3 server, its replicas' agents
// stood in for, and a MySQLBackup of it.
func backupFixture(t *testing.T, secretKey string, failing ...string) (*BackupReconciler, client.Client) {
	s3 := s3test.Start(t)
	s3.CreateBucket(t, "backups")
	if secretKey == "" {
		secretKey = s3.SecretKey
	}
	c := testCluster(3)
	c.Status.CurrentPrimary = "mysql-0"
	c.Spec.Backup = &v1alpha1.Backup{Store: v1alpha1.ObjectStore{Endpoint: s3.Endpoint, Bucket: "backups", CredentialsSecretName: "s3"}}
	objs := []client.Object{c,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s3"}, Data: map[string][]byte{
			v1alpha1.StoreAccessKeyKey: []byte(s3.AccessKey), v1alpha1.StoreSecretKeyKey: []byte(secretKey)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: c.CredentialsSecretName()}, Data: map[string][]byte{
			v1alpha1.SecretKeyOperatorPassword: []byte("op")}},
		&v1alpha1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b1", Generation: 1},
			Spec: v1alpha1.MySQLBackupSpec{Cluster: "mysql"}},
	}
	base := 10 + time.Now().UnixNano()%200 // a loopback block of this run's own
	for i := range 3 {
		name := fmt.Sprintf("mysql-%d", i)
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: desired.SelectorLabels(c)}}
		p.Labels[v1alpha1.LabelRole], p.Labels[v1alpha1.LabelServing] = v1alpha1.RoleReplica, "true"
		if i == 0 {
			p.Labels[v1alpha1.LabelRole] = v1alpha1.RolePrimary
		}
		p.Status.PodIP = fmt.Sprintf("127.78.%d.%d", base, i+1)
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		objs = append(objs, p)
		agent := &standInAgent{member: name, fail: strings.Contains(strings.Join(failing, ","), name)}
		agent.serve(t, p.Status.PodIP)
	}
	cl := fake.NewClientBuilder().WithScheme(testScheme()).WithObjects(objs...).
		WithStatusSubresource(&v1alpha1.MySQLBackup{}, &v1alpha1.MySQLCluster{}).Build()
	return &BackupReconciler{Client: cl, APIReader: cl, Scheme: testScheme(), Recorder: events.NewFakeRecorder(100)}, cl
}

// run reconciles b1 until it needs no further look, or n passes.
func run(t *testing.T, r *BackupReconciler, cl client.Client, n int) *v1alpha1.MySQLBackup {
	ctx := context.Background()
	b := &v1alpha1.MySQLBackup{}
	for range n {
		res, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Namespace: "ns", Name: "b1"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "b1"}, b); err != nil {
			t.Fatal(err)
		}
		if res.RequeueAfter == 0 {
			break
		}
	}
	return b
}

func TestBackupRetriesOnAnotherReplicaThenVerifies(t *testing.T) {
	r, cl := backupFixture(t, "", "mysql-2")
	b := run(t, r, cl, 6)
	if b.Status.Phase != v1alpha1.BackupSucceeded || b.Status.Member != "mysql-1" {
		t.Fatalf("phase %s on %s, want Succeeded on mysql-1 after mysql-2 failed: %+v", b.Status.Phase, b.Status.Member, b.Status)
	}
	if len(b.Status.Attempts) != 1 || b.Status.Attempts[0].Member != "mysql-2" || !strings.Contains(b.Status.Attempts[0].Error, "disk full") {
		t.Errorf("attempts = %+v, want mysql-2's failure", b.Status.Attempts)
	}
	if b.Status.GTIDPosition != "0-1-77" || b.Status.Size != 4242 || b.Status.Duration != "3s" {
		t.Errorf("status from the manifest: %+v", b.Status)
	}
	// The verification Job runs; its completion marks the backup verified.
	job := &batchv1.Job{}
	if err := cl.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "b1-verify"}, job); err != nil {
		t.Fatalf("verification Job: %v", err)
	}
	job.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
	if err := cl.Status().Update(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	b = run(t, r, cl, 2)
	if v := b.Status.Verification; v == nil || v.Phase != v1alpha1.VerificationVerified ||
		!meta.IsStatusConditionTrue(b.Status.Conditions, v1alpha1.ConditionVerified) ||
		!meta.IsStatusConditionTrue(b.Status.Conditions, v1alpha1.ConditionReady) {
		t.Errorf("verification = %+v, conditions %+v", v, b.Status.Conditions)
	}
}

func TestBackupFailsWhenNoMemberCanTakeIt(t *testing.T) {
	r, cl := backupFixture(t, "", "mysql-1", "mysql-2")
	b := run(t, r, cl, 8)
	// Two replicas tried; the primary of a 3-member cluster never takes a backup.
	if b.Status.Phase != v1alpha1.BackupPending || len(b.Status.Attempts) != 2 || !strings.Contains(b.Status.Error, "NoMember") {
		t.Fatalf("status = %+v", b.Status)
	}
}

func TestBackupRefusedCredentialsFailAtOnce(t *testing.T) {
	r, cl := backupFixture(t, "wrong")
	b := run(t, r, cl, 3)
	if b.Status.Phase != v1alpha1.BackupFailed || !strings.Contains(b.Status.Error, "StoreAccessDenied") ||
		!strings.Contains(b.Status.Error, "credentials were refused") || len(b.Status.Attempts) != 0 {
		t.Fatalf("status = %+v", b.Status)
	}
	if !meta.IsStatusConditionTrue(b.Status.Conditions, v1alpha1.ConditionStalled) {
		t.Errorf("conditions = %+v", b.Status.Conditions)
	}
}

func testScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = v1alpha1.AddToScheme(s)
	return s
}

func TestRestoreTargetsAreCheckedBeforeAnyPod(t *testing.T) {
	s3 := s3test.Start(t)
	s3.CreateBucket(t, "backups")
	ctx := context.Background()
	c := testCluster(3)
	c.Spec.Restore = &v1alpha1.Restore{Store: v1alpha1.ObjectStore{Endpoint: s3.Endpoint, Bucket: "backups",
		Prefix: "prod/db", CredentialsSecretName: "s3"}}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s3"}, Data: map[string][]byte{
		v1alpha1.StoreAccessKeyKey: []byte(s3.AccessKey), v1alpha1.StoreSecretKeyKey: []byte(s3.SecretKey)}}
	cl := fake.NewClientBuilder().WithScheme(testScheme()).WithObjects(secret).Build()
	r := &ClusterReconciler{Client: cl, APIReader: cl}
	blocker := func() string {
		w := &world{}
		r.checkRestore(ctx, c, w)
		if w.blocker == nil {
			return ""
		}
		return w.blocker.Reason + ": " + w.blocker.Message
	}
	if got := blocker(); !strings.Contains(got, "RestoreTargetUnavailable: cannot restore from backups/prod/db: the store holds no complete backup") {
		t.Errorf("empty store: %q", got)
	}
	bucket, err := objstore.New(s3.Config("backups", "prod/db"))
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	m := backup.Manifest{Version: 1, Name: "b1", Engine: "mariadb", End: end, GTIDPosition: "0-1-5", SHA256: "x",
		Format: backup.FormatXBStream, Compression: backup.CompressionGzip}
	data, _ := json.Marshal(m)
	if err := bucket.PutBytes(ctx, backup.ManifestKey("b1"), data); err != nil {
		t.Fatal(err)
	}
	c.Spec.Restore.Backup = "b1"
	if got := blocker(); got != "" {
		t.Errorf("a named backup that exists: %q", got)
	}
	late := metav1.NewTime(end.Add(time.Hour))
	c.Spec.Restore.PointInTime = &v1alpha1.PointInTime{Time: &late}
	if got := blocker(); !strings.Contains(got, "the store can restore to any time from 2026-12-01T10:00:00Z to 2026-12-01T10:00:00Z") {
		t.Errorf("a time after the archive: %q", got)
	}
	c.Spec.Restore.PointInTime = nil
	c.Spec.Engine.Flavor = v1alpha1.FlavorMySQL
	if got := blocker(); !strings.HasPrefix(got, "RestoreEngineMismatch: backup b1 is of a mariadb server") {
		t.Errorf("another engine: %q", got)
	}
	secret.Data[v1alpha1.StoreSecretKeyKey] = []byte("wrong")
	if err := cl.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if got := blocker(); !strings.HasPrefix(got, "RestoreStoreUnavailable: ") || !strings.Contains(got, "credentials were refused") {
		t.Errorf("refused credentials: %q", got)
	}
}
