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
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/minio/minio-go/v7"
)

func validConfig() Config {
	return Config{Endpoint: "127.0.0.1:9000", Bucket: "backups", AccessKey: "ak", SecretKey: "sk"}
}

func TestNewValidates(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(*Config)
		wantErr string // "" for valid
	}{
		{"host:port", func(*Config) {}, ""},
		{"http URL", func(c *Config) { c.Endpoint = "http://s3.local:9000" }, ""},
		{"https URL with slash", func(c *Config) { c.Endpoint = "https://s3.example.com/" }, ""},
		{"anonymous", func(c *Config) { c.AccessKey, c.SecretKey = "", "" }, ""},
		{"empty endpoint", func(c *Config) { c.Endpoint = "" }, "endpoint is empty"},
		{"ftp scheme", func(c *Config) { c.Endpoint = "ftp://h:21" }, "scheme must be http or https"},
		{"URL path", func(c *Config) { c.Endpoint = "https://h/bucket" }, "scheme://host:port only"},
		{"bare path", func(c *Config) { c.Endpoint = "h:9000/bucket" }, "without a path"},
		{"no host", func(c *Config) { c.Endpoint = "https://" }, "no host"},
		{"https and insecure", func(c *Config) { c.Endpoint, c.Insecure = "https://h", true }, "drop one"},
		{"empty bucket", func(c *Config) { c.Bucket = "" }, "bucket is empty"},
		{"bad bucket", func(c *Config) { c.Bucket = "my/bucket" }, `bucket "my/bucket"`},
		{"access key only", func(c *Config) { c.SecretKey = "" }, "both the access key and the secret key"},
		{"secret key only", func(c *Config) { c.AccessKey = "" }, "both the access key and the secret key"},
		{"CA without PEM", func(c *Config) { c.CA = []byte("not a certificate") }, "no PEM certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.edit(&cfg)
			_, err := New(cfg)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("New: err %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseEndpoint(t *testing.T) {
	cases := []struct {
		raw      string
		insecure bool
		want     endpoint
	}{
		{"h:9000", false, endpoint{host: "h:9000", secure: true}},
		{"h:9000", true, endpoint{host: "h:9000", secure: false}},
		{"http://h:9000", false, endpoint{host: "h:9000", secure: false}},
		{"https://h", false, endpoint{host: "h", secure: true}},
		{"http://[::1]:9000", true, endpoint{host: "[::1]:9000", secure: false}},
	}
	for _, tc := range cases {
		got, err := parseEndpoint(tc.raw, tc.insecure)
		if err != nil || got != tc.want {
			t.Errorf("parseEndpoint(%q, %v) = %+v, %v; want %+v", tc.raw, tc.insecure, got, err, tc.want)
		}
	}
}

func TestPrefixAndKeys(t *testing.T) {
	for prefix, want := range map[string]string{"": "", "/": "", "a": "a/", "/a/b/": "a/b/"} {
		b, err := New(Config{Endpoint: "h:1", Bucket: "bkt", Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		if b.prefix != want {
			t.Errorf("prefix %q: got %q, want %q", prefix, b.prefix, want)
		}
		if got, _ := b.fullKey("put", "/k"); got != want+"k" {
			t.Errorf("prefix %q: fullKey(/k) = %q", prefix, got)
		}
	}
	b, _ := New(validConfig())
	if _, err := b.fullKey("put", ""); err == nil {
		t.Error("fullKey accepted an empty key")
	}
}

// dialRefused is what the HTTP client returns when nothing listens.
func dialRefused() error {
	return &url.Error{Op: "Get", URL: "http://127.0.0.1:1/b/", Err: &net.OpError{
		Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED},
	}}
}

// classifyCases are errors as minio-go and net/http return them.
var classifyCases = []struct {
	name string
	err  error
	want Reason
	// wantMsg are parts of the message wrap builds.
	wantMsg []string
}{
	{"nil", nil, "", nil},
	{"access denied", minioResponse("AccessDenied", 403), ReasonAccessDenied, []string{"refused (AccessDenied)", "check the access key and secret key"}},
	{"bad key id", minioResponse("InvalidAccessKeyId", 403), ReasonAccessDenied, []string{"credentials were refused (InvalidAccessKeyId)"}},
	{"bad secret", minioResponse("SignatureDoesNotMatch", 403), ReasonAccessDenied, []string{"SignatureDoesNotMatch"}},
	{"versitygw unknown key", minioResponse("XAdminUserNotFound", 404), ReasonAccessDenied, []string{"XAdminUserNotFound"}},
	{"no bucket", minioResponse("NoSuchBucket", 404), ReasonNoSuchBucket, []string{"bucket does not exist", "create it"}},
	{"quota", minioResponse("QuotaExceeded", 403), ReasonStoreFull, []string{"QuotaExceeded", "raise the quota"}},
	{"too large", minioResponse("EntityTooLarge", 400), ReasonStoreFull, []string{"EntityTooLarge"}},
	{"minio full", minioResponse("XMinioStorageFull", 507), ReasonStoreFull, []string{"XMinioStorageFull"}},
	{"ENOSPC text", minioResponseMsg("InternalError", 500, "write: no space left on device"), ReasonStoreFull, []string{"no space left", "free space"}},
	{"ENOSPC errno", fmt.Errorf("write: %w", syscall.ENOSPC), ReasonStoreFull, nil},
	{"unavailable", minioResponse("ServiceUnavailable", 503), ReasonUnreachable, nil},
	{"bad gateway", minioResponse("502 Bad Gateway", 502), ReasonUnreachable, []string{"proxy"}},
	{"refused", dialRefused(), ReasonUnreachable, []string{"cannot reach the store: dial tcp: connect: connection refused", "check the endpoint"}},
	{"DNS", &url.Error{Op: "Get", URL: "https://nowhere/", Err: &net.DNSError{Err: "no such host", Name: "nowhere"}}, ReasonUnreachable, []string{"no such host"}},
	{"unknown CA", &url.Error{Op: "Get", URL: "https://h/", Err: x509.UnknownAuthorityError{}}, ReasonUnreachable, []string{"TLS: x509", "CA bundle"}},
	{"hostname", &url.Error{Op: "Get", URL: "https://h/", Err: x509.HostnameError{Certificate: &x509.Certificate{}, Host: "h"}}, ReasonUnreachable, []string{"TLS:", "host name"}},
	{"http server", &url.Error{Op: "Get", URL: "https://h/", Err: errors.New("http: server gave HTTP response to HTTPS client")}, ReasonUnreachable, []string{"TLS:", "use an http:// endpoint"}},
	{"deadline", fmt.Errorf("put: %w", context.DeadlineExceeded), ReasonUnreachable, []string{"did not answer in time"}},
	{"canceled", context.Canceled, ReasonOther, []string{"canceled"}},
	{"region", minioResponse("AuthorizationHeaderMalformed", 400), ReasonOther, []string{"check the region"}},
	{"other code", minioResponse("InvalidObjectState", 403), ReasonOther, []string{"(InvalidObjectState)"}},
	{"plain", errors.New("boom"), ReasonOther, []string{"boom"}},
}

func TestClassify(t *testing.T) {
	b, err := New(validConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range classifyCases {
		t.Run(tc.name, func(t *testing.T) {
			wrapped := b.wrap("put", "p/k", tc.err)
			if tc.err == nil {
				if Classify(nil) != "" || wrapped != nil {
					t.Fatalf("nil: Classify %q, wrap %v", Classify(nil), wrapped)
				}
				return
			}
			if got := Classify(tc.err); got != tc.want {
				t.Errorf("Classify(raw) = %q, want %q", got, tc.want)
			}
			if got := Classify(fmt.Errorf("backup: %w", wrapped)); got != tc.want {
				t.Errorf("Classify(wrapped) = %q, want %q", got, tc.want)
			}
			msg := wrapped.Error()
			for _, part := range append([]string{`store s3 127.0.0.1:9000 bucket "backups": put "p/k": `}, tc.wantMsg...) {
				if !strings.Contains(msg, part) {
					t.Errorf("message %q lacks %q", msg, part)
				}
			}
			if !errors.Is(wrapped, tc.err) {
				t.Errorf("the message does not unwrap to the cause")
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	b, _ := New(validConfig())
	err := b.wrap("get", "k", minioResponse("NoSuchKey", 404))
	if !errors.Is(err, ErrNotFound) || Classify(err) != ReasonOther {
		t.Errorf("NoSuchKey: Is(ErrNotFound) %v, reason %q", errors.Is(err, ErrNotFound), Classify(err))
	}
	if err := b.wrap("get", "k", minioResponse("NoSuchBucket", 404)); errors.Is(err, ErrNotFound) {
		t.Error("NoSuchBucket is ErrNotFound")
	}
}

func minioResponse(code string, status int) error {
	return minioResponseMsg(code, status, "")
}

func minioResponseMsg(code string, status int, msg string) error {
	return minio.ErrorResponse{Code: code, StatusCode: status, Message: msg, BucketName: "backups"}
}
