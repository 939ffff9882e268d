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

package alerts

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/util/teststorage"
)

// target is one scrape: the exposition text and the labels Prometheus would add (job,
// namespace, pod).
type target struct {
	labels map[string]string
	text   string
}

// snapshot is every target scraped at one time.
type snapshot struct {
	at      time.Duration
	targets []target
}

var start = time.Unix(1_800_000_000, 0)

// load appends every sample of the snapshots to a fresh TSDB, with up=1 per target.
func load(t *testing.T, snaps []snapshot) *teststorage.TestStorage {
	t.Helper()
	st := teststorage.New(t)
	app := st.Appender(context.Background())
	for _, s := range snaps {
		ts := start.Add(s.at).UnixMilli()
		for _, tg := range s.targets {
			add := func(name string, ls map[string]string, v float64) {
				m := map[string]string{"__name__": name}
				for k, v := range tg.labels {
					m[k] = v
				}
				for k, v := range ls {
					m[k] = v
				}
				if _, err := app.Append(0, labels.FromMap(m), ts, v); err != nil {
					t.Fatalf("append %s: %v", name, err)
				}
			}
			add("up", nil, 1)
			p := expfmt.NewTextParser(model.UTF8Validation)
			fams, err := p.TextToMetricFamilies(strings.NewReader(tg.text))
			if err != nil {
				t.Fatalf("parse scrape of %v: %v", tg.labels, err)
			}
			for _, mf := range fams {
				for _, m := range mf.GetMetric() {
					samples(mf, m, add)
				}
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	return st
}

// samples turns one metric of the exposition into the series Prometheus stores.
func samples(mf *dto.MetricFamily, m *dto.Metric, add func(string, map[string]string, float64)) {
	ls := map[string]string{}
	for _, l := range m.GetLabel() {
		ls[l.GetName()] = l.GetValue()
	}
	name := mf.GetName()
	switch mf.GetType() {
	case dto.MetricType_COUNTER:
		add(name, ls, m.GetCounter().GetValue())
	case dto.MetricType_GAUGE:
		add(name, ls, m.GetGauge().GetValue())
	case dto.MetricType_UNTYPED:
		add(name, ls, m.GetUntyped().GetValue())
	case dto.MetricType_HISTOGRAM:
		h := m.GetHistogram()
		for _, b := range h.GetBucket() {
			add(name+"_bucket", with(ls, "le", fmt.Sprint(b.GetUpperBound())), float64(b.GetCumulativeCount()))
		}
		add(name+"_bucket", with(ls, "le", "+Inf"), float64(h.GetSampleCount()))
		add(name+"_sum", ls, h.GetSampleSum())
		add(name+"_count", ls, float64(h.GetSampleCount()))
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range m {
		out[a] = b
	}
	return out
}

// firing evaluates the alert's expression (its for: aside) at start+at and returns the label
// sets it returns: the alert would be pending or firing for each.
func firing(t *testing.T, st *teststorage.TestStorage, alert string, at time.Duration) []labels.Labels {
	t.Helper()
	var expr string
	for _, r := range loadRules(t) {
		if r.Alert == alert {
			expr = r.Expr
		}
	}
	if expr == "" {
		t.Fatalf("no alert %s", alert)
	}
	eng := promql.NewEngine(promql.EngineOpts{MaxSamples: 1_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	q, err := eng.NewInstantQuery(context.Background(), st, nil, expr, start.Add(at))
	if err != nil {
		t.Fatalf("%s: %v", alert, err)
	}
	defer q.Close()
	res := q.Exec(context.Background())
	if res.Err != nil {
		t.Fatalf("%s: %v", alert, res.Err)
	}
	v, err := res.Vector()
	if err != nil {
		t.Fatalf("%s: %v", alert, err)
	}
	var out []labels.Labels
	for _, s := range v {
		if !math.IsNaN(s.F) {
			out = append(out, s.Metric)
		}
	}
	return out
}

// expose renders exposition text from families (the operator's registry, gathered).
func expose(t *testing.T, fams []*dto.MetricFamily) string {
	t.Helper()
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range fams {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}
