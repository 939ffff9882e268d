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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The pass that confirms a primary already due for failover (silent for the failover delay, with a
// failed look since) waits confirmTimeout for it, not probeTimeout; every other probe of the
// primary waits probeTimeout.
func TestAPrimaryDueForFailoverIsProbedBriefly(t *testing.T) {
	t0 := time.Unix(1000, 0)
	delay := 5 * time.Second // testCluster's failover delay: the schema default
	for name, tc := range map[string]struct {
		answered time.Duration   // the last answer after t0; <0: none seen by this process
		failed   []time.Duration // failed looks after t0
		since    time.Duration   // status.primaryUnreachableSince after t0; <0: not set
		now      time.Duration
		want     time.Duration
	}{
		"answering":                       {0, nil, -1, 8 * time.Second, probeTimeout},
		"failed once, within the delay":   {0, []time.Duration{2 * time.Second}, -1, 4 * time.Second, probeTimeout},
		"failed, silent past the delay":   {0, []time.Duration{2 * time.Second}, -1, 7 * time.Second, confirmTimeout},
		"a standby's looks, then elected": {0, []time.Duration{2 * time.Second, 4 * time.Second}, -1, 6500 * time.Millisecond, confirmTimeout},
		"answered again since the clock":  {4 * time.Second, nil, 0, 7 * time.Second, probeTimeout},
		"no answer seen, clock in status": {-1, []time.Duration{1 * time.Second}, 0, 6 * time.Second, confirmTimeout},
		"no answer seen, no clock":        {-1, []time.Duration{1 * time.Second}, -1, 30 * time.Second, probeTimeout},
	} {
		r := &ClusterReconciler{}
		c := testCluster(3)
		c.UID, c.Status.CurrentPrimary = "u", "mysql-0"
		if c.FailoverDelay() != delay {
			t.Fatalf("testCluster's failover delay is %v", c.FailoverDelay())
		}
		if tc.since >= 0 {
			c.Status.PrimaryUnreachableSince = &metav1.Time{Time: t0.Add(tc.since)}
		}
		if tc.answered >= 0 {
			r.primaries.sawPulse("u", "mysql-0", t0.Add(tc.answered), true)
		}
		for _, at := range tc.failed {
			r.primaries.sawPulse("u", "mysql-0", t0.Add(at), false)
		}
		r.Now = func() time.Time { return t0.Add(tc.now) }
		if got := r.primaryProbeBound(c); got != tc.want {
			t.Errorf("%s: the primary's probe waits %v, want %v", name, got, tc.want)
		}
	}
}
