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
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseMetrics reads the Prometheus text exposition format (no
// timestamps, no exemplars: what client_golang writes).
func parseMetrics(r io.Reader) ([]sample, error) {
	var out []sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseLine(line)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func parseLine(line string) (sample, error) {
	s := sample{labels: map[string]string{}}
	rest := line
	if i := strings.IndexByte(line, '{'); i >= 0 {
		j := strings.LastIndexByte(line, '}')
		if j < i {
			return s, fmt.Errorf("metric line %q: unbalanced braces", line)
		}
		s.name = line[:i]
		if err := parseLabels(line[i+1:j], s.labels); err != nil {
			return s, fmt.Errorf("metric line %q: %w", line, err)
		}
		rest = line[j+1:]
	} else {
		name, r, _ := strings.Cut(line, " ")
		s.name, rest = name, r
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return s, fmt.Errorf("metric line %q: no value", line)
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return s, fmt.Errorf("metric line %q: %w", line, err)
	}
	s.value = v
	return s, nil
}

// parseLabels reads name="value",... with \" \\ \n escapes.
func parseLabels(s string, into map[string]string) error {
	for len(s) > 0 {
		eq := strings.IndexByte(s, '=')
		if eq < 0 || eq+1 >= len(s) || s[eq+1] != '"' {
			return fmt.Errorf("malformed labels %q", s)
		}
		name := strings.TrimSpace(s[:eq])
		var b strings.Builder
		i := eq + 2
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				if s[i] == 'n' {
					b.WriteByte('\n')
					continue
				}
			}
			b.WriteByte(s[i])
		}
		if i >= len(s) {
			return fmt.Errorf("unterminated label value in %q", s)
		}
		into[name] = b.String()
		s = strings.TrimLeft(s[i+1:], ", ")
	}
	return nil
}

// metrics is one scrape.
type metrics []sample

// sum adds every sample of name whose labels include want.
func (m metrics) sum(name string, want map[string]string) float64 {
	var t float64
	for _, s := range m {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
				break
			}
		}
		if match {
			t += s.value
		}
	}
	return t
}

// byLabel sums name per value of label.
func (m metrics) byLabel(name, label string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range m {
		if s.name == name {
			out[s.labels[label]] += s.value
		}
	}
	return out
}

var (
	// httpClient scrapes as Prometheus does (gzip: compressing costs the operator its share).
	httpClient = &http.Client{Timeout: 5 * time.Second}
	// pollClient watches a start without asking for gzip: the bench's own look should cost the
	// starting operator as little as it can.
	pollClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableCompression: true}}
)

// scrape reads the operator's metrics as Prometheus would.
func scrape(addr string) (metrics, error) { return scrapeWith(httpClient, addr) }

func scrapeWith(c *http.Client, addr string) (metrics, error) {
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/metrics: %s", addr, resp.Status)
	}
	return parseMetrics(resp.Body)
}
