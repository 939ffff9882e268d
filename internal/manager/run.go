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

package manager

import (
	"context"
	"errors"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/ordinal-dev/ordinal/internal/metrics"
)

// Run runs managers made by build until ctx ends. A manager whose leadership is lost (its lease
// expired while this process was frozen, cut off, or its node lost) ends, and most operators then
// exit. This one stands by again at once, as a new manager: a process that exits is restarted by
// the kubelet after a back-off that grows with each restart (10 s, 20 s, 40 s …), and a fresh
// process must watch the lease a whole lease duration before it may take it. Both made a second
// lost node within minutes cost 20–24 s of writes instead of a lease: the standby was the leader
// lost the time before, and was still waiting to be restarted. build's again is true for every
// manager after the first.
func Run(ctx context.Context, build func(again bool) (ctrl.Manager, error)) error {
	log := ctrl.Log.WithName("run")
	var lost time.Time
	for again := false; ; again = true {
		mgr, err := build(again)
		if err == nil {
			err = mgr.Start(ctx)
		}
		switch {
		case ctx.Err() != nil:
			return nil
		case lostLeadership(err):
			lost = time.Now()
			log.Info("Lost the leadership: standing by again")
		case again && time.Since(lost) < restartWindow:
			// The last manager's servers may still hold their ports for a moment.
			log.Info("Could not stand by again yet; retrying", "err", err.Error())
		default:
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(restartPause):
		}
		// After the pause: a pass the last manager was still finishing may have recorded a cluster.
		metrics.ForgetAll()
	}
}

// A manager that lost its leadership stops without waiting for its runnables (controller-runtime
// skips the graceful shutdown then): the next one starts restartPause later, and may retry for
// restartWindow while the last one's servers release their ports.
const (
	restartPause  = time.Second
	restartWindow = 15 * time.Second
)

// lostLeadership reports controller-runtime's error for a lease lost without being released: it
// has no exported error value, only this text.
func lostLeadership(err error) bool {
	return err != nil && err.Error() == errLeaderLost.Error()
}

var errLeaderLost = errors.New("leader election lost")
