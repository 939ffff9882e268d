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

package controller

import (
	"strings"
	"testing"
)

func TestVerifyReport(t *testing.T) {
	for report, want := range map[string]bool{
		`{"backup":"b","verified":false,"message":"store …: the credentials were refused","storeUnavailable":true}` + "\nordinal: store …": true,
		`{"backup":"b","verified":false,"message":"backup b is corrupted: checksum mismatch"}`:                                             false,
		"ordinal: something else": false,
		"":                        false,
	} {
		if res, _ := parseReport(report); res.StoreUnavailable != want {
			t.Errorf("parseReport(%q) = %+v", report, res)
		}
	}
	long := "[Note] InnoDB: " + strings.Repeat("x", 3000) + "\nordinal: table t.a: checksum 1 ≠ 2"
	if got := reportOf(long); !strings.HasSuffix(got, "checksum 1 ≠ 2") || len(got) > 1100 {
		t.Errorf("reportOf keeps the end: %q", got)
	}
	if got := reportOf(`{"message":"corrupted: checksum mismatch"}` + "\n" + long); got != "corrupted: checksum mismatch" {
		t.Errorf("reportOf prefers the result line: %q", got)
	}
}
