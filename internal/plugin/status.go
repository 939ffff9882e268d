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

package plugin

import (
	"fmt"
	"io"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// ClusterStatus is what `status -o json|yaml` prints (kind ClusterStatus). It is built from the
// MySQLCluster's spec and status only: the operator's last observation, not a fresh probe.
type ClusterStatus struct {
	metav1.TypeMeta `json:",inline"`
	Name            string `json:"name"`
	Namespace       string `json:"namespace"`
	Flavor          string `json:"flavor"`
	Version         string `json:"version"`
	// ReplicationMode is spec.replication.mode: semiSync or async.
	ReplicationMode string `json:"replicationMode"`
	// Desired is spec.replicas; Ready is "ready/desired".
	Desired int32  `json:"desired"`
	Ready   string `json:"ready"`
	Primary string `json:"primary"`
	// PrimaryUnreachableSince is set while the operator waits out the failover delay.
	PrimaryUnreachableSince *metav1.Time `json:"primaryUnreachableSince,omitempty"`
	// PendingSwitchover is the switchover-to annotation while it has not been carried out.
	PendingSwitchover   string             `json:"pendingSwitchover,omitempty"`
	CompletedSwitchover string             `json:"completedSwitchover,omitempty"`
	ObservedGeneration  int64              `json:"observedGeneration"`
	Generation          int64              `json:"generation"`
	Members             []MemberStatus     `json:"members"`
	Conditions          []ConditionSummary `json:"conditions"`
}

// MemberStatus is one member, as status.members reports it.
type MemberStatus struct {
	Name               string `json:"name"`
	Role               string `json:"role"`
	Ready              bool   `json:"ready"`
	Serving            bool   `json:"serving"`
	SemiSync           string `json:"semiSync,omitempty"`
	GTIDExecuted       string `json:"gtidExecuted"`
	GTIDReceived       string `json:"gtidReceived,omitempty"`
	LagSeconds         *int64 `json:"lagSeconds,omitempty"`
	Errant             bool   `json:"errant"`
	ErrantTransactions string `json:"errantTransactions,omitempty"`
	KeptAside          string `json:"keptAside,omitempty"`
	Message            string `json:"message,omitempty"`
}

// ConditionSummary is one status condition.
type ConditionSummary struct {
	Type               string      `json:"type"`
	Status             string      `json:"status"`
	Reason             string      `json:"reason,omitempty"`
	Message            string      `json:"message,omitempty"`
	LastTransitionTime metav1.Time `json:"lastTransitionTime"`
}

// DeepCopyObject makes ClusterStatus a runtime.Object for cli-runtime's printers.
func (s *ClusterStatus) DeepCopyObject() runtime.Object { return deepCopyJSON(s) }

// BuildStatus summarises a MySQLCluster.
func BuildStatus(mc *v1alpha1.MySQLCluster) *ClusterStatus {
	s := &ClusterStatus{
		TypeMeta: metav1.TypeMeta{APIVersion: OutputAPIVersion, Kind: "ClusterStatus"},
		Name:     mc.Name, Namespace: mc.Namespace,
		Flavor: string(mc.Flavor()), Version: mc.Version(), ReplicationMode: string(mc.ReplicationMode()),
		Desired: mc.DesiredReplicas(), Ready: fmt.Sprintf("%d/%d", mc.Status.ReadyMembers, mc.DesiredReplicas()),
		Primary: mc.Status.CurrentPrimary, PrimaryUnreachableSince: mc.Status.PrimaryUnreachableSince,
		PendingSwitchover: pendingSwitchover(mc), CompletedSwitchover: mc.Status.CompletedSwitchover,
		ObservedGeneration: mc.Status.ObservedGeneration, Generation: mc.Generation,
		Members: []MemberStatus{}, Conditions: []ConditionSummary{},
	}
	for _, m := range mc.Status.Members {
		s.Members = append(s.Members, MemberStatus{
			Name: m.Name, Role: m.Role, Ready: m.Ready, Serving: m.Serving, SemiSync: m.SemiSync,
			GTIDExecuted: m.GTIDExecuted, GTIDReceived: m.GTIDReceived, LagSeconds: m.LagSeconds,
			Errant: m.Errant, ErrantTransactions: m.ErrantTransactions, KeptAside: m.KeptAside, Message: m.Message,
		})
	}
	for _, c := range mc.Status.Conditions {
		s.Conditions = append(s.Conditions, ConditionSummary{
			Type: c.Type, Status: string(c.Status), Reason: c.Reason, Message: c.Message,
			LastTransitionTime: c.LastTransitionTime,
		})
	}
	return s
}

// pendingSwitchover mirrors the operator: the annotation counts until it has been carried out.
func pendingSwitchover(mc *v1alpha1.MySQLCluster) string {
	to := mc.Annotations[v1alpha1.AnnotationSwitchoverTo]
	if to == "" || to == mc.Status.CompletedSwitchover || to == mc.Status.CurrentPrimary {
		return ""
	}
	return to
}

// PrintStatusTable writes the human view: a header, the members, the conditions.
func PrintStatusTable(s *ClusterStatus, out io.Writer) error {
	w := printers.GetNewTabWriter(out)
	fmt.Fprintf(w, "Cluster:\t%s/%s (%s %s, replication %s)\n", s.Namespace, s.Name, s.Flavor, s.Version, s.ReplicationMode)
	fmt.Fprintf(w, "Primary:\t%s\n", dash(s.Primary))
	fmt.Fprintf(w, "Members:\t%s ready\n", s.Ready)
	if s.PrimaryUnreachableSince != nil {
		fmt.Fprintf(w, "Primary unreachable since:\t%s\n", s.PrimaryUnreachableSince.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if s.PendingSwitchover != "" {
		fmt.Fprintf(w, "Pending switchover to:\t%s\n", s.PendingSwitchover)
	}
	if s.ObservedGeneration != s.Generation {
		fmt.Fprintf(w, "Note:\tstatus describes generation %d; the spec is at %d\n", s.ObservedGeneration, s.Generation)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "MEMBER\tROLE\tREADY\tSERVING\tLAG\tSEMI-SYNC\tERRANT\tGTID EXECUTED\tMESSAGE")
	for _, m := range s.Members {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, dash(m.Role), yesNo(m.Ready), yesNo(m.Serving),
			lagCell(m), dash(m.SemiSync), errantCell(m), dash(m.GTIDExecuted), memberNote(m))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CONDITION\tSTATUS\tREASON\tMESSAGE")
	for _, c := range s.Conditions {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", c.Type, c.Status, dash(c.Reason), c.Message)
	}
	return w.Flush()
}

func lagCell(m MemberStatus) string {
	if m.LagSeconds == nil {
		return "-"
	}
	return strconv.FormatInt(*m.LagSeconds, 10) + "s"
}

func errantCell(m MemberStatus) string {
	if !m.Errant {
		return "no"
	}
	return "yes: " + dash(m.ErrantTransactions)
}

// memberNote is the member's message, and what it received but has not applied yet.
func memberNote(m MemberStatus) string {
	note := m.Message
	if m.GTIDReceived != "" {
		if note != "" {
			note += "; "
		}
		note += "received, not applied: " + m.GTIDReceived
	}
	return dash(note)
}
