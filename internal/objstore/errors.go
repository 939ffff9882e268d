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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/minio/minio-go/v7"
)

// ErrNotFound is wrapped by the errors of Get and GetBytes when the key does
// not exist.
var ErrNotFound = errors.New("object not found")

// Reason sorts a store error into what the user has to fix. It is meant for
// condition reasons and events, so its values are CamelCase words.
type Reason string

// The reasons Classify returns.
const (
	// ReasonAccessDenied: the store refused the credentials, or they may not
	// use this bucket.
	ReasonAccessDenied Reason = "AccessDenied"
	// ReasonNoSuchBucket: the bucket does not exist.
	ReasonNoSuchBucket Reason = "NoSuchBucket"
	// ReasonStoreFull: the store is out of space, or over a quota.
	ReasonStoreFull Reason = "StoreFull"
	// ReasonUnreachable: no answer from the store: network, DNS, TLS or an
	// unavailable store.
	ReasonUnreachable Reason = "Unreachable"
	// ReasonOther: anything else; the message says what the store said.
	ReasonOther Reason = "Other"
)

// S3 error codes by reason. AccessDenied also covers a valid key whose policy
// does not allow the bucket: the fix is on the same credentials either way.
var reasonByCode = map[string]Reason{
	"AccessDenied":          ReasonAccessDenied,
	"InvalidAccessKeyId":    ReasonAccessDenied,
	"SignatureDoesNotMatch": ReasonAccessDenied,
	"InvalidToken":          ReasonAccessDenied,
	"ExpiredToken":          ReasonAccessDenied,
	// versitygw without IAM (single-account mode) answers an unknown key so.
	"XAdminUserNotFound":             ReasonAccessDenied,
	"NoSuchBucket":                   ReasonNoSuchBucket,
	"QuotaExceeded":                  ReasonStoreFull,
	"EntityTooLarge":                 ReasonStoreFull,
	"XMinioStorageFull":              ReasonStoreFull,
	"XMinioAdminBucketQuotaExceeded": ReasonStoreFull,
	"ServiceUnavailable":             ReasonUnreachable,
	"SlowDown":                       ReasonUnreachable,
}

// Codes that mean the region setting is wrong; they are ReasonOther with a
// hint, since the fix is a setting, not the store.
var regionCodes = map[string]bool{
	"AuthorizationHeaderMalformed":       true,
	"PermanentRedirect":                  true,
	"IllegalLocationConstraintException": true,
}

// Classify sorts an error of this package into a Reason; other errors are
// classified by what they wrap. It returns "" for nil.
func Classify(err error) Reason {
	if err == nil {
		return ""
	}
	var oe *opError
	if errors.As(err, &oe) {
		return oe.reason
	}
	r, _, _ := classify(err)
	return r
}

// opError is an error of one request: where it went, why it failed, and what
// to fix. It unwraps to the minio-go error (and ErrNotFound for a missing key).
type opError struct {
	endpoint, bucket string
	op, key          string
	reason           Reason
	detail, hint     string
	notFound         bool
	err              error
}

func (e *opError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "store s3 %s bucket %q: ", e.endpoint, e.bucket)
	if e.op != "" {
		b.WriteString(e.op)
		if e.key != "" {
			fmt.Fprintf(&b, " %q", e.key)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.detail)
	if e.hint != "" {
		b.WriteString(": ")
		b.WriteString(e.hint)
	}
	return b.String()
}

func (e *opError) Unwrap() []error {
	if e.notFound {
		return []error{ErrNotFound, e.err}
	}
	return []error{e.err}
}

// wrap turns err from the request op on key (the full key, prefix included,
// as the user finds it in the bucket) into an opError.
func (b *Bucket) wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	r, detail, hint := classify(err)
	return &opError{
		endpoint: b.endpoint, bucket: b.bucket, op: op, key: key,
		reason: r, detail: detail, hint: hint, notFound: isNotFound(err), err: err,
	}
}

// isNotFound tells a missing key from every other failure.
func isNotFound(err error) bool {
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		return false
	}
	return resp.Code == "NoSuchKey"
}

// classify returns the reason, a description of what happened and what to do
// about it.
func classify(err error) (Reason, string, string) {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && resp.Code != "" {
		return classifyResponse(resp)
	}
	// Before the transport: a syscall.Errno is a net.Error too.
	if errors.Is(err, syscall.ENOSPC) || strings.Contains(strings.ToLower(err.Error()), "no space left on device") {
		return ReasonStoreFull, err.Error(), "the store is out of space: free space or grow it"
	}
	if r, detail, hint, ok := classifyTransport(err); ok {
		return r, detail, hint
	}
	return ReasonOther, err.Error(), ""
}

// classifyResponse classifies an error the store answered with.
func classifyResponse(resp minio.ErrorResponse) (Reason, string, string) {
	detail := fmt.Sprintf("%s (%s)", strings.TrimSuffix(resp.Error(), "."), resp.Code)
	r, ok := reasonByCode[resp.Code]
	switch {
	case !ok && strings.Contains(strings.ToLower(resp.Message), "no space left"):
		return ReasonStoreFull, detail, "the store is out of space: free space or grow it"
	case !ok && (resp.StatusCode == 502 || resp.StatusCode == 504):
		return ReasonUnreachable, detail, "a proxy in front of the store could not reach it: check that the store is running"
	case !ok && regionCodes[resp.Code]:
		return ReasonOther, detail, "check the region setting against the bucket's region"
	case !ok:
		return ReasonOther, detail, ""
	}
	switch r {
	case ReasonAccessDenied:
		detail = fmt.Sprintf("the credentials were refused (%s)", resp.Code)
		return r, detail, "check the access key and secret key, and that they may use this bucket"
	case ReasonNoSuchBucket:
		return r, "the bucket does not exist (NoSuchBucket)", "create it, or fix the bucket name"
	case ReasonStoreFull:
		return r, detail, "the store is full or over quota: free space or raise the quota"
	default:
		return r, detail, "the store is unavailable or overloaded: retry later, or check its health"
	}
}

// classifyTransport classifies a failure below HTTP: TLS, connection, DNS and
// deadlines. TLS comes first: its errors are network errors too.
func classifyTransport(err error) (Reason, string, string, bool) {
	detail := innermost(err)
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
		alert     tls.AlertError
		netErr    net.Error
	)
	switch {
	case errors.As(err, &unknownCA):
		return ReasonUnreachable, "TLS: " + detail, "give the CA bundle that signed the store's certificate", true
	case errors.As(err, &hostname):
		return ReasonUnreachable, "TLS: " + detail, "use the host name the store's certificate names in the endpoint", true
	case errors.As(err, &invalid), errors.As(err, &verify), errors.As(err, &alert):
		return ReasonUnreachable, "TLS: " + detail, "check the store's certificate (and the CA bundle)", true
	case errors.As(err, &record), strings.Contains(detail, "server gave HTTP response to HTTPS client"):
		return ReasonUnreachable, "TLS: " + detail, "the store speaks plain http: use an http:// endpoint", true
	case errors.Is(err, context.DeadlineExceeded):
		return ReasonUnreachable, "the store did not answer in time: " + detail, "check the endpoint and that the store is running", true
	case errors.Is(err, context.Canceled):
		return ReasonOther, "canceled: " + detail, "", true
	case errors.As(err, &netErr):
		return ReasonUnreachable, "cannot reach the store: " + detail, "check the endpoint and that the store is running", true
	}
	return "", "", "", false
}

// innermost drops url.Error's method and URL, which repeat the endpoint and
// key the message already names.
func innermost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
