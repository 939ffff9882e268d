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

package controller

import (
	"testing"
	"time"
)

// A busy worker never holds up a job: a look at a member that does not answer must not delay
// another cluster's.
func TestWorkersNeverWaitForABusyWorker(t *testing.T) {
	w := newWorkers(time.Minute)
	release, second := make(chan struct{}), make(chan struct{})
	w.do(func() { <-release })
	w.do(func() { close(second) })
	select {
	case <-second:
	case <-time.After(5 * time.Second):
		t.Fatal("the second job waited for the first")
	}
	close(release)
	if got := w.started.Load(); got != 2 {
		t.Errorf("started %d workers for two jobs at once, want 2", got)
	}
}

// Jobs one after another run on a kept worker, not on a new goroutine each.
func TestWorkersKeepTheirGoroutines(t *testing.T) {
	w := newWorkers(time.Minute)
	const jobs = 10
	for range jobs {
		done := make(chan struct{})
		w.do(func() { close(done) })
		<-done
		time.Sleep(20 * time.Millisecond) // the worker goes back to waiting
	}
	if got := w.started.Load(); got >= jobs {
		t.Errorf("started %d workers for %d jobs one after another: none was kept", got, jobs)
	}
}

// An idle worker exits: a thousand clusters' burst of looks does not leave its goroutines behind.
func TestWorkersExitWhenIdle(t *testing.T) {
	w := newWorkers(10 * time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for w.started.Load() < 2 && time.Now().Before(deadline) {
		done := make(chan struct{})
		w.do(func() { close(done) })
		<-done
		time.Sleep(100 * time.Millisecond)
	}
	if got := w.started.Load(); got < 2 {
		t.Errorf("the only worker never exited (started %d)", got)
	}
}
