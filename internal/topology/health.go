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
	"strings"
)

// Reasons of the conditions that tell a person the primary takes no writes
// safely (docs/topology.md, "Status side").
const (
	reasonCannotCommit      = "PrimaryCannotCommit"
	reasonSemiSyncNotActive = "SemiSyncNotActive"
)

// ClusterHealth summarises the cluster for the Available, Ready and Degraded conditions.
func ClusterHealth(s Snapshot) Health {
	v := newView(s)
	h := Health{Desired: s.Replicas, Available: available(v)}
	var notServing, unhealthy []string
	errant := false
	for i := 0; i < s.Replicas; i++ {
		m, ok := v.byOrdinal(i)
		if !ok || !m.PodExists {
			notServing = append(notServing, fmt.Sprintf("ordinal %d: no pod yet", i))
			continue
		}
		_, serving, why := v.roleOf(m)
		if serving && !m.PodReady {
			// Clients reach a member through Services only once its pod is Ready: until then the
			// cluster is not ready for them, though the member already serves.
			notServing = append(notServing, m.Name+": serving, but its pod is not Ready yet")
			continue
		}
		if serving {
			h.Serving++
			continue
		}
		errant = errant || v.errant(m)
		notServing = append(notServing, m.Name+": "+why)
		unhealthy = append(unhealthy, m.Name+": "+why)
	}
	h.Ready = readyCondition(v, h.Available, notServing)
	h.Degraded = degradedCondition(v, errant, unhealthy)
	return h
}

func available(v *view) Condition {
	p := v.s.CurrentPrimary
	switch {
	case p == "":
		return Condition{Reason: "NoPrimary", Message: "no primary is recorded yet"}
	case !v.primaryReachable():
		return Condition{Reason: "PrimaryUnreachable", Message: p + " does not answer"}
	case !v.primary.Writable:
		return Condition{Reason: "PrimaryReadOnly", Message: p + " is read-only"}
	case v.primary.CannotCommit:
		return Condition{Reason: reasonCannotCommit, Message: cannotCommitMessage(v.primary)}
	}
	return Condition{Status: true, Reason: "PrimaryWritable", Message: p + " is writable"}
}

// cannotCommitMessage says why the writable primary's heartbeat did not
// commit, and the likely cause when the semi-sync wait has nobody to ack.
func cannotCommitMessage(p Member) string {
	msg := fmt.Sprintf("%s is writable but a heartbeat write did not commit: %s", p.Name, p.CommitError)
	if p.SemiSyncSource && p.SemiSyncClients == 0 {
		msg += "; no replica is connected to acknowledge it (semi-sync waits for one)"
	}
	if p.SemiSyncWaiting > 0 {
		msg += fmt.Sprintf("; %d session(s) waiting for an acknowledgement", p.SemiSyncWaiting)
	}
	return msg
}

func readyCondition(v *view, avail Condition, notServing []string) Condition {
	switch {
	case avail.Reason == reasonCannotCommit:
		return Condition{Reason: reasonCannotCommit, Message: avail.Message}
	case !avail.Status:
		return Condition{Reason: "PrimaryNotAvailable", Message: avail.Message}
	case semiSyncInactive(v) != "":
		return Condition{Reason: reasonSemiSyncNotActive,
			Message: strings.Join(append([]string{semiSyncInactive(v)}, notServing...), "; ")}
	case len(notServing) > 0:
		return Condition{Reason: "MembersNotServing", Message: strings.Join(notServing, "; ")}
	}
	return Condition{Status: true, Reason: "AllMembersServing", Message: "every member serves"}
}

// semiSyncInactive says why a writable primary does not replicate losslessly
// although semi-sync is wanted; "" when it does or is not wanted.
func semiSyncInactive(v *view) string {
	p := v.primary
	switch {
	case !v.semiSyncWanted() || !v.primaryEstablished():
		return ""
	case !p.SemiSyncSource:
		return p.Name + " does not wait for semi-sync acknowledgements: a commit could be acknowledged without a replica copy"
	case p.SemiSyncClients == 0:
		return p.Name + " waits for semi-sync acknowledgements but no replica is connected to send one: commits wait"
	}
	return ""
}

// degradedCondition: members that do not exist yet are progress, not damage,
// so they are not counted here (Ready covers them).
func degradedCondition(v *view, errant bool, unhealthy []string) Condition {
	switch {
	case v.s.CurrentPrimary == "":
		return Condition{Reason: "NoPrimary", Message: "no primary is recorded yet"}
	case !v.primaryReachable():
		return Condition{Status: true, Reason: "PrimaryUnreachable", Message: v.s.CurrentPrimary + " does not answer"}
	case v.primary.Writable && v.primary.CannotCommit:
		return Condition{Status: true, Reason: reasonCannotCommit, Message: cannotCommitMessage(v.primary)}
	case errant:
		return Condition{Status: true, Reason: "ErrantTransactions", Message: strings.Join(unhealthy, "; ")}
	case len(unhealthy) > 0:
		return Condition{Status: true, Reason: "MembersUnhealthy", Message: strings.Join(unhealthy, "; ")}
	}
	return Condition{Reason: "Healthy", Message: "every member is healthy"}
}
