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
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/localkube"
	"github.com/ordinal-dev/ordinal/test/workload"
)

// Write-pause targets (issue 7), the one table of them. The pause is the largest gap between two
// acknowledged writes as the writer saw them, over the whole scenario. Scenarios without a target
// in issue 7 derive theirs from the fault they contain (noted per row).
var pauseTargets = map[string]time.Duration{
	"kill-primary":        8 * time.Second,  // kill -9 or pod delete ≤ 8 s
	"delete-primary-pod":  8 * time.Second,  // kill -9 or pod delete ≤ 8 s
	"freeze-primary-30s":  12 * time.Second, // frozen, cut off or lost node ≤ 12 s
	"cut-primary-30s":     12 * time.Second,
	"cut-primary-3m":      12 * time.Second,
	"lose-primary-node":   12 * time.Second,
	"kill-replicas":       1 * time.Second, // replica restarts: no stall over 1 s
	"rolling-restart":     2 * time.Second, // replicas restart (≤ 1 s each) and one switchover (≤ 2 s)
	"drain-primary-node":  2 * time.Second, // drain and switchover ≤ 2 s
	"switchover":          2 * time.Second,
	"switchover-long-trx": 2 * time.Second,
	// The leader dies while the failover clock (leaderKillDelay) runs. Kept in status, the clock
	// goes on across the hand-over (lease 6 s), so the pause is about the delay plus a pass; a
	// clock restarted by the new leader would add the hand-over and a whole delay (≥ 30 s).
	"kill-operator-leader": leaderKillDelay + 8*time.Second,
	// Every member restarts at once. Not a pod delete: the StatefulSet starts the members in
	// order, and in semiSync the primary's first commit waits for the next ordinal to start and
	// acknowledge, so two starts add up. Held to the lost-node target.
	"restart-all-pods":        12 * time.Second,
	"storage-grow-refused":    8 * time.Second,  // the primary killed (kill -9 ≤ 8 s) while a child apply fails
	"scale-3-5-3":             2 * time.Second,  // two switchovers (to mysql-4 and back below 3)
	"seed-from-snapshot":      1 * time.Second,  // the primary is untouched: a replica joins
	"errant-replica":          1 * time.Second,  // the primary is untouched: as a replica restart
	"members-share-node":      1 * time.Second,  // two replica restarts, the primary untouched
	"old-primary-unacked-trx": 12 * time.Second, // a cut primary
	// A forced certificate rotation (tls_test.go): servers reload certificates live, clients keep
	// trusting the old CA beside the new one; issue 12 asks for no pause over 1 s.
	"rotate-certificates": 1 * time.Second,
}

// leaderKillDelay is the failover delay of the leader-kill scenario's cluster.
const leaderKillDelay = 15 * time.Second

// expectPauseBounded asserts that writes resumed, within twice the scenario's target. The target
// itself is a speed goal, reported in the result line (within_target) and tracked by make bench:
// a loaded machine may miss it by a little, while a pause past twice the target is a regression.
func expectPauseBounded(scenario string, p workload.Pause) {
	GinkgoHelper()
	target, ok := pauseTargets[scenario]
	Expect(ok).To(BeTrue(), "no pause target for %s", scenario)
	Expect(p.Resumed).To(BeTrue(), "writes never resumed after the fault (%s without an acknowledged write)", p.Max)
	Expect(p.Max).To(BeNumerically("<=", 2*target),
		"write pause %s (from %s to %s) exceeds twice the target %s", p.Max.Round(10*time.Millisecond),
		p.From.Format("15:04:05.000"), p.To.Format("15:04:05.000"), target)
}

// faultRun carries what a fault function wants in the result line and the checks.
type faultRun struct {
	primaryBefore string
	notes         []string
	// after runs once the cluster is Ready again and returns broken properties.
	after []func(ctx context.Context) []string
}

func (r *faultRun) note(k string, v any) {
	r.notes = append(r.notes, fmt.Sprintf("%s=%v", k, strings.ReplaceAll(fmt.Sprint(v), " ", "_")))
}

