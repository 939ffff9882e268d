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
	"time"
)

// Kind names what a Step asks act to do. docs/topology.md ("Steps, and what
// act must do") gives the exact contract of each.
type Kind string

// The step kinds.
const (
	// Wait: nothing to do now; requeue (after Step.After when set).
	Wait Kind = "Wait"
	// Refuse: the engine will not go on without a human; report Reason.
	Refuse Kind = "Refuse"
	// Bootstrap: make Target the first primary of an empty cluster, then record it.
	Bootstrap Kind = "Bootstrap"
	// Promote: reset Target's replication, clear its fence, then record it as primary.
	Promote Kind = "Promote"
	// MakeWritable: Target is already the recorded primary; clear its fence.
	MakeWritable Kind = "MakeWritable"
	// Fence: set Target read-only, then kill its client connections.
	Fence Kind = "Fence"
	// StopReplicaIO: stop Target's IO thread (failover), leaving its SQL thread applying.
	StopReplicaIO Kind = "StopReplicaIO"
	// ConfigureReplica: point Target at Source with GTID auto-positioning and start it.
	ConfigureReplica Kind = "ConfigureReplica"
	// StartReplication: start Target's stopped replication threads.
	StartReplication Kind = "StartReplication"
	// Seed: re-create Target's datadir from the donor Source.
	Seed Kind = "Seed"
	// EnableSemiSync: make the primary Target wait for a replica's ack on commit.
	EnableSemiSync Kind = "EnableSemiSync"
	// DisableSemiSync: stop the primary Target waiting for acks.
	DisableSemiSync Kind = "DisableSemiSync"
	// Restart: delete Target's pod so the StatefulSet re-creates it from the new template.
	Restart Kind = "Restart"
	// RequireAccountTLS: make the replication and operator accounts refuse plain
	// connections, on the primary Target (replicated to every member).
	RequireAccountTLS Kind = "RequireAccountTLS"
	// RelaxAccountTLS: let the replication and operator accounts connect without
	// TLS again, on the primary Target.
	RelaxAccountTLS Kind = "RelaxAccountTLS"
	// ForceRestart: delete Target's pod with a short grace period: its fence
	// could not be raised (its commits are stuck); the server restarts read-only.
	ForceRestart Kind = "ForceRestart"
)

// Step is the one action Decide chose, and why.
type Step struct {
	Kind   Kind
	Target string        // the member acted on; "" for Wait and Refuse
	Source string        // ConfigureReplica: the new source; Seed: the donor
	Reason string        // a sentence for events and conditions
	Rule   string        // the docs/topology.md rule that chose the step
	After  time.Duration // Wait: when time alone will change the decision; 0 for the usual requeue
	// Also: for StopReplicaIO, further members whose IO thread stops in the
	// same step (Target is the first); for Promote and Bootstrap, members act
	// points at Target right after promoting it (best effort, in parallel).
	// Sorted by ordinal; nil when none.
	Also []string
}

func waitStep(rule, format string, args ...any) Step {
	return Step{Kind: Wait, Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

func refuseStep(rule, format string, args ...any) Step {
	return Step{Kind: Refuse, Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

func actStep(k Kind, rule, target, format string, args ...any) Step {
	return Step{Kind: k, Rule: rule, Target: target, Reason: fmt.Sprintf(format, args...)}
}

func (s Step) from(source string) Step {
	s.Source = source
	return s
}
