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

package objstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ordinal-dev/ordinal/internal/objstore"
	"github.com/ordinal-dev/ordinal/internal/objstore/s3test"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newBucket(t *testing.T, cfg objstore.Config) *objstore.Bucket {
	t.Helper()
	b, err := objstore.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

// opaque hides everything but Read, so nothing can learn the length.
type opaque struct{ r io.Reader }

func (o opaque) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestStreamRoundTrip puts 40 MiB (three parts) of unknown length and reads
// the same bytes back.
func TestStreamRoundTrip(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "backups")
	b := newBucket(t, srv.Config("backups", "cluster-a"))
	ctx := testContext(t)

	const size = 40 << 20
	sum := sha256.New()
	src := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{1}), size), sum)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	n, err := b.Put(ctx, "full/1.xb", opaque{src})
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("Put = %d, %v; want %d", n, err, size)
	}
	t.Logf("put %d MiB in %s, %d MiB allocated", size>>20, time.Since(start).Round(time.Millisecond),
		(after.TotalAlloc-before.TotalAlloc)>>20)

	rc, err := b.Get(ctx, "full/1.xb")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer func() { _ = rc.Close() }()
	got := sha256.New()
	if m, err := io.Copy(got, rc); err != nil || m != size {
		t.Fatalf("read %d bytes, %v; want %d", m, err, size)
	}
	if !bytes.Equal(got.Sum(nil), sum.Sum(nil)) {
		t.Fatal("the object read back differs from the one put")
	}
}

// TestEmptyObject: a stream that ends at once stores an empty object.
func TestEmptyObject(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "backups")
	b := newBucket(t, srv.Config("backups", ""))
	ctx := testContext(t)
	if n, err := b.Put(ctx, "empty", opaque{strings.NewReader("")}); err != nil || n != 0 {
		t.Fatalf("Put = %d, %v", n, err)
	}
	if data, err := b.GetBytes(ctx, "empty"); err != nil || len(data) != 0 {
		t.Fatalf("GetBytes = %q, %v", data, err)
	}
}

func keysOf(objs []objstore.Object) []string {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	return keys
}

// TestListOrderAndPrefixes: List is sorted, recursive, relative to the
// prefix, and a prefix does not see its neighbours ("c1" vs "c10").
func TestListOrderAndPrefixes(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "shared")
	ctx := testContext(t)
	c1 := newBucket(t, srv.Config("shared", "c1"))
	c10 := newBucket(t, srv.Config("shared", "/c10/"))
	for _, k := range []string{"z", "binlog/000010", "binlog/000002", "full/2026/a.xb", "a"} {
		if err := c1.PutBytes(ctx, k, []byte(k)); err != nil {
			t.Fatalf("PutBytes %s: %v", k, err)
		}
	}
	if err := c10.PutBytes(ctx, "other", []byte("x")); err != nil {
		t.Fatalf("PutBytes: %v", err)
	}
	objs, err := c1.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := "a binlog/000002 binlog/000010 full/2026/a.xb z"
	if got := strings.Join(keysOf(objs), " "); got != want {
		t.Errorf("c1 List = %s; want %s", got, want)
	}
	if objs[1].Size != int64(len("binlog/000002")) || objs[1].LastModified.IsZero() {
		t.Errorf("object %+v: wrong size or no time", objs[1])
	}
	if objs, err = c1.List(ctx, "binlog/"); err != nil || len(objs) != 2 {
		t.Errorf("List(binlog/) = %v, %v; want the two binlogs", keysOf(objs), err)
	}
	if objs, err = c10.List(ctx, ""); err != nil || strings.Join(keysOf(objs), " ") != "other" {
		t.Errorf("c10 List = %v, %v; want [other]", keysOf(objs), err)
	}
	whole := newBucket(t, srv.Config("shared", ""))
	if objs, err = whole.List(ctx, "c1"); err != nil || len(objs) != 6 || objs[0].Key != "c1/a" {
		t.Errorf("whole bucket List(c1) = %v, %v; want c1/... and c10/other", keysOf(objs), err)
	}
}

