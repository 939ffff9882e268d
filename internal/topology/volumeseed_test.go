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
	"testing"
	"time"
)

// Volume seeds: whose volume is snapshotted for a member the StatefulSet is about to create.
func TestVolumeSeedDonor(t *testing.T) {
	rows := []struct {
		name   string
		s      Snapshot
		donor  string
		needed bool
	}{
		{name: "a new cluster (no primary recorded): not needed, the member initialises empty",
			s: cluster("", up("mysql-0", ""))},
		{name: "a primary without transactions: not needed",
			s: cluster("mysql-0", primary("mysql-0", ""))},
		{name: "a primary with data and a serving replica: the replica",
			s:     cluster("mysql-0", primary("mysql-0", "a:1-100"), replica("mysql-1", "a:1-100")),
			donor: "mysql-1", needed: true},
		{name: "only the primary: the primary",
			s:     cluster("mysql-0", primary("mysql-0", "a:1-100")),
			donor: "mysql-0", needed: true},
		{name: "a lagging replica does not serve: the primary",
			s:     cluster("mysql-0", primary("mysql-0", "a:1-100"), replica("mysql-1", "a:1-40").lag(time.Hour)),
			donor: "mysql-0", needed: true},
		{name: "an isolated replica is no donor: the primary",
			s:     cluster("mysql-0", primary("mysql-0", "a:1-100"), replica("mysql-1", "a:1-100").isolated()),
			donor: "mysql-0", needed: true},
		{name: "the primary does not answer: needed, no donor, the member waits",
			s:      cluster("mysql-0", lost("mysql-0", "a:1-100"), replica("mysql-1", "a:1-100")),
			needed: true},
		{name: "the primary's pod is being deleted and no replica serves: needed, no donor",
			s:      cluster("mysql-0", primary("mysql-0", "a:1-100").deleting()),
			needed: true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			donor, _, needed := VolumeSeedDonor(r.s, "mysql-2")
			if donor != r.donor || needed != r.needed {
				t.Errorf("VolumeSeedDonor = %q, needed %v; want %q, %v", donor, needed, r.donor, r.needed)
			}
		})
	}
}
