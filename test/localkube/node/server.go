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

package node

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
)

const (
	streamIdle     = 4 * time.Hour
	streamCreation = remotecommand.DefaultStreamCreationTimeout
)

// serve starts the kubelet API the apiserver proxies logs, exec, attach and
// port-forward requests to.
func (n *Node) serve() (*http.Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", n.serveLogs)
	for _, p := range []string{"/exec/{ns}/{pod}/{container}", "/exec/{ns}/{pod}/{uid}/{container}"} {
		mux.HandleFunc(p, n.serveExec)
	}
	for _, p := range []string{"/attach/{ns}/{pod}/{container}", "/attach/{ns}/{pod}/{uid}/{container}"} {
		mux.HandleFunc(p, n.serveAttach)
	}
	for _, p := range []string{"/portForward/{ns}/{pod}", "/portForward/{ns}/{pod}/{uid}"} {
		mux.HandleFunc(p, n.servePortForward)
	}
	addr := net.JoinHostPort(n.cfg.IP, strconv.Itoa(n.cfg.KubeletPort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("node %s: listening for the kubelet API on %s: %w", n.cfg.Name, addr, err)
	}
	srv := &http.Server{Handler: mux, TLSConfig: n.cfg.TLS, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(tls.NewListener(ln, n.cfg.TLS)) }()
	return srv, nil
}

// lookup finds a container of a pod running on this node.
func (n *Node) lookup(ns, pod, container string) (*podWorker, *ctr, error) {
	w := n.worker(ns, pod)
	if w == nil {
		return nil, nil, fmt.Errorf("pod %s/%s is not running on node %s", ns, pod, n.cfg.Name)
	}
	if container == "" && len(w.appCs) == 1 {
		return w, w.appCs[0], nil
	}
	for _, c := range append(append([]*ctr{}, w.initCs...), w.appCs...) {
		if c.spec.Name == container {
			return w, c, nil
		}
	}
	return nil, nil, fmt.Errorf("container %q not found in pod %s/%s", container, ns, pod)
}

func (n *Node) serveExec(rw http.ResponseWriter, r *http.Request) {
	w, c, err := n.lookup(r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container"))
	if err != nil {
		http.Error(rw, err.Error(), http.StatusNotFound)
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	cmd := r.URL.Query()["command"]
	remotecommand.ServeExec(rw, r, executor{c}, w.name(), string(w.uid), c.spec.Name, cmd, opts, streamIdle, streamCreation, remotecommand.SupportedStreamingProtocols)
}

func (n *Node) serveAttach(rw http.ResponseWriter, r *http.Request) {
	w, c, err := n.lookup(r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container"))
	if err != nil {
		http.Error(rw, err.Error(), http.StatusNotFound)
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	remotecommand.ServeAttach(rw, r, executor{c}, w.name(), string(w.uid), c.spec.Name, opts, streamIdle, streamCreation, remotecommand.SupportedStreamingProtocols)
}

func (n *Node) servePortForward(rw http.ResponseWriter, r *http.Request) {
	w := n.worker(r.PathValue("ns"), r.PathValue("pod"))
	if w == nil {
		http.Error(rw, "pod not found on this node", http.StatusNotFound)
		return
	}
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	portforward.ServePortForward(rw, r, forwarder{w}, w.name(), string(w.uid), opts, streamIdle, streamCreation, portforward.SupportedProtocols)
}

// executor adapts a container to the streaming library's interfaces.
type executor struct{ c *ctr }

func (e executor) ExecInContainer(ctx context.Context, _, _, _ string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	return e.c.execStream(ctx, cmd, in, out, errw, tty, resize)
}

// AttachContainer streams the container's output (its log); stdin is not
// connected, as localkube containers read /dev/null.
func (e executor) AttachContainer(ctx context.Context, _, _, _ string, _ io.Reader, out, _ io.WriteCloser, _ bool, _ <-chan remotecommand.TerminalSize) error {
	return e.c.followLog(ctx, out, logOptions{follow: true, tail: 0})
}

type forwarder struct{ w *podWorker }

func (f forwarder) PortForward(ctx context.Context, _, _ string, port int32, stream io.ReadWriteCloser) error {
	defer func() { _ = stream.Close() }()
	f.w.mu.Lock()
	ip := f.w.ip
	f.w.mu.Unlock()
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", net.JoinHostPort(ip, strconv.Itoa(int(port))))
	if err != nil {
		return fmt.Errorf("port-forward to %s:%d: %w", ip, port, err)
	}
	defer func() { _ = conn.Close() }()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(conn, stream); done <- struct{}{} }()
	go func() { _, _ = io.Copy(stream, conn); done <- struct{}{} }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}
