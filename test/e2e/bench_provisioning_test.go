//go:build e2e && bench

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
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/test/bench/results"
)

// splits are the per-member phase durations of the provisioning runs.
type splits struct {
	ready                                  []float64 // per run: apply → cluster Ready
	scheduling, datadirInit, start, replic []float64 // per member
}

var _ = Describe("bench: provisioning", Ordered, func() {
	var sec *benchSection
	BeforeAll(func() { sec = newBenchSection("provisioning", "Provisioning") })
	AfterAll(func() { sec.Write() })

	It("brings a 3-member cluster from kubectl apply to Ready", func(ctx SpecContext) {
		runs := benchRuns("BENCH_PROVISIONING_RUNS", 5)
		c := k8sClient()
		var s splits
		for i := range runs {
			provisionOnce(ctx, c, i, &s)
		}
		recordProvisioning(sec, s)
	}, SpecTimeout(30*time.Minute))

	It("adds one replica to a cluster holding 1 GiB", func(ctx SpecContext) {
		seedBench(ctx, sec, benchRuns("BENCH_SEED_RUNS", 5))
	}, SpecTimeout(40*time.Minute))

	It("adds one replica to a cluster holding 1 GiB, its volume restored from a snapshot", func(ctx SpecContext) {
		snapshotSeedBench(ctx, sec, benchRuns("BENCH_SEED_RUNS", 5))
	}, SpecTimeout(40*time.Minute))
})

// provisionOnce applies the sample 3-member cluster in a fresh namespace, records its phases
// until it is Ready, and deletes the namespace (waiting, so runs do not overlap).
func provisionOnce(ctx context.Context, c client.Client, run int, s *splits) {
	GinkgoHelper()
	ns := fmt.Sprintf("bench-prov-%d-%d", run, time.Now().Unix()%100000)
	kubectl(ctx, "create", "namespace", ns)
	obs, stop := observePhases(ctx, c, ns)
	defer stop()
	sample := strings.ReplaceAll(sampleManifest("mysql_v1alpha1_mysqlcluster.yaml"), "flavor: mariadb", "flavor: "+flavor)
	applied := time.Now()
	applyManifest(ctx, ns, sample)
	Eventually(obs.readyAt).WithContext(ctx).WithTimeout(readyTimeout).WithPolling(time.Second).ShouldNot(BeZero(), "cluster in %s Ready", ns)
	// A replica may serve a pass after Ready; wait for it, bounded (a member never seen serving
	// simply has no replication set-up sample).
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if _, ok := obs.between(faultClusterName+"-2", phReady, phServing); ok {
			break
		}
	}
	stop()
	ready := obs.readyAt().Sub(applied)
	s.ready = append(s.ready, ready.Seconds())
	for m := range 3 {
		pod := faultClusterName + "-" + strconv.Itoa(m)
		add := func(to *[]float64, from, until string) {
			if d, ok := obs.between(pod, from, until); ok {
				*to = append(*to, d.Seconds())
			}
		}
		add(&s.scheduling, phCreated, phScheduled)
		add(&s.datadirInit, phScheduled, phInit)
		add(&s.start, phInit, phReady)
		add(&s.replic, phReady, phServing)
	}
	GinkgoWriter.Printf("bench: provisioning run %d: Ready after %s\n", run, ready.Round(time.Millisecond))
	kubectl(ctx, "delete", "namespace", ns, "--timeout=3m")
}

// recordProvisioning turns the runs into figures (p50, p95 of each) and plots.
func recordProvisioning(sec *benchSection, s splits) {
	ready95 := pctFigure("ready_p95_seconds", "3-member cluster Ready, p95", s.ready, 95, "s")
	ready95.Target, ready95.Op, ready95.Goal = "≤ 30 s", "<=", 30
	sec.Figure(pctFigure("ready_p50_seconds", "3-member cluster Ready, p50", s.ready, 50, "s"))
	sec.Figure(ready95)
	phases := []struct {
		key, label string
		v          []float64
	}{
		{"scheduling", "scheduling", s.scheduling}, {"datadir_init", "datadir init", s.datadirInit},
		{"server_start", "server start", s.start}, {"replication_setup", "replication set-up", s.replic},
	}
	box := results.Series{Name: "provisioning-split", Title: "Where a member's start goes (per member, all runs)",
		Kind: "box", YLabel: "seconds"}
	for _, p := range phases {
		for _, q := range []float64{50, 95} {
			sec.Figure(pctFigure(fmt.Sprintf("%s_p%.0f_seconds", p.key, q),
				fmt.Sprintf("Split: %s per member, p%.0f", p.label, q), p.v, q, "s"))
		}
		box.Groups = append(box.Groups, results.Group{Label: p.label, Values: p.v})
	}
	sec.Series(results.Series{Name: "provisioning-ready", Title: "kubectl apply of a 3-member cluster → Ready",
		Kind: "box", YLabel: "seconds", Groups: []results.Group{{Label: "Ready", Values: s.ready}}})
	sec.Series(box)
	sec.Note(fmt.Sprintf("Ready: %d runs of `kubectl apply` of config/samples/mysql_v1alpha1_mysqlcluster.yaml (3 members, "+
		"1Gi storage, default OrderedReady, so members start one after another) in a fresh namespace, from the apply "+
		"to the first poll that saw the Ready condition at the cluster's generation and every pod ready; the "+
		"namespace is deleted (waited for) before the next run.", len(s.ready)))
	sec.Note("Split, per member, from a 200 ms poll of the pods and the cluster (the API's timestamps have whole-second " +
		"resolution): scheduling = pod first seen → PodScheduled=True; datadir init = PodScheduled → Initialized=True " +
		"(both init containers: the tools copy and `ordinal init`'s datadir creation; no image pulls on localkube); " +
		"server start = Initialized → Ready=True (the server's start and the first passing readiness probe); " +
		"replication set-up = pod Ready → status.members[].serving (the primary behind its Service, a replica " +
		"replicating and behind the replicas Service). With OrderedReady the phases of member N+1 start after member " +
		"N is Ready, so Ready ≈ the sum over the members, plus the operator's passes.")
}

// benchRuns is the number of runs from env (at least 1), or def.
func benchRuns(env string, def int) int {
	if n, err := strconv.Atoi(envOr(env, "")); err == nil && n > 0 {
		return n
	}
	return def
}

// pvHostPath is where a PVC's volume lives on this machine: localkube's nodes map the hostpath
// provisioner's /tmp/hostpath_pv into the state directory, wherever that is (a state directory
// under /tmp too: the provisioner's own directory then stays empty).
func pvHostPath(ctx context.Context, c client.Client, ns, claim string) string {
	GinkgoHelper()
	pvc := &corev1.PersistentVolumeClaim{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: claim}, pvc)).To(Succeed())
	pv := &corev1.PersistentVolume{}
	Expect(c.Get(ctx, client.ObjectKey{Name: pvc.Spec.VolumeName}, pv)).To(Succeed())
	if pv.Spec.CSI != nil {
		// localkube's CSI volumes are subvolumes of its btrfs storage (test/localkube/csi).
		return filepath.Join(localkubeDir(), "volumes", "csi", "volumes", pv.Spec.CSI.VolumeHandle)
	}
	Expect(pv.Spec.HostPath).NotTo(BeNil(), "PV %s is a hostPath or CSI volume", pv.Name)
	p := pv.Spec.HostPath.Path
	if rest, ok := strings.CutPrefix(p, "/tmp/hostpath_pv/"); ok {
		p = filepath.Join(localkubeDir(), "volumes", "hostpath_pv", rest)
	}
	return p
}
