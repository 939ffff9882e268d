//go:build e2e && bench

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

package e2e

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
)

// spreadForNodeFault makes a node-fault run start from a cluster whose members are on different
// nodes, every node schedulable. A run can leave two members on one node: an old primary that
// returns with an unacknowledged commit is re-seeded at once, and its new pod is scheduled while
// its own node, just restored, still carries the unreachable taint (the members' anti-affinity is
// a preference). The operator moves such a replica once its node is schedulable again
// (topology rule spreadMembers); the harness waits for it, fails the run if it does not, and
// returns a note for the section saying it happened, or "".
func spreadForNodeFault(ctx context.Context, e *faultEnv, run int) string {
	GinkgoHelper()
	shared, node := waitSpread(ctx, e)
	if shared == "" {
		return ""
	}
	GinkgoWriter.Printf("bench: faults: run %d: %s shared %s with another member; the operator moved it\n", run, shared, node)
	return fmt.Sprintf("node lost, before run %d: %s shared %s with another member after the last run (its re-seed's pod was "+
		"scheduled while its own node was still tainted); the operator moved it before the run.", run, shared, node)
}
