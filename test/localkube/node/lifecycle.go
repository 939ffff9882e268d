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
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// runInit runs the init containers in order; it returns false when the pod
// cannot proceed (failed for good or being stopped).
func (w *podWorker) runInit() bool {
	for _, c := range w.initCs {
		if !c.runToCompletion() {
			return false
		}
	}
	w.mu.Lock()
	w.initialized = true
	w.mu.Unlock()
	w.markDirty()
	return true
}

// runToCompletion runs an init container until it exits 0, restarting it
// with back-off unless the pod's restartPolicy is Never.
func (c *ctr) runToCompletion() bool {
	w := c.w
	b := w.n.sh.newBackoff()
	for {
		if w.n.gate.wait(w.ctx) != nil {
			return false
		}
		code, ok := c.runOnce()
		if !ok {
			return false
		}
		if code == notStarted {
			continue
		}
		if code == 0 {
			w.mu.Lock()
			c.finished = true
			w.mu.Unlock()
			return true
		}
		if w.currentPod().Spec.RestartPolicy == corev1.RestartPolicyNever {
			w.fail("InitContainerFailed", errors.New("init container "+c.spec.Name+" failed"))
			return false
		}
		if !c.backOff(b) {
			return false
		}
	}
}

// notStarted is runOnce's code when the process could not be started.
const notStarted = -1

// runOnce starts the container and waits for it; ok is false when the pod
// is being stopped (or the start failed and the pod stopped meanwhile).
func (c *ctr) runOnce() (code int, ok bool) {
	w := c.w
	if err := c.start(w.ctx); err != nil {
		// Not a run: retry the start (image, config) whatever the restart
		// policy, as the kubelet does for ErrImagePull and config errors.
		c.startFailed(err)
		return notStarted, sleepCtx(w.ctx, 5*time.Second)
	}
	_, exited := c.running()
	runCtx, stop := context.WithCancel(w.ctx)
	go c.probe(runCtx)
	select {
	case <-exited:
	case <-w.ctx.Done():
		stop()
		return -1, false
	}
	stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	return int(c.state.Terminated.ExitCode), true
}

func (c *ctr) startFailed(err error) {
	reason := "CreateContainerError"
	var se *startError
	if errors.As(err, &se) {
		reason = se.reason
	}
	c.w.n.sh.Log.Warn("container did not start", "pod", c.w.name(), "container", c.spec.Name, "reason", reason, "err", err)
	c.w.mu.Lock()
	c.state = waiting(reason, err.Error())
	c.w.mu.Unlock()
	c.w.markDirty()
}

// backOff waits before a restart, showing CrashLoopBackOff, and counts it.
func (c *ctr) backOff(b *backoff) bool {
	w := c.w
	d := b.next()
	w.mu.Lock()
	if c.state.Terminated != nil {
		c.last = c.state
		c.restarts++
		c.state = waiting("CrashLoopBackOff", "back-off "+d.String()+" restarting failed container="+c.spec.Name+" pod="+w.pod.Name)
	}
	w.mu.Unlock()
	w.markDirty()
	return sleepCtx(w.ctx, d)
}

// startContainers runs each app container under its restart loop.
func (w *podWorker) startContainers() {
	for _, c := range w.appCs {
		w.wg.Add(1)
		go func() { defer w.wg.Done(); c.loop() }()
	}
}

func (c *ctr) loop() {
	w := c.w
	b := w.n.sh.newBackoff()
	for {
		if w.n.gate.wait(w.ctx) != nil {
			return
		}
		began := time.Now()
		code, ok := c.runOnce()
		if !ok {
			return
		}
		if code == notStarted {
			continue
		}
		if time.Since(began) > 10*time.Minute {
			b.reset()
		}
		switch w.currentPod().Spec.RestartPolicy {
		case corev1.RestartPolicyNever:
			c.setFinished()
			return
		case corev1.RestartPolicyOnFailure:
			if code == 0 {
				c.setFinished()
				return
			}
		}
		if !c.backOff(b) {
			return
		}
	}
}

func (c *ctr) setFinished() {
	c.w.mu.Lock()
	c.finished = true
	c.w.mu.Unlock()
	c.w.markDirty()
}

// backoff doubles from base to max, like the kubelet's CrashLoopBackOff.
type backoff struct {
	base, max, cur time.Duration
}

func (s *Shared) newBackoff() *backoff {
	base, maxD := s.BackoffBase, s.BackoffMax
	if base <= 0 {
		base = 10 * time.Second
	}
	if maxD < base {
		maxD = 5 * time.Minute
	}
	return &backoff{base: base, max: maxD}
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.base
		return 0
	}
	d := b.cur
	b.cur = min(b.cur*2, b.max)
	return d
}

func (b *backoff) reset() { b.cur = 0 }
