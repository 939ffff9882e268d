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

package localkube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ordinal-dev/ordinal/test/localkube/node"
)

// Status is what a running supervisor reports.
type Status struct {
	Pid        int            `json:"pid"`
	Kubeconfig string         `json:"kubeconfig"`
	Server     string         `json:"server"`
	Nodes      []NodeStatus   `json:"nodes"`
	Processes  map[string]int `json:"processes"`
}

// NodeStatus is one node's state.
type NodeStatus struct {
	Name string `json:"name"`
	Lost bool   `json:"lost"`
}

func (o Options) controlSocket() string { return o.path("run", "control.sock") }

// serveControl answers status and fault requests on a Unix socket in the
// state directory (used by Cluster and the CLI).
func (s *supervisor) serveControl(ctx context.Context) error {
	_ = os.Remove(s.o.controlSocket())
	ln, err := net.Listen("unix", s.o.controlSocket())
	if err != nil {
		return fmt.Errorf("listening on control socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(s.status())
	})
	mux.HandleFunc("POST /fault", func(w http.ResponseWriter, r *http.Request) {
		if err := s.fault(r.URL.Query()); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close(); _ = os.Remove(s.o.controlSocket()) }()
	return nil
}

func (s *supervisor) status() Status {
	st := Status{Pid: os.Getpid(), Kubeconfig: s.o.Kubeconfig(), Server: s.o.serverURL(), Processes: recordedPids(s.o)}
	for _, n := range s.nodes {
		st.Nodes = append(st.Nodes, NodeStatus{Name: n.Name(), Lost: n.Lost()})
	}
	return st
}

// fault applies one fault: op is kill, freeze, thaw, lose, restore, cut or
// uncut.
func (s *supervisor) fault(q url.Values) error {
	ns, pod := q.Get("namespace"), q.Get("pod")
	switch op := q.Get("op"); op {
	case "lose", "restore":
		n := s.node(q.Get("node"))
		if n == nil {
			return fmt.Errorf("no node %q", q.Get("node"))
		}
		if op == "lose" {
			return n.Lose(q.Get("mode"))
		}
		return n.Restore()
	case "kill":
		return s.onPod(ns, pod, func(n *node.Node) error { return n.KillContainer(ns, pod, q.Get("container")) })
	case "freeze", "thaw":
		return s.onPod(ns, pod, func(n *node.Node) error { return n.FreezePod(ns, pod, op == "freeze") })
	case "cut":
		return s.onPod(ns, pod, func(n *node.Node) error {
			ip, cg, err := n.PodAddress(ns, pod)
			if err != nil {
				return err
			}
			return s.fw.cut(ns+"/"+pod, ip, cg)
		})
	case "uncut":
		return s.fw.restore(ns + "/" + pod)
	default:
		return fmt.Errorf("unknown fault %q", op)
	}
}

func (s *supervisor) node(name string) *node.Node {
	for _, n := range s.nodes {
		if n.Name() == name {
			return n
		}
	}
	return nil
}

// onPod runs f on the node that runs the pod.
func (s *supervisor) onPod(ns, pod string, f func(*node.Node) error) error {
	var errs []error
	for _, n := range s.nodes {
		if _, _, err := n.PodAddress(ns, pod); err == nil {
			return f(n)
		}
	}
	errs = append(errs, fmt.Errorf("pod %s/%s runs on no node", ns, pod))
	return errors.Join(errs...)
}

// controlClient talks to a supervisor's control socket.
type controlClient struct{ http *http.Client }

func newControlClient(o Options) *controlClient {
	sock := o.controlSocket()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}
	return &controlClient{http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *controlClient) status() (*Status, error) {
	resp, err := c.http.Get("http://localkube/status")
	if err != nil {
		return nil, fmt.Errorf("asking the supervisor for status: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	st := &Status{}
	if err := json.NewDecoder(resp.Body).Decode(st); err != nil {
		return nil, fmt.Errorf("decoding status: %w", err)
	}
	return st, nil
}

func (c *controlClient) fault(q url.Values) error {
	resp, err := c.http.Post("http://localkube/fault?"+q.Encode(), "text/plain", nil)
	if err != nil {
		return fmt.Errorf("fault %s: %w", q.Get("op"), err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("fault %s: %s", q.Get("op"), strings.TrimSpace(string(b)))
	}
	return nil
}
