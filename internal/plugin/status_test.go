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
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

func sampleCluster() *v1alpha1.MySQLCluster {
	t0 := metav1.NewTime(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	return &v1alpha1.MySQLCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "mysql", Namespace: "shop", Generation: 4,
			Annotations: map[string]string{v1alpha1.AnnotationSwitchoverTo: "mysql-2"}},
		Spec: v1alpha1.MySQLClusterSpec{Replicas: ptr.To[int32](3), Engine: v1alpha1.Engine{Flavor: v1alpha1.FlavorMariaDB}},
		Status: v1alpha1.MySQLClusterStatus{
			ObservedGeneration: 3, CurrentPrimary: "mysql-0", ReadyMembers: 2, CompletedSwitchover: "mysql-0",
			Members: []v1alpha1.MemberStatus{
				{Name: "mysql-0", Role: "primary", Ready: true, Serving: true, GTIDExecuted: "0-100-12", SemiSync: "waiting, 1 replicas acknowledging"},
				{Name: "mysql-1", Role: "replica", Ready: true, Serving: true, GTIDExecuted: "0-100-11", SemiSync: "acknowledging",
					GTIDReceived: "0-100-12", LagSeconds: ptr.To[int64](1)},
				{Name: "mysql-2", Role: "replica", Ready: false, GTIDExecuted: "0-100-9,1-101-1", Errant: true,
					ErrantTransactions: "1-101-1", Message: "errant: fenced"},
			},
			Conditions: []metav1.Condition{
				{Type: "Ready", Status: metav1.ConditionFalse, Reason: "MembersNotReady", Message: "2/3 ready", LastTransitionTime: t0},
				{Type: "Available", Status: metav1.ConditionTrue, Reason: "PrimaryWritable", LastTransitionTime: t0},
			},
		},
	}
}

func TestStatusTable(t *testing.T) {
	var out bytes.Buffer
	if err := PrintStatusTable(BuildStatus(sampleCluster()), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	for _, want := range [][]string{
		{"Cluster:", "shop/mysql", "mariadb", "11.4", "semiSync"},
		{"Primary:", "mysql-0"},
		{"Members:", "2/3", "ready"},
		{"Pending", "switchover", "mysql-2"},
		{"status describes generation 3", "at 4"},
		{"MEMBER", "ROLE", "READY", "SERVING", "LAG", "SEMI-SYNC", "ERRANT", "GTID EXECUTED", "MESSAGE"},
		{"mysql-0", "primary", "yes", "yes", "-", "waiting, 1 replicas acknowledging", "no", "0-100-12", "-"},
		{"mysql-1", "replica", "yes", "yes", "1s", "acknowledging", "no", "0-100-11", "received, not applied: 0-100-12"},
		{"mysql-2", "replica", "no", "no", "-", "yes: 1-101-1", "0-100-9,1-101-1", "errant: fenced"},
		{"Ready", "False", "MembersNotReady", "2/3 ready"},
		{"Available", "True", "PrimaryWritable"},
	} {
		if !hasLine(lines, want) {
			t.Errorf("no line with %q in:\n%s", want, out.String())
		}
	}
}

// hasLine reports whether a line holds every cell, in order.
func hasLine(lines, cells []string) bool {
	for _, l := range lines {
		rest, ok := l, true
		for _, c := range cells {
			i := strings.Index(rest, c)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(c):]
		}
		if ok {
			return true
		}
	}
	return false
}

func TestStatusJSONAndYAML(t *testing.T) {
	s := BuildStatus(sampleCluster())
	for _, format := range []string{"json", "yaml"} {
		var out bytes.Buffer
		if done, err := printStructured(format, s, &out); !done || err != nil {
			t.Fatalf("%s: printed=%v err=%v", format, done, err)
		}
		raw := out.Bytes()
		if format == "yaml" {
			var err error
			if raw, err = yaml.YAMLToJSON(raw); err != nil {
				t.Fatal(err)
			}
		}
		var got map[string]any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: %v\n%s", format, err, out.String())
		}
		if got["apiVersion"] != OutputAPIVersion || got["kind"] != "ClusterStatus" || got["primary"] != "mysql-0" ||
			got["pendingSwitchover"] != "mysql-2" || got["replicationMode"] != "semiSync" {
			t.Errorf("%s: header fields wrong: %v", format, got)
		}
		members := got["members"].([]any)
		m1 := members[1].(map[string]any)
		if len(members) != 3 || m1["role"] != "replica" || m1["lagSeconds"] != 1.0 || m1["serving"] != true ||
			members[2].(map[string]any)["errant"] != true {
			t.Errorf("%s: members wrong: %v", format, members)
		}
		if _, ok := members[0].(map[string]any)["lagSeconds"]; ok {
			t.Errorf("%s: the primary has no lag, got %v", format, members[0])
		}
		if conds := got["conditions"].([]any); len(conds) != 2 || conds[0].(map[string]any)["reason"] != "MembersNotReady" {
			t.Errorf("%s: conditions wrong: %v", format, conds)
		}
	}
}

func TestStatusOfANewCluster(t *testing.T) {
	mc := &v1alpha1.MySQLCluster{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns"}}
	s := BuildStatus(mc)
	var out bytes.Buffer
	if _, err := printStructured("json", s, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"members": []`) || s.Flavor != "mysql" || s.Ready != "0/3" {
		t.Errorf("a cluster without status prints empty lists and defaults:\n%s", out.String())
	}
	if err := checkOutput("wide"); err == nil {
		t.Error("-o wide is not supported and must be refused")
	}
}

func TestPendingSwitchover(t *testing.T) {
	mc := sampleCluster()
	for _, c := range []struct{ annotation, completed, want string }{
		{"mysql-2", "mysql-0", "mysql-2"},
		{"mysql-2", "mysql-2", ""}, // carried out: the operator ignores it
		{"mysql-0", "", ""},        // the primary already
		{"", "", ""},
	} {
		mc.Annotations[v1alpha1.AnnotationSwitchoverTo], mc.Status.CompletedSwitchover = c.annotation, c.completed
		if got := pendingSwitchover(mc); got != c.want {
			t.Errorf("annotation %q completed %q: pending = %q, want %q", c.annotation, c.completed, got, c.want)
		}
	}
}