type scenario struct {
	name string
	text string
	// edit changes the sample manifest (nil: the sample as is, defaults everywhere).
	edit func(string) string
	// node faults run before the shared clusters exist, each creating its own cluster.
	node bool
	// setup runs after the workload's tables exist and before the workload starts.
	setup func(ctx context.Context, e *faultEnv, r *faultRun)
	// availableOnly: after the fault the cluster cannot be Ready (the spec asks for something
	// refused); it must be Available (primary writable), every pod ready, and writes flowing.
	availableOnly bool
	// fault does the fault and returns when it has ended (the heal mark).
	fault func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun)
}

const faultsContainer = "faults under continuous load"

var _ = Describe(faultsContainer, Ordered, ContinueOnFailure, func() {
	pool := newFaultPool(faultsContainer)

	BeforeAll(func() {
		if cluster == nil {
			Skip("the fault suite needs localkube: the workload dials ClusterIPs and pod IPs directly")
		}
	})

	// E2E_FAULT_RUNS repeats each scenario on its cluster (make bench-faults uses its own specs).
	runs := envInt("E2E_FAULT_RUNS", 1)
	for _, sc := range scenarios {
		It(sc.text, func(ctx SpecContext) {
			e := pool.open(ctx, sc)
			for run := 1; run <= runs; run++ {
				e.startRun(ctx, run)
				runScenario(ctx, sc, e)
			}
		}, NodeTimeout(time.Duration(runs)*30*time.Minute))
	}
})

