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
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/workload"
)

// faultEnv is one scenario's cluster: its namespace, credentials, the primary Service's address,
// and a poller that keeps the workload's view of members and routing current.
type faultEnv struct {
	name     string // scenario
	ns       string
	c        client.Client
	user     string
	password string
	primary  string // ClusterIP:3306 of mysql-primary
	// db is the workload's database: "faultload", a fresh one per repeated run (the writer
	// numbers its rows from 1).
	db  string
	run int // 1, 2, … when a scenario repeats (E2E_FAULT_RUNS, make bench-faults)
	// clientTLS, when set, encrypts the workload's connections through the primary Service and
	// verifies the server with it (tls_test.go); nil: plain.
	clientTLS *tls.Config

	mu   sync.Mutex
	topo workload.Topology
	stop context.CancelFunc
}

// The driver logs every timed-out read; the workload counts them itself.
func init() { _ = mysqldriver.SetLogger(log.New(io.Discard, "", 0)) }

const (
	faultClusterName = "mysql"
	mysqlPort        = "3306"
	// readyAgainWithin is how soon after a fault ends the cluster must be Ready again (issue 7).
	readyAgainWithin = 2 * time.Minute
)

// faultNamespace names a scenario's namespace.
func faultNamespace(scenario string) string {
	return fmt.Sprintf("fault-%s-%d", scenario, time.Now().Unix()%100000)
}

// createFaultCluster creates the namespace and applies the sample cluster, changed by edit.
func createFaultCluster(ctx context.Context, ns string, edit func(string) string) {
	GinkgoHelper()
	kubectl(ctx, "create", "namespace", ns)
	sample := strings.ReplaceAll(sampleManifest("mysql_v1alpha1_mysqlcluster.yaml"), "flavor: mariadb", "flavor: "+flavor)
	if edit != nil {
		sample = edit(sample)
	}
	applyManifest(ctx, ns, sample)
}

// clusterReady reports whether the cluster is Ready at its generation and every pod is ready.
func clusterReady(ctx context.Context, c client.Client, ns string) (bool, string) {
	mc := &v1alpha1.MySQLCluster{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: faultClusterName}, mc); err != nil {
		return false, err.Error()
	}
	cond := meta.FindStatusCondition(mc.Status.Conditions, v1alpha1.ConditionReady)
	if cond == nil || cond.Status != "True" || mc.Status.ObservedGeneration != mc.Generation {
		if cond == nil {
			return false, "no Ready condition"
		}
		return false, fmt.Sprintf("Ready=%s %s: %s (observed %d of %d)", cond.Status, cond.Reason, cond.Message, mc.Status.ObservedGeneration, mc.Generation)
	}
	pods, err := memberPods(ctx, c, ns)
	if err != nil {
		return false, err.Error()
	}
	if len(pods) < int(mc.DesiredReplicas()) {
		return false, fmt.Sprintf("%d of %d pods", len(pods), mc.DesiredReplicas())
	}
	for _, p := range pods {
		if !podReady(&p) || p.DeletionTimestamp != nil {
			return false, p.Name + " not ready"
		}
	}
	return true, ""
}

// clusterAvailable reports whether the primary is writable (Available) and every pod ready.
func clusterAvailable(ctx context.Context, c client.Client, ns string) (bool, string) {
	mc := &v1alpha1.MySQLCluster{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: faultClusterName}, mc); err != nil {
		return false, err.Error()
	}
	if cond := meta.FindStatusCondition(mc.Status.Conditions, v1alpha1.ConditionAvailable); cond == nil || cond.Status != "True" {
		return false, fmt.Sprintf("not Available: %+v", cond)
	}
	pods, err := memberPods(ctx, c, ns)
	if err != nil {
		return false, err.Error()
	}
	for _, p := range pods {
		if !podReady(&p) || p.DeletionTimestamp != nil {
			return false, p.Name + " not ready"
		}
	}
	return true, ""
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// memberPods lists the cluster's pods (the headless Service's selector), by name.
func memberPods(ctx context.Context, c client.Client, ns string) ([]corev1.Pod, error) {
	return selectPods(ctx, c, ns, faultClusterName)
}

