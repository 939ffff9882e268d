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
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/test/bench/results"
)

// benchSection collects one `make bench` section's figures, series and notes while its specs
// run, and writes bench/results/NAME.json (results.Write) when finished.
type benchSection struct {
	s results.Section
}

// newBenchSection starts a section now, on this machine, at the repo's commit.
func newBenchSection(name, title string) *benchSection {
	return &benchSection{s: results.Section{
		Name: name, Title: title, Started: time.Now().UTC(),
		Machine: results.ThisMachine(benchServer(), benchCommit()),
	}}
}

// Figure adds one figure; Check (in results.Write) fills Met from Op and Goal.
func (b *benchSection) Figure(f results.Figure) { b.s.Figures = append(b.s.Figures, f) }

// Series adds one plot's data.
func (b *benchSection) Series(s results.Series) { b.s.Series = append(b.s.Series, s) }

// Note adds one sentence on how something was measured or why a target was missed.
func (b *benchSection) Note(n string) { b.s.Notes = append(b.s.Notes, n) }

// Write stamps the duration and writes the section to $ORDINAL_BENCH_RESULTS (default:
// bench/results under the repo root).
func (b *benchSection) Write() {
	GinkgoHelper()
	b.s.Duration = results.Seconds(time.Since(b.s.Started).Seconds())
	if os.Getenv("ORDINAL_BENCH_MERGE") != "" {
		b.mergeEarlier()
	}
	Expect(results.Write(benchResultsDir(), b.s)).To(Succeed())
	GinkgoWriter.Printf("bench: wrote %s\n", filepath.Join(benchResultsDir(), b.s.Name+".json"))
}

// mergeEarlier keeps what an earlier run of this section measured and this (focused) run did
// not: its figures (each noting the run that measured it) and series by name, and its notes
// about other things (a note is about what precedes its first colon: "Seeding: …").
func (b *benchSection) mergeEarlier() {
	all, err := results.Read(benchResultsDir())
	if err != nil {
		return
	}
	for _, old := range all {
		if old.Name != b.s.Name {
			continue
		}
		from := fmt.Sprintf("measured by the run of %s (commit %s)", old.Started.Format(time.RFC3339), old.Machine.Commit)
		for _, f := range old.Figures {
			if !slices.ContainsFunc(b.s.Figures, func(n results.Figure) bool { return n.Name == f.Name }) {
				if !strings.Contains(f.Note, "measured by the run of") {
					f.Note = strings.TrimPrefix(f.Note+"; "+from, "; ")
				}
				b.s.Figures = append(b.s.Figures, f)
			}
		}
		for _, sr := range old.Series {
			b.mergeSeries(sr)
		}
		for _, n := range old.Notes {
			if !slices.ContainsFunc(b.s.Notes, func(m string) bool { return noteTopic(m) == noteTopic(n) }) {
				b.s.Notes = append(b.s.Notes, n)
			}
		}
	}
}

// mergeSeries keeps an earlier series this run did not draw, and the earlier groups (one fault's
// box) of a series it did draw but without them: a focused run of one fault keeps the others.
func (b *benchSection) mergeSeries(old results.Series) {
	i := slices.IndexFunc(b.s.Series, func(n results.Series) bool { return n.Name == old.Name })
	if i < 0 {
		b.s.Series = append(b.s.Series, old)
		return
	}
	cur := &b.s.Series[i]
	groups := make([]results.Group, 0, len(old.Groups)+len(cur.Groups))
	for _, g := range old.Groups { // in the earlier order, this run's group in its place
		if j := slices.IndexFunc(cur.Groups, func(n results.Group) bool { return n.Label == g.Label }); j >= 0 {
			g = cur.Groups[j]
		}
		groups = append(groups, g)
	}
	for _, g := range cur.Groups {
		if !slices.ContainsFunc(old.Groups, func(n results.Group) bool { return n.Label == g.Label }) {
			groups = append(groups, g)
		}
	}
	cur.Groups = groups
}

// noteTopic is what a note is about: the text before its first colon.
func noteTopic(n string) string {
	t, _, _ := strings.Cut(n, ":")
	return t
}

// benchResultsDir is where sections are written: $ORDINAL_BENCH_RESULTS or REPO/bench/results.
func benchResultsDir() string {
	if d := os.Getenv("ORDINAL_BENCH_RESULTS"); d != "" {
		return d
	}
	return filepath.Join(repo, "bench", "results")
}

