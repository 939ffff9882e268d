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

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

func TestSemiSyncSummary(t *testing.T) {
	for _, tc := range []struct {
		primary bool
		s       mysql.SemiSync
		want    string
	}{
		{true, mysql.SemiSync{SourceEnabled: true, SourceClients: 2}, "waiting, 2 replicas acknowledging"},
		{true, mysql.SemiSync{SourceEnabled: true}, "waiting, 0 replicas acknowledging"},
		{true, mysql.SemiSync{ReplicaEnabled: true}, "off"},
		{false, mysql.SemiSync{ReplicaEnabled: true, ReplicaActive: true}, "acknowledging"},
		{false, mysql.SemiSync{ReplicaEnabled: true}, "enabled, not acknowledging"},
		{false, mysql.SemiSync{}, "off"},
	} {
		if got := semiSyncSummary(tc.primary, tc.s); got != tc.want {
			t.Errorf("semiSyncSummary(%v, %+v) = %q, want %q", tc.primary, tc.s, got, tc.want)
		}
	}
}
