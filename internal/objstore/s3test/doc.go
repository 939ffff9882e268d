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

// Package s3test starts a real S3 server for integration tests: Versity's
// gateway (bin/versitygw, built by `make versitygw`) serving a temporary
// directory through its posix backend on 127.0.0.1.
//
// It is a normal package, not a test file, so that the integration tests of
// every package storing objects (backups, binlog archives) share it.
package s3test
