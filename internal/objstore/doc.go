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

// Package objstore stores a cluster's objects (backups, binlog archives) in an
// S3-compatible object store, through minio-go.
//
// A [Bucket] is one key prefix of one bucket: keys given to its methods are
// relative to [Config].Prefix, so two clusters sharing a bucket under
// different prefixes never see each other's objects. [New] only validates the
// configuration; the first request goes out with the first call, and
// [Bucket.Check] is the cheap one to ask "will this work?" before a backup.
//
// [Bucket.Put] streams a reader of unknown length in 16 MiB parts, so memory
// stays bounded whatever the size of the object (the limit is S3's 10,000
// parts, about 156 GiB per object).
//
// Every error names the endpoint, the bucket and the key, and says what to
// fix. [Classify] sorts it into a [Reason] (refused credentials, missing
// bucket, full store, unreachable store) that conditions and events can show
// as is; a missing key wraps [ErrNotFound].
//
// Package s3test starts a real S3 server (bin/versitygw, built by
// `make versitygw`) for integration tests:
//
//	go test -tags integration ./internal/objstore/...
package objstore
