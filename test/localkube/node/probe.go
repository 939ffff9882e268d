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
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// probe runs the container's startup, readiness and liveness probes for
// one run of its process (ctx ends when the process exits).
func (c *ctr) probe(ctx context.Context) {
	if c.init {
		return
	}
	if p := c.spec.StartupProbe; p != nil {
		if !c.until(ctx, p) {
			if ctx.Err() == nil {
				c.restartFor("startup")
			}
			return
		}
		c.w.mu.Lock()
		c.started = true
		c.ready = c.spec.ReadinessProbe == nil
		c.w.mu.Unlock()
		c.w.markDirty()
	}
	if p := c.spec.ReadinessProbe; p != nil {
		go c.readiness(ctx, p)
	}
	if p := c.spec.LivenessProbe; p != nil && !c.until(ctx, p) && ctx.Err() == nil {
		c.restartFor("liveness")
	}
}

// until probes until success (true) or failureThreshold consecutive
// failures (false).
func (c *ctr) until(ctx context.Context, p *corev1.Probe) bool {
	if !sleepCtx(ctx, time.Duration(p.InitialDelaySeconds)*time.Second) {
		return false
	}
	fails := 0
	for {
		if c.w.n.gate.wait(ctx) != nil {
			return false
		}
		err := c.check(ctx, p)
		if ctx.Err() != nil {
			return false
		}
		if err == nil && p != c.spec.LivenessProbe {
			return true
		}
		if err == nil {
			fails = 0
		} else if fails++; fails >= threshold(p.FailureThreshold, 3) {
			c.w.n.sh.Log.Info("probe failed", "pod", c.w.name(), "container", c.spec.Name, "err", err)
			return false
		}
		if !sleepCtx(ctx, period(p)) {
			return false
		}
	}
}

func (c *ctr) readiness(ctx context.Context, p *corev1.Probe) {
	if !sleepCtx(ctx, time.Duration(p.InitialDelaySeconds)*time.Second) {
		return
	}
	oks, fails := 0, 0
	for {
		c.w.mu.Lock()
		started := c.started
		c.w.mu.Unlock()
		if started && c.w.n.gate.wait(ctx) == nil {
			err := c.check(ctx, p)
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				oks, fails = oks+1, 0
			} else {
				oks, fails = 0, fails+1
			}
			if oks >= threshold(p.SuccessThreshold, 1) {
				c.setReady(true)
			} else if fails >= threshold(p.FailureThreshold, 3) {
				c.setReady(false)
			}
		}
		if !sleepCtx(ctx, period(p)) {
			return
		}
	}
}

func (c *ctr) setReady(ready bool) {
	c.w.mu.Lock()
	changed := c.ready != ready && c.state.Running != nil
	if changed {
		c.ready = ready
	}
	c.w.mu.Unlock()
	if changed {
		c.w.markDirty()
	}
}

// restartFor kills the container after a failed startup or liveness probe;
// its loop restarts it per restartPolicy.
func (c *ctr) restartFor(probe string) {
	c.w.n.sh.Log.Info("container failed its probe, restarting", "pod", c.w.name(), "container", c.spec.Name, "probe", probe)
	grace := 30 * time.Second
	if g := c.w.currentPod().Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	c.kill(grace)
}

func threshold(v int32, def int) int {
	if v <= 0 {
		return def
	}
	return int(v)
}

func period(p *corev1.Probe) time.Duration {
	if p.PeriodSeconds <= 0 {
		return 10 * time.Second
	}
	return time.Duration(p.PeriodSeconds) * time.Second
}

// check runs the probe's handler once.
func (c *ctr) check(ctx context.Context, p *corev1.Probe) error {
	timeout := time.Duration(threshold(p.TimeoutSeconds, 1)) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c.w.mu.Lock()
	ip := c.w.ip
	c.w.mu.Unlock()
	switch {
	case p.Exec != nil:
		out, err := c.execOutput(ctx, p.Exec.Command)
		if err != nil {
			return fmt.Errorf("exec probe %v: %w: %s", p.Exec.Command, err, truncate(out, 200))
		}
		return nil
	case p.TCPSocket != nil:
		addr := net.JoinHostPort(orDefault(p.TCPSocket.Host, ip), strconv.Itoa(c.port(p.TCPSocket.Port)))
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("tcp probe %s: %w", addr, err)
		}
		return conn.Close()
	case p.HTTPGet != nil:
		return c.httpCheck(ctx, p.HTTPGet, ip)
	}
	return fmt.Errorf("unsupported probe handler (localkube supports exec, tcpSocket, httpGet)")
}

func (c *ctr) httpCheck(ctx context.Context, h *corev1.HTTPGetAction, ip string) error {
	scheme := "http"
	if h.Scheme == corev1.URISchemeHTTPS {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(orDefault(h.Host, ip), strconv.Itoa(c.port(h.Port))), Path: h.Path}
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "kube-probe/localkube")
	for _, hd := range h.HTTPHeaders {
		req.Header.Set(hd.Name, hd.Value)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true} //nolint:gosec // probes do not verify, like the kubelet
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return fmt.Errorf("http probe %s: %w", u.String(), err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("http probe %s: status %d", u.String(), resp.StatusCode)
	}
	return nil
}

// port resolves a probe port, which may name one of the container's ports.
func (c *ctr) port(p intstr.IntOrString) int {
	if p.Type == intstr.Int {
		return p.IntValue()
	}
	for _, cp := range c.spec.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort)
		}
	}
	return 0
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