// noExpansionClass is a StorageClass that refuses volume expansion.
const noExpansionClass = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: e2e-no-expansion
provisioner: kubernetes.io/host-path
allowVolumeExpansion: false
reclaimPolicy: Delete
volumeBindingMode: Immediate
`

func writeTemp(content string) string {
	GinkgoHelper()
	f, err := os.CreateTemp("", "e2e-*.yaml")
	Expect(err).NotTo(HaveOccurred())
	_, err = f.WriteString(content)
	Expect(err).NotTo(HaveOccurred())
	Expect(f.Close()).To(Succeed())
	return f.Name()
}

// runScenario runs the workload through sc's fault, then checks every property and reports.
func runScenario(ctx context.Context, sc scenario, e *faultEnv) {
	GinkgoHelper()
	o := e.options()
	Expect(workload.Setup(ctx, o)).To(Succeed())
	var violations []string
	if why := e.semiSyncAtPrimary(ctx, 30*time.Second); why != "" {
		violations = append(violations, "semi-sync before the fault: "+why)
	}
	r := &faultRun{primaryBefore: e.primaryName(ctx)}
	if sc.setup != nil {
		sc.setup(ctx, e, r)
	}
	w, err := workload.Start(context.Background(), o)
	Expect(err).NotTo(HaveOccurred())
	var h *workload.History
	// Stopped on the way out, also when an assertion fails mid-run: a repeated run (bench) must
	// not find the previous run's writer still going.
	defer func() {
		if h == nil {
			w.Stop()
		}
	}()
	time.Sleep(3 * time.Second)
	GinkgoWriter.Printf("%s [%s] fault starts (primary %s)\n", time.Now().Format("15:04:05.000"), sc.name, r.primaryBefore)
	w.Mark("fault")
	sc.fault(ctx, e, w, r)
	w.Mark("heal")
	heal := time.Now()
	GinkgoWriter.Printf("%s [%s] fault ended\n", heal.Format("15:04:05.000"), sc.name)
	rw := watchReplication(ctx, e)
	defer rw.stop()
	readyAfter, notReady := e.waitReadyAgain(ctx, w, heal, readyAgainWithin, sc.availableOnly)
	if notReady != "" {
		violations = append(violations, fmt.Sprintf("not Ready within %s after the fault ended: %s", readyAgainWithin, notReady))
	}
	time.Sleep(3 * time.Second)
	h = w.Stop()

	if why := e.semiSyncAtPrimary(ctx, 15*time.Second); why != "" {
		violations = append(violations, "semi-sync after the fault: "+why)
	}
	rows := workload.VerifyRows(ctx, e.user, e.password, o.Database, e.topology().Members, h.Acks, time.Minute)
	rw.stop()
	replicated, caughtUp := rw.caughtUp(h.Acks, heal)
	final := e.cluster(ctx)
	for _, rc := range rows {
		if rc.Err != "" || len(rc.Missing) > 0 {
			// Say what the member is: a primary or serving replica lacking rows lost them for
			// clients; a member the operator set aside (errant, not replicating) has not caught up.
			what := "member"
			for _, m := range final.Status.Members {
				if m.Name == rc.Member {
					what = fmt.Sprintf("%s (role %s, serving %v, errant %v, %q)", "member", m.Role, m.Serving, m.Errant, m.Message)
				}
			}
			violations = append(violations, "acknowledged rows on "+what+": "+rc.String())
		}
	}
	for _, f := range r.after {
		violations = append(violations, f(ctx)...)
	}
	viz := filepath.Join(os.TempDir(), "fault-"+e.ns+"-history.html")
	a := workload.Analyze(h, "fault", 2*time.Minute, viz)
	if os.Getenv("E2E_DUMP_PROBES") != "" {
		b, _ := json.Marshal(h.Probes)
		_ = os.WriteFile(filepath.Join(os.TempDir(), "fault-"+e.ns+"-probes.json"), b, 0o600)
	}
	mc := e.cluster(ctx)
	a.SemiSyncWanted = mc.Spec.Replication.Mode != v1alpha1.ReplicationAsync && mc.DesiredReplicas() > 1
	violations = append(violations, a.Violations()...)

	primaryAfter := e.primaryName(ctx)
	extra := append([]string{
		"ready_after=" + readyAfter.Round(100*time.Millisecond).String(),
		"replicated_again=" + map[bool]string{true: replicated.Round(100 * time.Millisecond).String(), false: "never"}[caughtUp],
		"primary=" + r.primaryBefore + "->" + primaryAfter,
		"route_switched=" + routeSwitched(h, r.primaryBefore),
		"ack_hosts=" + strings.ReplaceAll(a.AckHosts, " ", ""),
		fmt.Sprintf("violations=%d", len(violations)),
		fmt.Sprintf("within_target=%v", a.Pause.Max <= pauseTargets[sc.name]),
	}, r.notes...)
	line := a.Line(sc.name, pauseTargets[sc.name], extra...)
	recordFault(faultRecord{
		Scenario: sc.name, Run: e.run, Pause: a.Pause.Max, Resumed: a.Pause.Resumed, Acked: a.Acked,
		Lost: lostRows(rows), Unread: unreadMembers(rows), ReadyAfter: readyAfter, Ready: notReady == "",
		Replicated: replicated, CaughtUp: caughtUp, Violations: len(violations), Notes: r.notes,
	})
	GinkgoWriter.Println(line)
	AddReportEntry("FAULT-RESULT", line)
	appendResult(line)
	ev := e.evidence(ctx)
	AddReportEntry("evidence", ev)
	keepSlowRun(ctx, e, sc.name, a.Pause.Max, line+"\n"+ev)
	for _, rc := range rows {
		GinkgoWriter.Println("rows " + rc.String())
	}
	if len(a.Attempts.Errors) > 0 {
		AddReportEntry("writer errors", strings.Join(a.Attempts.Errors, "\n"))
	}
	Expect(violations).To(BeEmpty(), "safety properties broken in %s", sc.name)
	expectPauseBounded(sc.name, a.Pause)
}

// routeSwitched is when (after the fault mark) the primary Service first led a fresh connection
// to a writable member other than the old primary, or "never".
func routeSwitched(h *workload.History, old string) string {
	fault := h.Marks["fault"]
	for _, p := range h.Probes {
		if p.At.Before(fault) {
			continue
		}
		if p.Via != "" && p.Via != old && p.ViaWritable {
			return p.At.Sub(fault).Round(100 * time.Millisecond).String()
		}
	}
	return "never"
}

// --- the fault helpers ---

func within(ctx context.Context, d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if cond() {
			return true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return cond()
}

// waitPrimaryNot waits (bounded) until status.currentPrimary is not old; it notes how long.
func waitPrimaryNot(ctx context.Context, e *faultEnv, r *faultRun, old string, d time.Duration) {
	start := time.Now()
	ok := within(ctx, d, func() bool {
		mc := &v1alpha1.MySQLCluster{}
		return e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: faultClusterName}, mc) == nil &&
			mc.Status.CurrentPrimary != "" && mc.Status.CurrentPrimary != old
	})
	if ok {
		r.note("status_primary_changed", time.Since(start).Round(100*time.Millisecond))
	} else {
		r.note("status_primary_changed", "never(within "+d.String()+")")
	}
}

func waitPrimaryIs(ctx context.Context, e *faultEnv, r *faultRun, want string, d time.Duration) bool {
	start := time.Now()
	ok := within(ctx, d, func() bool {
		mc := &v1alpha1.MySQLCluster{}
		return e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: faultClusterName}, mc) == nil &&
			mc.Status.CurrentPrimary == want
	})
	r.note("primary_is_"+want, map[bool]string{true: time.Since(start).Round(100 * time.Millisecond).String(), false: "never"}[ok])
	return ok
}

func containerRestarts(p *corev1.Pod, name string) int32 {
	for _, s := range p.Status.ContainerStatuses {
		if s.Name == name {
			return s.RestartCount
		}
	}
	return -1
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// --- the scenarios ---

var scenarios = []scenario{
	{
		name: "lose-primary-node", text: "loses the primary's node (frozen 45 s), then restores it", node: true,
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			start := time.Now()
			node := pod(ctx, e.c, e.ns, r.primaryBefore).Spec.NodeName
			if leader, err := operatorLeader(ctx, e.c); err == nil {
				lp := pod(ctx, e.c, "ordinal-system", leader)
				r.note("operator_leader_on_lost_node", lp.Spec.NodeName == node)
			}
			r.note("node", node)
			Expect(cluster.LoseNode(node, localkube.LoseFreeze)).To(Succeed())
			DeferCleanup(func() { _ = cluster.RestoreNode(node) })
			waitPrimaryNot(ctx, e, r, r.primaryBefore, 45*time.Second)
			sleepCtx(ctx, time.Until(start.Add(45*time.Second)))
			Expect(cluster.RestoreNode(node)).To(Succeed())
		},
	},
	{
		name: "kill-primary", text: "kill -9 of the primary's mysqld",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			Expect(cluster.KillContainer(e.ns, r.primaryBefore, "mysql")).To(Succeed())
		},
	},
	{
		name: "delete-primary-pod", text: "deletes the primary pod with grace period 0",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			Expect(e.c.Delete(ctx, pod(ctx, e.c, e.ns, r.primaryBefore), client.GracePeriodSeconds(0))).To(Succeed())
		},
	},
	{
		name: "freeze-primary-30s", text: "freezes the primary for 30 s, then thaws it",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			start := time.Now()
			Expect(cluster.FreezePod(e.ns, r.primaryBefore)).To(Succeed())
			DeferCleanup(func() { _ = cluster.ThawPod(e.ns, r.primaryBefore) })
			waitPrimaryNot(ctx, e, r, r.primaryBefore, 30*time.Second)
			sleepCtx(ctx, time.Until(start.Add(30*time.Second)))
			Expect(cluster.ThawPod(e.ns, r.primaryBefore)).To(Succeed())
		},
	},
	{
		name: "cut-primary-30s", text: "cuts the primary off the network for 30 s",
		fault: cutPrimary(30 * time.Second),
	},
	{
		name: "cut-primary-3m", text: "cuts the primary off the network for 3 minutes",
		fault: cutPrimary(3 * time.Minute),
	},
	{
		name: "kill-replicas", text: "kill -9 of each replica's mysqld in turn, without stalling writes",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			for _, rep := range e.replicas(ctx) {
				before := containerRestarts(pod(ctx, e.c, e.ns, rep), "mysql")
				start := time.Now()
				Expect(cluster.KillContainer(e.ns, rep, "mysql")).To(Succeed())
				back := within(ctx, 90*time.Second, func() bool {
					p := &corev1.Pod{}
					return e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: rep}, p) == nil &&
						containerRestarts(p, "mysql") > before && podReady(p)
				})
				r.note(rep+"_back", map[bool]string{true: time.Since(start).Round(100 * time.Millisecond).String(), false: "never"}[back])
				sleepCtx(ctx, 3*time.Second) // let it reconnect before the next one goes
			}
		},
	},
	{
		// back_log is read only at start: the change rolls the members (a setting the server takes
		// at run time is applied live instead; cluster_test.go covers both).
		name: "rolling-restart", text: "rolls out a restart-only config change (every member restarts, the primary last)",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			pods, err := memberPods(ctx, e.c, e.ns)
			Expect(err).NotTo(HaveOccurred())
			before := map[string]string{}
			for _, p := range pods {
				before[p.Name] = string(p.UID)
			}
			kubectl(ctx, "-n", e.ns, "patch", "mysqlcluster/mysql", "--type=merge", "-p", `{"spec":{"config":{"back_log":"91"}}}`)
			start := time.Now()
			done := within(ctx, 8*time.Minute, func() bool {
				for name, uid := range before {
					p := &corev1.Pod{}
					if e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: name}, p) != nil || string(p.UID) == uid || !podReady(p) {
						return false
					}
				}
				return true
			})
			r.note("all_restarted", map[bool]string{true: time.Since(start).Round(time.Second).String(), false: "never"}[done])
		},
	},
	{
		name: "drain-primary-node", text: "drains the primary's node (cordon, then the eviction API)",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			p := pod(ctx, e.c, e.ns, r.primaryBefore)
			node := p.Spec.NodeName
			kubectl(ctx, "cordon", node)
			DeferCleanup(func(ctx SpecContext) { _, _ = kubectlOut(ctx, "uncordon", node) })
			start := time.Now()
			evicted := within(ctx, 2*time.Minute, func() bool {
				ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: r.primaryBefore}}
				err := e.c.SubResource("eviction").Create(ctx, p, ev)
				return err == nil
			})
			r.note("evicted_after", map[bool]string{true: time.Since(start).Round(100 * time.Millisecond).String(), false: "refused(2m)"}[evicted])
			// The drain ends when the pod is back (elsewhere) and ready.
			within(ctx, 2*time.Minute, func() bool {
				q := &corev1.Pod{}
				return e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: r.primaryBefore}, q) == nil && q.UID != p.UID && podReady(q)
			})
			kubectl(ctx, "uncordon", node)
		},
	},
	{
		name: "switchover", text: "switches over by annotation under writes",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			target := e.replicas(ctx)[0]
			kubectl(ctx, "-n", e.ns, "annotate", "--overwrite", "mysqlcluster/mysql", v1alpha1.AnnotationSwitchoverTo+"="+target)
			waitPrimaryIs(ctx, e, r, target, 2*time.Minute)
		},
	},
	{
		name: "switchover-long-trx", text: "switches over with a long transaction open on the primary",
		setup: func(ctx context.Context, e *faultEnv, r *faultRun) {
			GinkgoHelper()
			db := openDB(e, e.primary, e.db)
			defer db.Close()
			_, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS longtx (id INT PRIMARY KEY, v VARCHAR(32))")
			Expect(err).NotTo(HaveOccurred())
		},
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			db := openDB(e, e.memberAddr(ctx, r.primaryBefore), e.db)
			defer db.Close()
			conn, err := db.Conn(ctx)
			Expect(err).NotTo(HaveOccurred())
			defer conn.Close()
			_, err = conn.ExecContext(ctx, "BEGIN")
			Expect(err).NotTo(HaveOccurred())
			_, err = conn.ExecContext(ctx, "INSERT INTO longtx VALUES (1, 'long')")
			Expect(err).NotTo(HaveOccurred())
			target := e.replicas(ctx)[0]
			kubectl(ctx, "-n", e.ns, "annotate", "--overwrite", "mysqlcluster/mysql", v1alpha1.AnnotationSwitchoverTo+"="+target)
			waitPrimaryIs(ctx, e, r, target, 2*time.Minute)
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_, err = conn.ExecContext(cctx, "COMMIT")
			cancel()
			r.note("long_trx_commit", map[bool]string{true: "acknowledged", false: "refused"}[err == nil])
			if err == nil {
				// An acknowledged commit must be everywhere.
				r.after = append(r.after, func(ctx context.Context) []string {
					return rowEverywhere(ctx, e, "SELECT COUNT(*) FROM "+e.db+".longtx WHERE id = 1", "the long transaction's acknowledged commit")
				})
			}
		},
	},
	{
		name: "kill-operator-leader", text: "kills the operator leader during a failover (primary cut off)",
		// A failover delay long enough that the leader dies while the clock runs: a new leader that
		// restarted the clock would need the hand-over plus the whole delay again.
		edit: func(m string) string {
			return strings.Replace(m, "  replicas: 3\n", "  replicas: 3\n  failover:\n    delay: "+leaderKillDelay.String()+"\n", 1)
		},
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			leader, err := operatorLeader(ctx, e.c)
			Expect(err).NotTo(HaveOccurred())
			Expect(cluster.CutPod(e.ns, r.primaryBefore)).To(Succeed())
			DeferCleanup(func() { _ = cluster.RestorePod(e.ns, r.primaryBefore) })
			// Kill the leader as soon as the failover clock is in status: mid-failover.
			cut := time.Now()
			Eventually(func() bool { return e.cluster(ctx).Status.PrimaryUnreachableSince != nil }).
				WithContext(ctx).WithTimeout(leaderKillDelay).WithPolling(100*time.Millisecond).Should(BeTrue(),
				"the failover clock is kept in status")
			r.note("clock_in_status_after", time.Since(cut).Round(100*time.Millisecond))
			Expect(cluster.KillContainer("ordinal-system", leader, "manager")).To(Succeed())
			r.note("killed_leader", leader)
			waitPrimaryNot(ctx, e, r, r.primaryBefore, 2*time.Minute)
			if now, err := operatorLeader(ctx, e.c); err == nil {
				r.note("new_leader", now)
			}
			Expect(cluster.RestorePod(e.ns, r.primaryBefore)).To(Succeed())
		},
	},
	{
		name: "restart-all-pods", text: "restarts every pod at once (as after a power loss), then writes",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			pods, err := memberPods(ctx, e.c, e.ns)
			Expect(err).NotTo(HaveOccurred())
			for i := range pods {
				Expect(e.c.Delete(ctx, &pods[i], client.GracePeriodSeconds(0))).To(Succeed())
			}
		},
	},
	{
		name: "storage-grow-refused", text: "kills the primary while a storage grow is refused by a StorageClass without expansion",
		availableOnly: true,
		edit: func(m string) string {
			return strings.Replace(m, "    size: 1Gi\n", "    size: 1Gi\n    storageClassName: e2e-no-expansion\n", 1)
		},
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			kubectl(ctx, "-n", e.ns, "patch", "mysqlcluster/mysql", "--type=merge", "-p", `{"spec":{"storage":{"size":"2Gi"}}}`)
			sleepCtx(ctx, 5*time.Second) // the operator has tried (and failed) to grow the claims
			Expect(cluster.KillContainer(e.ns, r.primaryBefore, "mysql")).To(Succeed())
			// Writes must come back while the grow is still refused: a child-apply error must not
			// stop topology. The size cannot be put back (it only grows), so the cluster is
			// expected Available, not Ready, and the refusal reported.
			r.after = append(r.after, func(ctx context.Context) []string {
				return reported(ctx, e, "e2e-no-expansion", "expansion", "Resize", "resize", "Storage", "storage")
			})
		},
	},
	{
		name: "scale-3-5-3", text: "scales 3 to 5 to 3 with the primary on a removed ordinal",
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			kubectl(ctx, "-n", e.ns, "scale", "mysqlcluster/mysql", "--replicas=5")
			start := time.Now()
			up := within(ctx, 6*time.Minute, func() bool { ok, _ := clusterReady(ctx, e.c, e.ns); return ok && len(e.topology().Members) == 5 })
			r.note("scaled_up", map[bool]string{true: time.Since(start).Round(time.Second).String(), false: "never"}[up])
			Expect(up).To(BeTrue(), "5 members Ready")
			kubectl(ctx, "-n", e.ns, "annotate", "--overwrite", "mysqlcluster/mysql", v1alpha1.AnnotationSwitchoverTo+"=mysql-4")
			Expect(waitPrimaryIs(ctx, e, r, "mysql-4", 2*time.Minute)).To(BeTrue())
			kubectl(ctx, "-n", e.ns, "scale", "mysqlcluster/mysql", "--replicas=3")
			start = time.Now()
			down := within(ctx, 4*time.Minute, func() bool {
				pods, err := memberPods(ctx, e.c, e.ns)
				p := e.primaryName(ctx)
				return err == nil && len(pods) == 3 && p != "mysql-3" && p != "mysql-4"
			})
			r.note("scaled_down", map[bool]string{true: time.Since(start).Round(time.Second).String(), false: "never"}[down])
		},
	},
	{
		name: "errant-replica", text: "flags an errant transaction injected on a replica",
		setup: func(ctx context.Context, e *faultEnv, r *faultRun) {
			GinkgoHelper()
			db := openDB(e, e.primary, e.db)
			defer db.Close()
			_, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS errant (id INT PRIMARY KEY, v VARCHAR(32))")
			Expect(err).NotTo(HaveOccurred())
		},
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			rep := e.replicas(ctx)[0]
			r.note("errant_member", rep)
			// Root cannot write through the fence (no READ_ONLY ADMIN); the operator's account can.
			// On the replica's own address, with the binary log on: a local transaction the
			// primary never had, as a person "fixing" a replica by hand would leave. The account
			// requires TLS: verified with the published CA, as docs/security.md shows.
			sec := &corev1.Secret{}
			Expect(e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: faultClusterName + "-credentials"}, sec)).To(Succeed())
			cfg := workload.DriverConfig("ordinal", string(sec.Data[v1alpha1.SecretKeyOperatorPassword]),
				e.memberAddr(ctx, rep), e.db, 2*time.Second, 30*time.Second)
			if bundle := publishedCA(ctx, e.c, e.ns); bundle != nil {
				cfg.TLS = verifyingTLS(bundle, memberServerName(e.ns, rep))
			}
			db, err := workload.OpenConfig(cfg)
			Expect(err).NotTo(HaveOccurred())
			defer db.Close()
			conn, err := db.Conn(ctx)
			Expect(err).NotTo(HaveOccurred())
			defer conn.Close()
			for _, s := range []string{"SET SESSION sql_log_bin = 1", "INSERT INTO errant VALUES (1, 'errant')"} {
				_, err := conn.ExecContext(ctx, s)
				Expect(err).NotTo(HaveOccurred(), s)
			}
			start := time.Now()
			flagged := within(ctx, 90*time.Second, func() bool {
				mc := &v1alpha1.MySQLCluster{}
				if e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: faultClusterName}, mc) != nil {
					return false
				}
				for _, m := range mc.Status.Members {
					if m.Name == rep && m.Errant {
						return true
					}
				}
				return false
			})
			r.note("flagged_errant", map[bool]string{true: time.Since(start).Round(100 * time.Millisecond).String(), false: "never(90s)"}[flagged])
			r.after = append(r.after, func(ctx context.Context) []string {
				out := reported(ctx, e, rep, "errant", "Errant")
				// Issue 7, property 6: its extra transactions are kept aside before any re-seed,
				// and status or an event says where.
				out = append(out, reported(ctx, e, "kept", "aside", "Aside", "quarantine", "preserved", "saved")...)
				if !flagged {
					out = append(out, "status never flagged "+rep+" errant (members[].errant) within 90 s")
				}
				return out
			})
		},
	},
	{
		name: "old-primary-unacked-trx", text: "brings back an old primary holding transactions nobody acknowledged",
		setup: func(ctx context.Context, e *faultEnv, r *faultRun) {
			GinkgoHelper()
			db := openDB(e, e.primary, e.db)
			defer db.Close()
			_, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS orphan (id INT PRIMARY KEY, v VARCHAR(32))")
			Expect(err).NotTo(HaveOccurred())
		},
		fault: func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
			GinkgoHelper()
			old := r.primaryBefore
			sock := socketOf(ctx, e, old)
			// Connections over the pod's Unix socket survive the cut (iptables sees no socket).
			db, err := sql.Open("mysql", fmt.Sprintf("root:%s@unix(%s)/%s?timeout=2s", e.password, sock, e.db))
			Expect(err).NotTo(HaveOccurred())
			db.SetMaxOpenConns(8)
			conns := make([]*sql.Conn, 4)
			for i := range conns {
				conns[i], err = db.Conn(ctx)
				Expect(err).NotTo(HaveOccurred(), "connect to %s over %s", old, sock)
			}
			Expect(cluster.CutPod(e.ns, old)).To(Succeed())
			DeferCleanup(func() { _ = cluster.RestorePod(e.ns, old) })
			var mu sync.Mutex
			acked := []int{}
			var wg sync.WaitGroup
			for i, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
					defer cancel()
					// Each commit is written to the old primary's binlog, then waits for an ack that
					// cannot come: nobody acknowledged it.
					_, err := c.ExecContext(cctx, "INSERT INTO orphan VALUES (?, 'unacked')", i+1)
					// When a failure is reported, how each commit ended says who released it.
					fmt.Fprintf(GinkgoWriter, "%s orphan commit %d returned: %v\n", time.Now().Format("15:04:05.000"), i+1, err)
					if err == nil {
						mu.Lock()
						acked = append(acked, i+1)
						mu.Unlock()
					}
				}()
			}
			waitPrimaryNot(ctx, e, r, old, 2*time.Minute)
			Expect(cluster.RestorePod(e.ns, old)).To(Succeed())
			r.after = append(r.after, func(ctx context.Context) []string {
				var out []string
				mu.Lock()
				ids := append([]int(nil), acked...)
				mu.Unlock()
				r.note("orphan_commits_acknowledged", len(ids))
				for _, id := range ids {
					out = append(out, rowEverywhere(ctx, e, fmt.Sprintf("SELECT COUNT(*) FROM %s.orphan WHERE id = %d", e.db, id),
						fmt.Sprintf("orphan commit %d acknowledged by the old primary", id))...)
				}
				out = append(out, reported(ctx, e, old, "errant", "Errant")...)
				out = append(out, reported(ctx, e, "kept", "aside", "Aside", "quarantine", "preserved", "saved")...)
				for _, c := range conns {
					c.Close()
				}
				db.Close()
				return out
			})
		},
	},
}

func cutPrimary(d time.Duration) func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
	return func(ctx context.Context, e *faultEnv, w *workload.Workload, r *faultRun) {
		GinkgoHelper()
		start := time.Now()
		Expect(cluster.CutPod(e.ns, r.primaryBefore)).To(Succeed())
		DeferCleanup(func() { _ = cluster.RestorePod(e.ns, r.primaryBefore) })
		waitPrimaryNot(ctx, e, r, r.primaryBefore, d)
		sleepCtx(ctx, time.Until(start.Add(d)))
		Expect(cluster.RestorePod(e.ns, r.primaryBefore)).To(Succeed())
	}
}

func openDB(e *faultEnv, addr, database string) *sql.DB {
	GinkgoHelper()
	db, err := sql.Open("mysql", workload.DSN(e.user, e.password, addr, database, 2*time.Second, 30*time.Second))
	Expect(err).NotTo(HaveOccurred())
	return db
}

// rowEverywhere checks that query (a COUNT) returns 1 on every member.
func rowEverywhere(ctx context.Context, e *faultEnv, query, what string) []string {
	var out []string
	for name, addr := range e.topology().Members {
		db := openDB(e, addr, "")
		var n int
		err := db.QueryRowContext(ctx, query).Scan(&n)
		db.Close()
		if err != nil || n != 1 {
			out = append(out, fmt.Sprintf("%s missing on %s (count %d, err %v)", what, name, n, err))
		}
	}
	return out
}

// reported returns a violation unless an event or a status condition/member message of the
// cluster mentions any of words (what happened is said where a person looks).
func reported(ctx context.Context, e *faultEnv, words ...string) []string {
	ev := e.evidence(ctx)
	// Only the parts the operator writes: events, conditions, members (not its own log).
	if i := strings.Index(ev, "--- operator"); i >= 0 {
		ev = ev[:i]
	}
	for _, w := range words {
		if strings.Contains(ev, w) {
			return nil
		}
	}
	return []string{fmt.Sprintf("neither status nor events mention any of %q", words)}
}

// socketOf is the host path of a member pod's server socket (its run emptyDir on the node).
func socketOf(ctx context.Context, e *faultEnv, name string) string {
	GinkgoHelper()
	p := pod(ctx, e.c, e.ns, name)
	dir := filepath.Join(repo, ".localkube")
	if o := cluster.Options(); o.Dir != "" {
		dir = o.Dir
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "pods", string(p.UID), "volumes", "*", "mysqld.sock"))
	Expect(matches).NotTo(BeEmpty(), "the socket of %s under %s", name, dir)
	return matches[0]
}
