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

package main

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/ordinal-dev/ordinal/test/bench/results"
)

// drawPNG draws one series as a PNG at path.
func drawPNG(path string, s results.Series) error {
	if len(s.Groups) == 0 {
		return fmt.Errorf("no groups")
	}
	p := plot.New()
	p.Title.Text = s.Title
	p.X.Label.Text = s.XLabel
	p.Y.Label.Text = s.YLabel
	var err error
	switch s.Kind {
	case "box":
		err = addBoxes(p, s.Groups)
	case "line":
		err = addLines(p, s.Groups)
	case "bar":
		err = addBars(p, s.Groups)
	default:
		err = fmt.Errorf("unknown kind %q", s.Kind)
	}
	if err != nil {
		return err
	}
	width := vg.Length(max(12, 3*len(s.Groups))) * vg.Centimeter
	return p.Save(min(width, 30*vg.Centimeter), 10*vg.Centimeter, path)
}

// addBoxes draws one box (median, quartiles, whiskers, outliers) per group.
func addBoxes(p *plot.Plot, groups []results.Group) error {
	names := make([]string, len(groups))
	for i, g := range groups {
		if len(g.Values) == 0 {
			return fmt.Errorf("group %q: no values", g.Label)
		}
		box, err := plotter.NewBoxPlot(vg.Points(30), float64(i), plotter.Values(g.Values))
		if err != nil {
			return fmt.Errorf("group %q: %w", g.Label, err)
		}
		box.FillColor = plotutil.Color(i)
		p.Add(box)
		names[i] = g.Label
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(groups))-0.4 // room around a lone box
	p.Y.Min = 0                                       // durations and rates start at zero: a box near the top is not mistaken for large
	return nil
}

// addLines draws each group as a line through its (X, Y) points, with markers and a legend.
func addLines(p *plot.Plot, groups []results.Group) error {
	for i, g := range groups {
		if len(g.X) != len(g.Values) || len(g.X) == 0 {
			return fmt.Errorf("group %q: %d x for %d values", g.Label, len(g.X), len(g.Values))
		}
		xy := make(plotter.XYs, len(g.X))
		for j := range g.X {
			xy[j] = plotter.XY{X: g.X[j], Y: g.Values[j]}
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return fmt.Errorf("group %q: %w", g.Label, err)
		}
		line.Color = plotutil.Color(i)
		points.Color = plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(g.Label, line, points)
	}
	p.Legend.Top = true
	return nil
}

// addBars draws one bar per group (its first value); groups with more values draw those side by
// side, one colour per position, so a split (scheduling, init, ...) compares across groups.
func addBars(p *plot.Plot, groups []results.Group) error {
	n := 0
	names := make([]string, len(groups))
	for i, g := range groups {
		if len(g.Values) == 0 {
			return fmt.Errorf("group %q: no values", g.Label)
		}
		n = max(n, len(g.Values))
		names[i] = g.Label
	}
	width := vg.Points(float64(60 / n))
	for j := range n {
		vs := make(plotter.Values, len(groups))
		for i, g := range groups {
			if j < len(g.Values) {
				vs[i] = g.Values[j]
			}
		}
		bars, err := plotter.NewBarChart(vs, width)
		if err != nil {
			return err
		}
		bars.Color = plotutil.Color(j)
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(float64(j)-float64(n-1)/2)
		p.Add(bars)
	}
	p.NominalX(names...)
	p.Y.Min = 0
	return nil
}
