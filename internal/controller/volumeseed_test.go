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

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// A new member's volume: snapshot the donor's, wait for the snapshot, restore the claim; the
// StatefulSet stays below the new member until its claim exists.
func TestDecideVolumeSeed(t *testing.T) {
	c := testCluster(4)
	c.Spec.Storage.SeedFromVolumeSnapshot = &v1alpha1.VolumeSnapshotSeed{VolumeSnapshotClassName: "snaps"}
	snap := func(status map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"status": status}}
	}
	rows := []struct {
		name     string
		v        volumeSeedView
		action   volumeSeedAction
		capped   bool
		limit    int32
		stalled  bool
		contains string
	}{
		{name: "no member lacks its volume: nothing", v: volumeSeedView{target: -1}},
		{name: "the cluster holds no data: the member starts empty", v: volumeSeedView{target: 1}},
		{name: "no snapshot yet: snapshot the donor's volume, hold the member",
			v:      volumeSeedView{target: 3, needed: true, donor: c.Name + "-1"},
			action: seedSnapshot, capped: true, limit: 3, contains: "snapshotting " + c.Name + "-1's volume"},
		{name: "no snapshot and no donor: hold the member",
			v:      volumeSeedView{target: 3, needed: true},
			capped: true, limit: 3, contains: "no member can be snapshotted now"},
		{name: "the snapshot is not ready: hold the member",
			v:      volumeSeedView{target: 3, needed: true, donor: c.Name + "-1", snapshot: snap(map[string]any{"readyToUse": false})},
			capped: true, limit: 3, contains: "not ready to use yet"},
		{name: "the snapshot failed: hold the member, say why",
			v: volumeSeedView{target: 3, needed: true, donor: c.Name + "-1",
				snapshot: snap(map[string]any{"error": map[string]any{"message": "quota exceeded"}})},
			capped: true, limit: 3, contains: "quota exceeded"},
		{name: "the snapshot is ready: restore the claim, let the member be created",
			v:      volumeSeedView{target: 3, needed: true, donor: c.Name + "-1", snapshot: snap(map[string]any{"readyToUse": true})},
			action: seedClaim, capped: true, limit: 4, contains: "restoring new member"},
		{name: "no VolumeSnapshot API: stalled, the member held",
			v:      volumeSeedView{target: 3, needed: true, donor: c.Name + "-1", kindMissing: true},
			capped: true, limit: 3, stalled: true, contains: "install a CSI snapshot controller"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			seed, action := decideVolumeSeed(c, r.v)
			msg := ""
			switch {
			case seed.problem != nil:
				msg = seed.problem.Message
			case seed.pending != nil:
				msg = seed.pending.Message
			}
			if action != r.action || seed.capped != r.capped || (r.capped && seed.limit != r.limit) ||
				(seed.problem != nil) != r.stalled || !strings.Contains(msg, r.contains) {
				t.Errorf("decideVolumeSeed = %+v, action %v, message %q; want action %v capped %v limit %d stalled %v, message with %q",
					seed, action, msg, r.action, r.capped, r.limit, r.stalled, r.contains)
			}
		})
	}
}
