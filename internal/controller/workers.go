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
	"sync/atomic"
	"time"
)

// workers runs short jobs on goroutines it keeps between jobs. The pulse watch reads thousands of
// members every few seconds, and the driver's calls are deep: a goroutine started per look grew
// and copied its stack every time (a tenth of the operator's CPU at rest at 1,000 clusters). A
// kept goroutine grows its stack once. A job never waits for a free worker: when none is idle a
// new one starts, so a member that does not answer (a read bounded by the probe's timeout) never
// delays another cluster's look.
type workers struct {
	jobs chan func()
	// idle is how long a worker waits for its next job before it exits.
	idle time.Duration
	// started counts the workers started so far.
	started atomic.Int64
}

// workerIdle outlasts the gap between two pulse slots, so the workers of a steady load are kept.
const workerIdle = 30 * time.Second

func newWorkers(idle time.Duration) *workers {
	return &workers{jobs: make(chan func()), idle: idle}
}

// do runs job on an idle worker, or on a new one when none is idle.
func (w *workers) do(job func()) {
	select {
	case w.jobs <- job:
	default:
		w.started.Add(1)
		go w.work(job)
	}
}

// work runs job, then the jobs handed to it, until none came for w.idle.
func (w *workers) work(job func()) {
	t := time.NewTimer(w.idle)
	defer t.Stop()
	for {
		job()
		t.Reset(w.idle)
		select {
		case job = <-w.jobs:
		case <-t.C:
			return
		}
	}
}
