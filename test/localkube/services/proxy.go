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

package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Proxy listens on every Service's ClusterIP:port (TCP) and forwards each
// connection to one ready endpoint, like kube-proxy.
type Proxy struct {
	r *Registry
	// APIServer is where the default/kubernetes Service forwards to (its
	// endpoints are not reconciled with a loopback advertise address).
	APIServer string
	Log       *slog.Logger
	mu        sync.Mutex
	listeners map[string]*listener
	closed    bool
}

type listener struct {
	ln       net.Listener
	ns, name string
	portName string
	direct   string
}

// NewProxy returns a proxy; it follows the registry's changes.
func NewProxy(r *Registry, apiserver string, log *slog.Logger) *Proxy {
	p := &Proxy{r: r, APIServer: apiserver, Log: log, listeners: map[string]*listener{}}
	r.Subscribe(p.Sync)
	return p
}

// Sync opens listeners for new Service ports and closes removed ones.
func (p *Proxy) Sync() {
	svcs, err := p.r.services.List(labels.Everything())
	if err != nil {
		return
	}
	want := map[string]*listener{}
	for _, s := range svcs {
		if s.Spec.ClusterIP == "" || s.Spec.ClusterIP == corev1.ClusterIPNone {
			continue
		}
		for _, sp := range s.Spec.Ports {
			if sp.Protocol != "" && sp.Protocol != corev1.ProtocolTCP {
				continue
			}
			l := &listener{ns: s.Namespace, name: s.Name, portName: sp.Name}
			if s.Namespace == "default" && s.Name == "kubernetes" {
				l.direct = p.APIServer
			}
			want[net.JoinHostPort(s.Spec.ClusterIP, strconv.Itoa(int(sp.Port)))] = l
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	for addr, l := range p.listeners {
		if w, ok := want[addr]; !ok || w.ns != l.ns || w.name != l.name || w.portName != l.portName {
			_ = l.ln.Close()
			delete(p.listeners, addr)
		}
	}
	for addr, l := range want {
		if _, ok := p.listeners[addr]; ok {
			continue
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			p.Log.Warn("service proxy cannot listen", "service", l.ns+"/"+l.name, "addr", addr, "err", err)
			continue
		}
		l.ln = ln
		p.listeners[addr] = l
		go p.accept(l)
	}
}

// Close stops every listener.
func (p *Proxy) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for addr, l := range p.listeners {
		_ = l.ln.Close()
		delete(p.listeners, addr)
	}
}

func (p *Proxy) accept(l *listener) {
	for {
		conn, err := l.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		go p.forward(l, conn)
	}
}

func (p *Proxy) forward(l *listener, conn net.Conn) {
	defer func() { _ = conn.Close() }()
	target := l.direct
	if target == "" {
		var err error
		if target, err = p.pick(l); err != nil {
			return // no ready endpoint: the client sees the connection close
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	up, err := (&net.Dialer{}).DialContext(ctx, "tcp", target)
	cancel()
	if err != nil {
		return
	}
	defer func() { _ = up.Close() }()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, conn); closeWrite(up); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, up); closeWrite(conn); done <- struct{}{} }()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// pick chooses a random ready endpoint of the listener's Service port.
func (p *Proxy) pick(l *listener) (string, error) {
	svc, err := p.r.services.Services(l.ns).Get(l.name)
	if err != nil {
		return "", err
	}
	var sp *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if svc.Spec.Ports[i].Name == l.portName {
			sp = &svc.Spec.Ports[i]
		}
	}
	if sp == nil {
		return "", fmt.Errorf("service %s/%s has no port %q", l.ns, l.name, l.portName)
	}
	var targets []string
	for _, ep := range p.r.endpoints(svc) {
		if t, ok := ep.target(*sp); ok && ep.ready {
			targets = append(targets, t)
		}
	}
	if len(targets) == 0 {
		return "", fmt.Errorf("service %s/%s port %q has no ready endpoint", l.ns, l.name, l.portName)
	}
	return targets[rand.IntN(len(targets))], nil
}
