//go:build e2e

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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/localkube"
	"github.com/ordinal-dev/ordinal/test/workload"
)

// seedFromSnapshot scales 3 to 4 under the fault suite's writes, on localkube's snapshot-capable
// storage: the new member's volume must be restored from a VolumeSnapshot of a serving member's
// (not streamed), every acknowledged write must be on every member, the primary untouched, and
// the snapshot released once the new claim is bound.
var seedFromSnapshot = scenario{
	name: "seed-from-snapshot", text: "scales 3 to 4 under writes with the new member's volume restored from a snapshot",
	edit: func(s string) string {
		return strings.Replace(s, "  storage:\n", "  storage:\n    storageClassName: "+localkube.SnapshotClass+
			"\n    seedFromVolumeSnapshot:\n      volumeSnapshotClassName: "+localkube.SnapshotClass+"\n", 1)
	},
	fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
		GinkgoHelper()
		kubectl(ctx, "-n", e.ns, "scale", "mysqlcluster/mysql", "--replicas=4")
		start := time.Now()
		up := within(ctx, 4*time.Minute, func() bool {
			ok, _ := clusterReady(ctx, e.c, e.ns)
			return ok && len(e.topology().Members) == 4
		})
		r.note("scaled_up", map[bool]string{true: time.Since(start).Round(100 * time.Millisecond).String(), false: "never"}[up])
		Expect(up).To(BeTrue(), "4 members Ready")
		r.after = append(r.after, func(ctx context.Context) []string { return restoredFromSnapshot(ctx, e, r) })
	},
}

// restoredFromSnapshot checks that mysql-3's claim came from its seed snapshot and its init
// adopted the copy instead of streaming a backup, and that the snapshot is gone.
func restoredFromSnapshot(ctx context.Context, e *faultEnv, r *faultRun) []string {
	var out []string
	pvc := &corev1.PersistentVolumeClaim{}
	if err := e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: "data-mysql-3"}, pvc); err != nil {
		return []string{"reading data-mysql-3: " + err.Error()}
	}
	if ds := pvc.Spec.DataSource; ds == nil || ds.Kind != "VolumeSnapshot" || ds.Name != "mysql-3-seed" {
		out = append(out, fmt.Sprintf("data-mysql-3 was not restored from VolumeSnapshot mysql-3-seed (dataSource %+v)", ds))
	}
	released := within(ctx, 30*time.Second, func() bool {
		_, err := kubectlOut(ctx, "-n", e.ns, "get", "volumesnapshot", "mysql-3-seed")
		got := &corev1.PersistentVolumeClaim{}
		return err != nil && strings.Contains(err.Error(), "NotFound") &&
			e.c.Get(ctx, client.ObjectKeyFromObject(pvc), got) == nil && got.Annotations[v1alpha1.AnnotationSeedSnapshot] == ""
	})
	if !released {
		out = append(out, "the seed snapshot mysql-3-seed was not released within 30 s of the claim being bound")
	}
	logs, err := kubectlOut(ctx, "-n", e.ns, "logs", "mysql-3", "-c", "init")
	switch {
	case err != nil:
		out = append(out, "reading mysql-3's init log: "+err.Error())
	case strings.Contains(logs, "seed marker found"):
		out = append(out, "mysql-3 was seeded by streaming a backup, not from the snapshot")
	case !strings.Contains(logs, "copy of another member's volume: adopting it"):
		out = append(out, "mysql-3's init did not adopt a copied volume:\n"+logs)
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "adopting it") {
			r.note("adopted", strings.TrimSpace(line[strings.Index(line, "from="):]))
		}
	}
	return append(out, reported(ctx, e, "VolumeRestored", "restored from VolumeSnapshot")...)
}

var _ = Describe("new members seeded from volume snapshots", Ordered, func() {
	BeforeAll(func() {
		if cluster == nil {
			Skip("needs localkube's snapshot-capable storage class and its workload addressing")
		}
	})

	It(seedFromSnapshot.text, func(ctx SpecContext) {
		ns := faultNamespace(seedFromSnapshot.name)
		createFaultCluster(ctx, ns, seedFromSnapshot.edit)
		deleteAfterSpec(ns)
		e := openFaultEnv(ctx, seedFromSnapshot.name, ns)
		e.startRun(ctx, 1)
		runScenario(ctx, seedFromSnapshot, e)
	}, NodeTimeout(20*time.Minute))
})
