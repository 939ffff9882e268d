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

package topology

import (
	"fmt"
	"testing"
	"time"
)

// benchCluster is a 9-member cluster with a lost primary and replicas at different positions: the
// most expensive decision (failover candidate search over every pair of received sets).
func benchCluster() Snapshot {
	ms := []Member{lost("mysql-0", "a:1-1000")}
	for i := 1; i < 9; i++ {
		r := replica(fmt.Sprintf("mysql-%d", i), fmt.Sprintf("a:1-%d", 990+i)).ioStopped(0)
		ms = append(ms, r)
	}
	return cluster("mysql-0", ms...).unreachableFor(time.Minute)
}

// BenchmarkDecideFailover9 measures one decision during a failover of a 9-member cluster.
func BenchmarkDecideFailover9(b *testing.B) {
	s := benchCluster()
	for b.Loop() {
		_ = Decide(s)
	}
}

// BenchmarkStatus9 measures the status side (roles, members, health) for the same cluster.
func BenchmarkStatus9(b *testing.B) {
	s := benchCluster()
	for b.Loop() {
		_ = Roles(s)
		_ = Members(s)
		_ = ClusterHealth(s)
	}
}