// benchCommit is the repo's short HEAD (with -dirty when the tree has changes), "" when unknown.
func benchCommit() string {
	out, err := exec.Command("git", "-C", repo, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	c := strings.TrimSpace(string(out))
	if err := exec.Command("git", "-C", repo, "diff", "--quiet", "HEAD").Run(); err != nil {
		c += "-dirty"
	}
	return c
}

// benchServer is the engine the suite runs against and its version as mariadbd reports it.
func benchServer() string {
	bin := "mariadbd"
	if flavor == "mysql" {
		bin = "mysqld"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return flavor
	}
	return strings.TrimSpace(string(out))
}

// seconds converts durations to float seconds, for figures and series.
func seconds(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Seconds()
	}
	return out
}

// median is the 50th percentile (nearest rank).
func median(v []float64) float64 { return results.Percentile(v, 50) }

// pctFigure is a percentile of samples as a figure; op/goal/target may be empty.
func pctFigure(name, label string, samples []float64, p float64, unit string) results.Figure {
	return results.Figure{Name: name, Label: label, Value: round3(results.Percentile(samples, p)),
		Unit: unit, Samples: len(samples)}
}

// round3 keeps three decimals: results are read by people.
func round3(v float64) float64 {
	return float64(int64(v*1000+0.5)) / 1000
}

// sortedCopy is v sorted ascending, v untouched.
func sortedCopy(v []float64) []float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s
}

// The phases of one member's start, in order, as the observer first sees each.
const (
	phCreated   = "created"   // the pod exists
	phScheduled = "scheduled" // PodScheduled=True
	phInit      = "init"      // Initialized=True: every init container finished
	phReady     = "ready"     // Ready=True
	phServing   = "serving"   // status.members[].serving: the primary behind its Service, a replica replicating
)

// phaseObserver polls a namespace's pods and cluster status every 200 ms and keeps, per pod, the
// first time each phase was seen: the API's own timestamps have whole-second resolution.
type phaseObserver struct {
	mu    sync.Mutex
	first map[string]map[string]time.Time
	ready time.Time // the cluster Ready at its generation with every pod ready
}

func observePhases(ctx context.Context, c client.Client, ns string) (*phaseObserver, context.CancelFunc) {
	o := &phaseObserver{first: map[string]map[string]time.Time{}}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for ctx.Err() == nil {
			o.poll(ctx, c, ns)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		}
	}()
	return o, cancel
}

func (o *phaseObserver) poll(ctx context.Context, c client.Client, ns string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	now := time.Now()
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		return
	}
	mc := &v1alpha1.MySQLCluster{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: faultClusterName}, mc); err != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, p := range pods.Items {
		o.see(p.Name, phCreated, now, true)
		o.see(p.Name, phScheduled, now, podCondition(&p, corev1.PodScheduled))
		o.see(p.Name, phInit, now, podCondition(&p, corev1.PodInitialized))
		o.see(p.Name, phReady, now, podCondition(&p, corev1.PodReady))
	}
	for _, m := range mc.Status.Members {
		o.see(m.Name, phServing, now, m.Serving && m.Ready)
	}
	if o.ready.IsZero() {
		if ok, _ := clusterReady(ctx, c, ns); ok {
			o.ready = now
		}
	}
}

func (o *phaseObserver) see(pod, phase string, now time.Time, yes bool) {
	if !yes {
		return
	}
	if o.first[pod] == nil {
		o.first[pod] = map[string]time.Time{}
	}
	if _, ok := o.first[pod][phase]; !ok {
		o.first[pod][phase] = now
	}
}

// between is to−from for one pod, false when either was not seen or to came first.
func (o *phaseObserver) between(pod, from, to string) (time.Duration, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, okA := o.first[pod][from]
	b, okB := o.first[pod][to]
	if !okA || !okB || b.Before(a) {
		return 0, false
	}
	return b.Sub(a), true
}

func (o *phaseObserver) readyAt() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ready
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// settle writes back what is dirty and waits a moment: this VM's root file system is mounted with
// discard, so a removed copy's blocks are trimmed after it, and the next measurement should not
// pay for them.
func settle(ctx context.Context) {
	_ = exec.CommandContext(ctx, "sync").Run()
	time.Sleep(3 * time.Second)
}

// evictPageCache drops the clean cached pages of every regular file under dir
// (POSIX_FADV_DONTNEED: a dirty page is only queued for writeback and stays; nothing is lost). A
// file that goes away meanwhile (a running member purges its relay logs) is skipped.
func evictPageCache(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		defer f.Close()
		return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	})
}
