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

package objstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// partSize is what Put buffers per part of a stream of unknown length: its
// memory bound, and a 10,000-part upload's limit of about 156 GiB.
const partSize = 16 << 20

const contentType = "application/octet-stream"

// Bucket is one prefix of one bucket. Keys passed to its methods are relative
// to Config.Prefix. It is safe for concurrent use.
type Bucket struct {
	client   *minio.Client
	endpoint string // host:port, for messages
	bucket   string
	prefix   string // "" or ending in "/"
}

// Object is one stored object.
type Object struct {
	Key          string // relative to Config.Prefix
	Size         int64
	LastModified time.Time
}

// fullKey is key inside the bucket. An empty key would address the prefix
// itself (or nothing), which is never what a caller meant.
func (b *Bucket) fullKey(op, key string) (string, error) {
	key = strings.TrimPrefix(key, "/")
	if key == "" {
		return "", &opError{endpoint: b.endpoint, bucket: b.bucket, op: op, reason: ReasonOther,
			detail: "empty key", err: errors.New("empty key")}
	}
	return b.prefix + key, nil
}

// Put streams r to key and returns the number of bytes stored. The length of
// r need not be known: it goes up in parts of 16 MiB, one buffered at a time.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	full, err := b.fullKey("put", key)
	if err != nil {
		return 0, err
	}
	info, err := b.client.PutObject(ctx, b.bucket, full, r, -1,
		minio.PutObjectOptions{PartSize: partSize, ContentType: contentType})
	if err != nil {
		return 0, b.wrap("put", full, err)
	}
	return info.Size, nil
}

// PutBytes stores data at key in one request, which minio-go can retry since
// the body can be re-read.
func (b *Bucket) PutBytes(ctx context.Context, key string, data []byte) error {
	full, err := b.fullKey("put", key)
	if err != nil {
		return err
	}
	_, err = b.client.PutObject(ctx, b.bucket, full, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{PartSize: partSize, ContentType: contentType})
	return b.wrap("put", full, err)
}

// Get opens key for reading; the caller closes it. A missing key fails here,
// not on the first Read: the request is made before Get returns.
func (b *Bucket) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	full, err := b.fullKey("get", key)
	if err != nil {
		return nil, err
	}
	obj, err := b.client.GetObject(ctx, b.bucket, full, minio.GetObjectOptions{})
	if err != nil {
		return nil, b.wrap("get", full, err)
	}
	// GetObject is lazy; Stat sends the GET whose body the reads then consume.
	if _, err := obj.Stat(); err != nil {
		_ = obj.Close()
		return nil, b.wrap("get", full, err)
	}
	return &reader{obj: obj, b: b, key: full}, nil
}

// reader classifies the errors of an object's reads like those of the
// requests: a connection lost halfway is ReasonUnreachable too.
type reader struct {
	obj *minio.Object
	b   *Bucket
	key string
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.obj.Read(p)
	if err != nil && err != io.EOF {
		return n, r.b.wrap("get", r.key, err)
	}
	return n, err
}

func (r *reader) Close() error { return r.obj.Close() }

// GetBytes reads the whole of key.
func (b *Bucket) GetBytes(ctx context.Context, key string) ([]byte, error) {
	rc, err := b.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err // already wrapped and classified by reader
	}
	return data, nil
}

// List returns the objects whose keys start with prefix (relative to
// Config.Prefix), at any depth, sorted by key.
func (b *Bucket) List(ctx context.Context, prefix string) ([]Object, error) {
	full := b.prefix + strings.TrimPrefix(prefix, "/")
	var out []Object
	for info := range b.client.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: full, Recursive: true}) {
		if info.Err != nil {
			return nil, b.wrap("list", full, info.Err)
		}
		out = append(out, Object{
			Key:          strings.TrimPrefix(info.Key, b.prefix),
			Size:         info.Size,
			LastModified: info.LastModified,
		})
	}
	// S3 lists in key order already; not every S3-compatible store does.
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete removes key. A missing key is not an error: deleting is idempotent.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	full, err := b.fullKey("delete", key)
	if err != nil {
		return err
	}
	err = b.client.RemoveObject(ctx, b.bucket, full, minio.RemoveObjectOptions{})
	if err != nil && isNotFound(err) {
		return nil
	}
	return b.wrap("delete", full, err)
}

// Check answers "will this store work?" cheaply: the endpoint answers, the
// credentials are accepted, the bucket exists and its prefix can be listed.
// The error is classified (see Classify).
func (b *Bucket) Check(ctx context.Context) error {
	ok, err := b.client.BucketExists(ctx, b.bucket)
	if err != nil {
		return b.wrap("check", "", err)
	}
	if !ok {
		return b.wrap("check", "", minio.ErrorResponse{Code: "NoSuchBucket", BucketName: b.bucket, StatusCode: 404})
	}
	// BucketExists is a HEAD, which some stores answer without checking the
	// key's policy; listing needs the permission backups use.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the lister after the first key
	objects := b.client.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: b.prefix, Recursive: true, MaxKeys: 1})
	if info, ok := <-objects; ok && info.Err != nil {
		return b.wrap("check", b.prefix, info.Err)
	}
	return nil
}