// TestDeleteAndNotFound: reads of a missing key wrap ErrNotFound; deleting
// one is not an error.
func TestDeleteAndNotFound(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "backups")
	b := newBucket(t, srv.Config("backups", "p"))
	ctx := testContext(t)
	if err := b.PutBytes(ctx, "k", []byte("v")); err != nil {
		t.Fatalf("PutBytes: %v", err)
	}
	if data, err := b.GetBytes(ctx, "k"); err != nil || string(data) != "v" {
		t.Fatalf("GetBytes = %q, %v", data, err)
	}
	for range 2 {
		if err := b.Delete(ctx, "k"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	_, err := b.Get(ctx, "k")
	if !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("Get of a deleted key: %v; want ErrNotFound", err)
	}
	t.Logf("Get: %v", err)
	if _, err := b.GetBytes(ctx, "never"); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("GetBytes of a missing key: %v; want ErrNotFound", err)
	}
	if objs, err := b.List(ctx, ""); err != nil || len(objs) != 0 {
		t.Fatalf("List after delete = %v, %v", keysOf(objs), err)
	}
}

// TestErrorsClassified: each misconfiguration a user can make is told apart,
// by Check and by a real request alike.
func TestErrorsClassified(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "backups")
	good := srv.Config("backups", "p")
	if err := newBucket(t, good).Check(testContext(t)); err != nil {
		t.Fatalf("Check of a good config: %v", err)
	}
	edit := func(f func(*objstore.Config)) objstore.Config { c := good; f(&c); return c }
	cases := []struct {
		name string
		cfg  objstore.Config
		want objstore.Reason
		msg  string
	}{
		{"unknown key", edit(func(c *objstore.Config) { c.AccessKey = "nobody" }), objstore.ReasonAccessDenied, "check the access key and secret key"},
		{"wrong secret", edit(func(c *objstore.Config) { c.SecretKey = "wrong" }), objstore.ReasonAccessDenied, "credentials were refused"},
		{"missing bucket", edit(func(c *objstore.Config) { c.Bucket = "nope" }), objstore.ReasonNoSuchBucket, `bucket "nope"`},
		{"https to http", edit(func(c *objstore.Config) { c.Endpoint = strings.TrimPrefix(c.Endpoint, "http://") }), objstore.ReasonUnreachable, "use an http:// endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBucket(t, tc.cfg)
			ctx := testContext(t)
			checkErr := b.Check(ctx)
			_, putErr := b.Put(ctx, "k", strings.NewReader("v"))
			for what, err := range map[string]error{"Check": checkErr, "Put": putErr} {
				if got := objstore.Classify(err); got != tc.want || !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("%s: %v (%q); want %q, mentioning %q", what, err, got, tc.want, tc.msg)
				}
			}
			t.Logf("Check: %v", checkErr)
		})
	}
}

// TestServerStopped: a store that went away is ReasonUnreachable, once
// minio-go's retries give up (a few seconds).
func TestServerStopped(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "backups")
	b := newBucket(t, srv.Config("backups", ""))
	// A first request caches the bucket's region; later requests go through
	// minio-go's retries, as they do when a store fails mid-life.
	if err := b.Check(testContext(t)); err != nil {
		t.Fatalf("Check: %v", err)
	}
	srv.Stop()
	start := time.Now()
	err := b.Check(testContext(t))
	if objstore.Classify(err) != objstore.ReasonUnreachable || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Check: %v (%q); want Unreachable, connection refused", err, objstore.Classify(err))
	}
	t.Logf("Check after %s: %v", time.Since(start).Round(time.Millisecond), err)
}

// fakeS3 answers just enough of S3 for Check: the bucket's location, HEAD
// bucket and an empty listing. It stands in for a store behind TLS.
func fakeS3(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xml")
	switch {
	case r.URL.Query().Has("location"):
		_, _ = io.WriteString(w, `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>`)
	case r.Method == http.MethodHead:
	default:
		_, _ = io.WriteString(w, `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>backups</Name><IsTruncated>false</IsTruncated></ListBucketResult>`)
	}
}

// TestTLSCA: a store whose certificate the system does not trust is
// ReasonUnreachable, naming TLS, until Config.CA holds its CA.
func TestTLSCA(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(fakeS3))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg := objstore.Config{Endpoint: srv.URL, Bucket: "backups", AccessKey: "a", SecretKey: "s"}
	err := newBucket(t, cfg).Check(testContext(t))
	if objstore.Classify(err) != objstore.ReasonUnreachable || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("Check without the CA: %v (%q); want Unreachable, naming TLS", err, objstore.Classify(err))
	}
	t.Logf("without the CA: %v", err)
	cfg.CA = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := newBucket(t, cfg).Check(testContext(t)); err != nil {
		t.Fatalf("Check with the CA: %v", err)
	}
}
