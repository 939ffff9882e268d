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

// known is a section issue 11 asks for: its title, the make target that measures it, and the
// figures it will hold, so the page lists them before the section has run.
type known struct {
	Name, Title string
	Expected    []expected
}

// expected is a figure a section will measure, and its target ("" when it has none).
type expected struct {
	Label, Target string
}

// catalogue is every section in page order, with the figures and targets of issue 11.
var catalogue = []known{
	{"provisioning", "Provisioning", []expected{
		{"3-member cluster Ready, p50", ""},
		{"3-member cluster Ready, p95", "≤ 30 s"},
		{"Split: scheduling, datadir init, server start, replication set-up (p50, p95)", ""},
		{"Add one replica to a cluster holding 1 GiB: patch → Ready and replicating", ""},
		{"Seeding throughput / local copy of the same datadir", "≥ 0.8"},
	}},
	{"faults", "Failover and switchover as a client sees them", []expected{
		{"Write pause, kill -9 of the primary: p50 / p99", "≤ 3 s / ≤ 8 s"},
		{"Write pause, primary pod delete: p50 / p99", "≤ 3 s / ≤ 8 s"},
		{"Write pause, frozen / cut off / lost primary node: p99", "≤ 12 s"},
		{"Write pause, drain and switchover: p99", "≤ 2 s"},
		{"Acknowledged writes lost", "0"},
		{"Time until every member replicates again", ""},
	}},
	{"safety", "Cost of safety", []expected{
		{"sysbench oltp_write_only, semi-sync / async transactions per second", "≥ 0.7"},
		{"Through the primary Service / bare mariadbd on the same machine", ""},
	}},
	{"backups", "Backups", []expected{
		{"Backup throughput / local copy", ""},
		{"Restore time / local copy", ""},
		{"Recovery point of binlog archiving under steady writes", ""},
	}},
	{"scale", "Operator scale", []expected{
		{"1,000 clusters: RSS", "≤ 256 MiB"},
		{"1,000 clusters: all reconciled after operator start", "≤ 10 s"},
		{"1,000 clusters at rest: API GETs per minute", "0"},
		{"1,000 clusters at rest: CPU", "≤ 5% of a core"},
		{"1,000 clusters at rest: work queue depth", "0"},
		{"One cluster's failover with 999 idle, minus the same failover alone", "≤ 1 s"},
	}},
}
