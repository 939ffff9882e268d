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

// Package controller is a fixture for the reason extraction: each way a reason reaches a
// condition or an event, and one the extraction must report as unresolved.
package controller

import "fmt"

const reasonFromConst = "FromConst"

type condition struct {
	Reason  string
	Message string
}

type recorder struct{}

func (recorder) Eventf(regarding, related any, eventtype, reason, action, note string, args ...any) {}

type reconciler struct{ Recorder recorder }

// warn is a helper: its callers' arguments are the reasons.
func (r *reconciler) warn(reason, msg string) {
	r.Recorder.Eventf(nil, nil, "Warning", reason, "Act", msg)
}

func (r *reconciler) run(n int) condition {
	r.warn("FromHelperCaller", "x")
	r.warn(reasonFromConst, "y")
	r.Recorder.Eventf(nil, nil, "Warning", fmt.Sprintf("Built%d", n), "Act", "z")
	msg, why := plan(n)
	_ = msg
	return condition{why, "m"}
}

func plan(n int) (string, string) {
	if n > 0 {
		return "", "FromReturn"
	}
	return "m", ""
}