// headlessSelectors caches the headless Services' selectors: they never change.
var headlessSelectors sync.Map // ns/service -> labels.Selector

func selectPods(ctx context.Context, c client.Client, ns, service string) ([]corev1.Pod, error) {
	key := ns + "/" + service
	sel, ok := headlessSelectors.Load(key)
	if !ok {
		svc := &corev1.Service{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: service}, svc); err != nil {
			return nil, err
		}
		sel = labels.SelectorFromSet(svc.Spec.Selector)
		headlessSelectors.Store(key, sel)
	}
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel.(labels.Selector)}); err != nil {
		return nil, err
	}
	sort.Slice(pods.Items, func(a, b int) bool { return pods.Items[a].Name < pods.Items[b].Name })
	return pods.Items, nil
}

// openFaultEnv waits for the cluster to be Ready and starts the topology poller.
func openFaultEnv(ctx context.Context, scenario, ns string) *faultEnv {
	GinkgoHelper()
	e := &faultEnv{name: scenario, ns: ns, c: k8sClient(), user: "root", db: "faultload"}
	Eventually(func() string { _, why := clusterReady(ctx, e.c, ns); return why }).
		WithContext(ctx).WithTimeout(readyTimeout).WithPolling(time.Second).Should(BeEmpty(), "cluster in %s Ready", ns)
	sec := &corev1.Secret{}
	Expect(e.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: faultClusterName + "-credentials"}, sec)).To(Succeed())
	e.password = string(sec.Data[v1alpha1.SecretKeyRootPassword])
	svc := &corev1.Service{}
	Expect(e.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: faultClusterName + "-primary"}, svc)).To(Succeed())
	e.primary = net.JoinHostPort(svc.Spec.ClusterIP, mysqlPort)
	pctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	e.poll(pctx)
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for pctx.Err() == nil {
			e.poll(pctx)
			select {
			case <-pctx.Done():
			case <-t.C:
			}
		}
	}()
	DeferCleanup(cancel)
	return e
}

// poll refreshes members (pod IPs) and routing (pods the primary Service selects that are ready
// and not terminating: where the Service proxy sends new connections).
func (e *faultEnv) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	pods, err := memberPods(ctx, e.c, e.ns)
	if err != nil {
		return
	}
	routed, err := routedPods(ctx, e.c, e.ns, faultClusterName+"-primary")
	if err != nil {
		return
	}
	t := workload.Topology{Members: map[string]string{}}
	for _, p := range pods {
		if p.Status.PodIP != "" {
			t.Members[p.Name] = net.JoinHostPort(p.Status.PodIP, mysqlPort)
		}
	}
	t.Routed = routed
	e.mu.Lock()
	e.topo = t
	e.mu.Unlock()
}

