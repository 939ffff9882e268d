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
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

func TestBackupsReady(t *testing.T) {
	withBackup := func(schedule string) *v1alpha1.MySQLCluster {
		c := testCluster(3)
		c.Spec.Backup = &v1alpha1.Backup{Schedule: schedule}
		return c
	}
	failing := &v1alpha1.ArchiveStatus{Member: "mysql-1", Error: "store s3 …: the credentials were refused"}
	for _, tc := range []struct {
		name    string
		c       *v1alpha1.MySQLCluster
		archive *v1alpha1.ArchiveStatus
		want    string // status reason: message prefix; "" when absent
	}{
		{"no backups, no condition", testCluster(3), nil, ""},
		{"archiving", withBackup("@daily"), &v1alpha1.ArchiveStatus{Member: "mysql-0"}, "True Archiving: the primary archives"},
		{"a schedule that cannot parse", withBackup("every night"), &v1alpha1.ArchiveStatus{Member: "mysql-0"},
			`False InvalidSchedule: backup.schedule "every night" is not a cron expression`},
		{"archiving fails", withBackup(""), failing, "False ArchiveFailed: mysql-1 cannot archive its binary logs: store s3"},
		{"the primary was not asked: nothing known", withBackup(""), nil, ""},
	} {
		var conds []metav1.Condition
		setBackupsReady(tc.c, &world{archive: tc.archive}, &conds)
		got := ""
		if c := meta.FindStatusCondition(conds, v1alpha1.ConditionBackupsReady); c != nil {
			got = string(c.Status) + " " + c.Reason + ": " + c.Message
		}
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q…", tc.name, got, tc.want)
		}
	}
}
