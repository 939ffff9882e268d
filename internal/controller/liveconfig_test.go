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
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	mysqlfake "github.com/ordinal-dev/ordinal/internal/mysql/fake"
)

// liveHarness is a 2-member cluster on a fake API whose members answer through package fake.
func liveHarness(t *testing.T, c *v1alpha1.MySQLCluster) (*ClusterReconciler, *world, *mysqlfake.Cluster, client.Client) {
	t.Helper()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	servers := mysqlfake.NewCluster(mysql.MariaDB)
	w := &world{written: c.DeepCopy()}
	var objs []client.Object
	for i, name := range []string{"mysql-0", "mysql-1"} {
		addr := name + ":3306"
		servers.Add(addr, uint32(100+i))
		conn, _ := servers.Open(mysql.Config{Host: name, Port: 3306})
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: name}}
		objs = append(objs, pod)
		w.members = append(w.members, &member{ordinal: i, name: name, pod: pod, conn: conn, status: &mysql.Status{}})
	}
	api := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
	return &ClusterReconciler{Client: api, APIReader: api, Scheme: scheme, Recorder: events.NewFakeRecorder(20)}, w, servers, api
}

func TestLiveConfigIsAppliedOnceAndRecordedOnThePod(t *testing.T) {
	c := testCluster(2)
	c.Spec.Config = map[string]v1alpha1.ConfigValue{"max_connections": "300", "back_log": "90", "max_allowed_packet": "64M"}
	r, w, servers, api := liveHarness(t, c)
	r.applyLiveConfig(context.Background(), c, w)
	for _, name := range []string{"mysql-0", "mysql-1"} {
		got := servers.Member(name + ":3306").Globals()
		if got["max_connections"] != "300" || got["max_allowed_packet"] != "67108864" {
			t.Errorf("%s runs with %v: want max_connections 300 and max_allowed_packet in bytes", name, got)
		}
		if _, set := got["back_log"]; set {
			t.Errorf("%s: back_log needs a restart and must not be set live", name)
		}
		pod := &corev1.Pod{}
		_ = api.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: name}, pod)
		if !strings.Contains(pod.Annotations[v1alpha1.AnnotationLiveConfig], "max_connections=") {
			t.Errorf("%s: applied settings not recorded: %v", name, pod.Annotations)
		}
	}
	// A second pass with the recorded pods writes nothing.
	calls := len(servers.Calls())
	r.applyLiveConfig(context.Background(), c, w)
	if len(servers.Calls()) != calls {
		t.Errorf("an unchanged config was applied again: %v", servers.Calls()[calls:])
	}
	// The user changes one setting and removes another: only those are set, the removed one reset.
	c.Spec.Config = map[string]v1alpha1.ConfigValue{"max_connections": "500", "back_log": "90"}
	r.applyLiveConfig(context.Background(), c, w)
	got := servers.Member("mysql-1:3306").Globals()
	if got["max_connections"] != "500" || got["max_allowed_packet"] != "DEFAULT" {
		t.Errorf("after the change mysql-1 runs with %v", got)
	}
	if w.configRejected != "" {
		t.Errorf("configRejected = %q", w.configRejected)
	}
}

func TestRefusedLiveSettingIsReportedAndRetried(t *testing.T) {
	c := testCluster(2)
	c.Spec.Config = map[string]v1alpha1.ConfigValue{"max_connections": "300"}
	r, w, servers, api := liveHarness(t, c)
	servers.Member("mysql-1:3306").FailOn("SetGlobals", errors.New("Variable 'max_connections' can't be set"))
	r.applyLiveConfig(context.Background(), c, w)
	if !strings.Contains(w.configRejected, "mysql-1") || strings.Contains(w.configRejected, "mysql-0") {
		t.Errorf("configRejected = %q, want mysql-1's refusal only", w.configRejected)
	}
	pod := &corev1.Pod{}
	_ = api.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "mysql-1"}, pod)
	if _, ok := pod.Annotations[v1alpha1.AnnotationLiveConfig]; ok {
		t.Error("a refused setting was recorded as applied: it would never be tried again")
	}
	if s := configStatus(c, w); s == nil || s.Rejected == "" {
		t.Errorf("status.config = %+v, want the refusal", s)
	}
}

func TestConfigStatusNamesPendingRestartSettingsAndMembers(t *testing.T) {
	c := testCluster(2)
	c.Spec.Config = map[string]v1alpha1.ConfigValue{"back_log": "90"}
	old := c.DeepCopy()
	old.Spec.Config = map[string]v1alpha1.ConfigValue{"back_log": "50", "max_connections": "10"}
	oldDigest, _ := desired.RestartConfig(old)
	newDigest, _ := desired.RestartConfig(c)
	pod := func(name, digest string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{v1alpha1.AnnotationRestartConfig: digest}}}
	}
	w := &world{pods: []corev1.Pod{pod("mysql-0", newDigest), pod("mysql-1", oldDigest)}}
	s := configStatus(c, w)
	if s == nil || !reflect.DeepEqual(s.PendingRestart, []string{"back_log"}) || !reflect.DeepEqual(s.MembersPendingRestart, []string{"mysql-1"}) {
		t.Errorf("status.config = %+v, want back_log pending on mysql-1 (max_connections is live)", s)
	}
	w.pods[1] = pod("mysql-1", newDigest)
	if s := configStatus(c, w); s != nil {
		t.Errorf("status.config = %+v once every member restarted, want none", s)
	}
}

func TestLiveChanges(t *testing.T) {
	live := map[string]string{"max_connections": "300", "sql_mode": "STRICT_ALL_TABLES", "innodb_buffer_pool_size": "1G"}
	got, err := liveChanges(live, mycnf.Changed("wait_timeout=00000000", mycnf.Digest(live)))
	if err != nil {
		t.Fatal(err)
	}
	want := []mysql.GlobalSetting{
		{Name: "innodb_buffer_pool_size", Value: "1073741824"},
		{Name: "max_connections", Value: "300"},
		{Name: "sql_mode", Value: "STRICT_ALL_TABLES", Quoted: true},
		{Name: "wait_timeout", Default: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("liveChanges = %+v\nwant %+v", got, want)
	}
}