// routedPods are the pods a Service's proxy sends new connections to, computed as localkube's
// proxy does (test/localkube/services: it has no EndpointSlices, the apiserver refuses loopback
// pod IPs in them): the pods its selector matches that have an IP, are not finished, are Ready
// (or the Service publishes not-ready addresses) and are not terminating.
func routedPods(ctx context.Context, c client.Client, ns, service string) ([]string, error) {
	svc := &corev1.Service{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: service}, svc); err != nil {
		return nil, err
	}
	if len(svc.Spec.Selector) == 0 {
		return nil, nil
	}
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(svc.Spec.Selector)); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range pods.Items {
		finished := p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
		ready := podReady(&p) || svc.Spec.PublishNotReadyAddresses
		if p.Status.PodIP != "" && !finished && ready && p.DeletionTimestamp == nil {
			out = append(out, p.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (e *faultEnv) topology() workload.Topology {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.topo
}

func (e *faultEnv) cluster(ctx context.Context) *v1alpha1.MySQLCluster {
	GinkgoHelper()
	return getCluster(ctx, e.c, e.ns)
}

// primaryName is status.currentPrimary.
func (e *faultEnv) primaryName(ctx context.Context) string {
	GinkgoHelper()
	return e.cluster(ctx).Status.CurrentPrimary
}

// memberAddr is a member's pod IP:3306, fresh from the API.
func (e *faultEnv) memberAddr(ctx context.Context, name string) string {
	GinkgoHelper()
	p := pod(ctx, e.c, e.ns, name)
	return net.JoinHostPort(p.Status.PodIP, mysqlPort)
}

// replicas are the member names other than the recorded primary, highest ordinal first.
func (e *faultEnv) replicas(ctx context.Context) []string {
	GinkgoHelper()
	p := e.primaryName(ctx)
	var out []string
	for name := range e.topology().Members {
		if name != p {
			out = append(out, name)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

func (e *faultEnv) options() workload.Options {
	return workload.Options{
		Primary: e.primary, User: e.user, Password: e.password, Database: e.db, TLS: e.clientTLS,
		Topology: e.topology,
		Logf: func(f string, a ...any) {
			GinkgoWriter.Printf("%s [%s] %s\n", time.Now().Format("15:04:05.000"), e.name, fmt.Sprintf(f, a...))
		},
	}
}

// semiSyncAtPrimary waits (bounded) for the recorded primary's semi-sync wait to be active and
// returns "" or what it saw instead.
func (e *faultEnv) semiSyncAtPrimary(ctx context.Context, within time.Duration) string {
	deadline := time.Now().Add(within)
	var why string
	for {
		mc := &v1alpha1.MySQLCluster{}
		if err := e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: faultClusterName}, mc); err != nil {
			why = err.Error()
		} else if mc.Spec.Replication.Mode == v1alpha1.ReplicationAsync || mc.DesiredReplicas() < 2 {
			return ""
		} else if addr, ok := e.topology().Members[mc.Status.CurrentPrimary]; !ok {
			why = "primary " + mc.Status.CurrentPrimary + " has no pod IP"
		} else if st, err := workload.QueryMember(ctx, e.user, e.password, addr, 2*time.Second); err != nil {
			why = fmt.Sprintf("primary %s: %v", mc.Status.CurrentPrimary, err)
		} else if !st.SemiSync {
			why = fmt.Sprintf("primary %s: semi-sync wait not active (Rpl_semi_sync_master_status OFF, %d semi-sync clients, writable=%v)",
				mc.Status.CurrentPrimary, st.SemiSyncClients, st.Writable)
		} else {
			return ""
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return why
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitReadyAgain waits until the cluster is Ready, every pod ready, and a write acknowledged after
// since; it returns how long that took from since, or what was still missing.
func (e *faultEnv) waitReadyAgain(ctx context.Context, w *workload.Workload, since time.Time, within time.Duration, availableOnly bool) (time.Duration, string) {
	deadline := since.Add(within)
	var why string
	for {
		ok, reason := clusterReady(ctx, e.c, e.ns)
		if availableOnly {
			ok, reason = clusterAvailable(ctx, e.c, e.ns)
		}
		switch {
		case !ok:
			why = reason
		case !w.LastAck().After(since):
			why = "Ready, but no write acknowledged since the fault ended"
		default:
			return time.Since(since), ""
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return time.Since(since), why
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// evidence is what a person would look at: kubectl get, conditions, members, events, and the
// operator's log lines about this namespace.
func (e *faultEnv) evidence(ctx context.Context) string {
	var b strings.Builder
	get, _ := kubectlOut(ctx, "-n", e.ns, "get", "mysqlcluster", faultClusterName)
	b.WriteString(get)
	mc := &v1alpha1.MySQLCluster{}
	if err := e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: faultClusterName}, mc); err == nil {
		fmt.Fprintf(&b, "currentPrimary=%s observedGeneration=%d/%d\n", mc.Status.CurrentPrimary, mc.Status.ObservedGeneration, mc.Generation)
		for _, c := range mc.Status.Conditions {
			fmt.Fprintf(&b, "condition %s=%s %s: %s\n", c.Type, c.Status, c.Reason, c.Message)
		}
		for _, m := range mc.Status.Members {
			fmt.Fprintf(&b, "member %+v\n", m)
		}
	}
	var events eventsv1.EventList
	if err := e.c.List(ctx, &events, client.InNamespace(e.ns)); err == nil {
		sort.Slice(events.Items, func(a, b int) bool {
			return eventTime(events.Items[a]).Before(eventTime(events.Items[b]))
		})
		for _, ev := range events.Items {
			if ev.Regarding.Kind == "Pod" && ev.ReportingController != "" && !strings.Contains(ev.ReportingController, "ordinal") {
				continue // kubelet/scheduler chatter
			}
			fmt.Fprintf(&b, "event %s %s %s %s/%s x%d: %s\n", eventTime(ev).Format("15:04:05"), ev.Type, ev.Reason,
				ev.Regarding.Kind, ev.Regarding.Name, max(1, seriesCount(ev)), ev.Note)
		}
	}
	b.WriteString(operatorLog(ctx, e.ns, 40))
	return b.String()
}

func eventTime(e eventsv1.Event) time.Time {
	if e.Series != nil {
		return e.Series.LastObservedTime.Time
	}
	if !e.EventTime.IsZero() {
		return e.EventTime.Time
	}
	return e.DeprecatedLastTimestamp.Time
}

func seriesCount(e eventsv1.Event) int {
	if e.Series != nil {
		return int(e.Series.Count)
	}
	return int(e.DeprecatedCount)
}

// operatorLog returns the last n lines of every operator pod's log that mention ns.
func operatorLog(ctx context.Context, ns string, n int) string {
	pods, err := kubectlOut(ctx, "-n", "ordinal-system", "get", "pods", "-o", "jsonpath={.items[*].metadata.name}")
	if err != nil {
		return "operator pods: " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, p := range strings.Fields(pods) {
		out, _ := kubectlOut(ctx, "-n", "ordinal-system", "logs", p, "--since=15m")
		var lines []string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, `"`+ns+`"`) || strings.Contains(l, ns+"/") || strings.Contains(l, "leader") {
				lines = append(lines, compactLogLine(l))
			}
		}
		lines = lines[max(0, len(lines)-n):]
		fmt.Fprintf(&b, "--- operator %s (last %d lines about %s)\n%s\n", p, len(lines), ns, strings.Join(lines, "\n"))
	}
	return b.String()
}

// compactLogLine shortens a JSON log line of the operator to its time, message and the fields
// that say what it did (kind, target, rule, reason, name, role, error).
func compactLogLine(l string) string {
	var m map[string]any
	if json.Unmarshal([]byte(l), &m) != nil {
		if len(l) > 300 {
			l = l[:300] + "…"
		}
		return l
	}
	out := fmt.Sprintf("%v %v %v", m["ts"], m["level"], m["msg"])
	for _, k := range []string{"kind", "target", "rule", "reason", "name", "role", "serving", "error"} {
		if v, ok := m[k]; ok && v != "" {
			out += fmt.Sprintf(" %s=%v", k, v)
		}
	}
	return out
}

// operatorLeader is the pod holding the operator's leader Lease.
func operatorLeader(ctx context.Context, c client.Client) (string, error) {
	lease := &coordinationv1.Lease{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "ordinal-system", Name: "ordinal.mysql.ordinal.dev"}, lease); err != nil {
		return "", err
	}
	if lease.Spec.HolderIdentity == nil {
		return "", fmt.Errorf("lease has no holder")
	}
	name, _, _ := strings.Cut(*lease.Spec.HolderIdentity, "_")
	return name, nil
}

// focused reports whether a spec with this full text runs under the suite's focus and skip flags,
// so clusters are created only for scenarios that will run.
func focused(fullText string) bool {
	cfg, _ := GinkgoConfiguration()
	for _, s := range cfg.SkipStrings {
		if regexp.MustCompile(s).MatchString(fullText) {
			return false
		}
	}
	if len(cfg.FocusStrings) == 0 {
		return true
	}
	return slices.ContainsFunc(cfg.FocusStrings, func(s string) bool { return regexp.MustCompile(s).MatchString(fullText) })
}

// appendResult adds a FAULT-RESULT line to $E2E_FAULT_RESULTS, if set (for docs/failures.md).
func appendResult(line string) {
	path := os.Getenv("E2E_FAULT_RESULTS")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}
