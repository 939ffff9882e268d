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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Config says where a cluster's objects live.
type Config struct {
	// Endpoint is host:port or a URL (http:// or https://); without a scheme
	// it is https.
	Endpoint string
	Bucket   string
	// Prefix is the key prefix inside the bucket; leading and trailing
	// slashes are not needed.
	Prefix string
	// Region is optional: most stores other than AWS ignore it.
	Region               string
	AccessKey, SecretKey string
	// CA is an optional PEM bundle trusted for https, on top of the system's.
	CA []byte
	// Insecure selects plain http (also implied by an http:// endpoint).
	Insecure bool
}

// endpoint is Config.Endpoint parsed: what minio.New wants, and the form
// error messages show.
type endpoint struct {
	host   string // host:port
	secure bool
}

// parseEndpoint accepts host:port or an http(s) URL without a path: minio-go
// addresses buckets itself, so a path would be silently dropped.
func parseEndpoint(raw string, insecure bool) (endpoint, error) {
	if raw == "" {
		return endpoint{}, errors.New("the endpoint is empty: set it to host:port or an http(s):// URL")
	}
	if !strings.Contains(raw, "://") {
		if strings.ContainsAny(raw, "/?#") {
			return endpoint{}, fmt.Errorf("endpoint %q: want host:port or an http(s):// URL without a path", raw)
		}
		return endpoint{host: raw, secure: !insecure}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("endpoint %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return endpoint{}, fmt.Errorf("endpoint %q: the scheme must be http or https, not %q", raw, u.Scheme)
	case u.Host == "":
		return endpoint{}, fmt.Errorf("endpoint %q: no host", raw)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return endpoint{}, fmt.Errorf("endpoint %q: want scheme://host:port only (the bucket and prefix are separate settings)", raw)
	case u.Scheme == "https" && insecure:
		// Contradictory settings: refuse rather than guess which one was meant.
		return endpoint{}, fmt.Errorf("endpoint %q is https but insecure (plain http) is set: drop one", raw)
	}
	return endpoint{host: u.Host, secure: u.Scheme == "https"}, nil
}

// validate checks everything that can be checked without the network.
func (c Config) validate() (endpoint, error) {
	ep, err := parseEndpoint(c.Endpoint, c.Insecure)
	if err != nil {
		return endpoint{}, err
	}
	if c.Bucket == "" {
		return endpoint{}, errors.New("the bucket is empty")
	}
	if err := s3utils.CheckValidBucketName(c.Bucket); err != nil {
		return endpoint{}, fmt.Errorf("bucket %q: %w", c.Bucket, err)
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		return endpoint{}, errors.New("set both the access key and the secret key, or neither (anonymous access)")
	}
	return ep, nil
}

// prefix is the key prefix with exactly one trailing slash, or "" for the
// whole bucket: "a" must not see the keys of "ab".
func (c Config) prefix() string {
	p := strings.Trim(c.Prefix, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// transport is minio-go's default transport (its timeouts and pool sizes),
// trusting CA on top of the system roots.
func transport(ep endpoint, ca []byte) (*http.Transport, error) {
	tr, err := minio.DefaultTransport(ep.secure)
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	if !ep.secure || len(ca) == 0 {
		return tr, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("the CA bundle holds no PEM certificate")
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.RootCAs = pool
	return tr, nil
}

// New validates cfg and returns its Bucket. It does not touch the network.
func New(cfg Config) (*Bucket, error) {
	ep, err := cfg.validate()
	if err != nil {
		return nil, fmt.Errorf("store s3 %s bucket %q: %w", cfg.Endpoint, cfg.Bucket, err)
	}
	tr, err := transport(ep, cfg.CA)
	if err != nil {
		return nil, fmt.Errorf("store s3 %s bucket %q: %w", ep.host, cfg.Bucket, err)
	}
	client, err := minio.New(ep.host, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    ep.secure,
		Transport: tr,
		Region:    cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("store s3 %s bucket %q: %w", ep.host, cfg.Bucket, err)
	}
	return &Bucket{client: client, endpoint: ep.host, bucket: cfg.Bucket, prefix: cfg.prefix()}, nil
}
