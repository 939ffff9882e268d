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

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// apiProxy stands between the operator and the apiserver and counts every
// request by verb (GET of one object, LIST, WATCH, POST, PUT, PATCH,
// DELETE) and resource: the operator's own metric (rest_client_requests_total)
// only has the HTTP method, where LIST and WATCH are GETs too.
type apiProxy struct {
	ln     net.Listener
	srv    *http.Server
	mu     sync.Mutex
	counts map[string]map[string]float64 // verb → resource → requests
}

// startAPIProxy listens on 127.0.0.1 (a free port) with a throw-away
// certificate and forwards to cfg's apiserver with cfg's credentials.
func startAPIProxy(cfg *rest.Config) (*apiProxy, error) {
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, err
	}
	upstream, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, err
	}
	cert, err := selfSigned()
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		return nil, err
	}
	p := &apiProxy{ln: ln, counts: map[string]map[string]float64{}}
	rp := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(upstream) },
		Transport:     rt,
		FlushInterval: -1, // watches stream
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count(r)
		rp.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *apiProxy) count(r *http.Request) {
	verb, resource := classify(r.Method, r.URL.Path, r.URL.Query().Get("watch"))
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.counts[verb] == nil {
		p.counts[verb] = map[string]float64{}
	}
	p.counts[verb][resource]++
}

// snapshot copies the counts.
func (p *apiProxy) snapshot() map[string]map[string]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]map[string]float64, len(p.counts))
	for v, m := range p.counts {
		out[v] = make(map[string]float64, len(m))
		for r, n := range m {
			out[v][r] = n
		}
	}
	return out
}

// classify names a request's verb and resource from its path:
// /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]] or
// /apis/GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME[/SUB]].
func classify(method, path, watch string) (string, string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(segs) >= 2 && segs[0] == "api":
		segs = segs[2:]
	case len(segs) >= 3 && segs[0] == "apis":
		segs = segs[3:]
	default:
		return method, "(other)"
	}
	if len(segs) >= 3 && segs[0] == "namespaces" {
		segs = segs[2:]
	}
	if len(segs) == 0 {
		return method, "(discovery)"
	}
	resource, named := segs[0], len(segs) >= 2
	if len(segs) >= 3 {
		resource += "/" + segs[2]
	}
	if method == http.MethodGet {
		switch {
		case watch == "true" || watch == "1":
			return "WATCH", resource
		case !named:
			return "LIST", resource
		}
	}
	return method, resource
}

// kubeconfig writes a kubeconfig that points at the proxy.
func (p *apiProxy) kubeconfig(path string) error {
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: proxy
  cluster:
    server: https://%s
    insecure-skip-tls-verify: true
contexts:
- name: proxy
  context:
    cluster: proxy
    user: proxy
users:
- name: proxy
  user: {}
current-context: proxy
`, p.ln.Addr().String())
	return os.WriteFile(path, []byte(kc), 0o600)
}

func (p *apiProxy) close() { _ = p.srv.Close() }

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench-api-proxy"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
