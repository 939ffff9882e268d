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

package simmember

import (
	"context"
	"testing"
)

// BenchmarkPulse is the operator's per-member cost at rest: one pulse statement over a kept pool.
func BenchmarkPulse(b *testing.B) {
	const members = 50
	_, port := testFleet(b, members)
	ctx := context.Background()
	cs := make([]func() error, members)
	for i := range members {
		c := client(b, port, i)
		cs[i] = func() error { _, err := c.Pulse(ctx); return err }
		if err := cs[i](); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := cs[i%members](); err != nil {
			b.Fatal(err)
		}
	}
}
