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
	"time"

	"github.com/ordinal-dev/ordinal/internal/mysql"
)

// BenchmarkPulse is the operator's per-member cost at rest: one pulse statement, over a kept pool
// (what passes use) and over a pulse connection (what resting clusters are read on).
func BenchmarkPulse(b *testing.B) {
	const members = 50
	_, port := testFleet(b, members)
	ctx := context.Background()
	run := func(b *testing.B, pulser func(i int) mysql.Pulser) {
		cs := make([]mysql.Pulser, members)
		for i := range members {
			cs[i] = pulser(i)
			if _, err := cs[i].Pulse(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := cs[i%members].Pulse(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("pool", func(b *testing.B) { run(b, func(i int) mysql.Pulser { return client(b, port, i) }) })
	b.Run("conn", func(b *testing.B) {
		run(b, func(i int) mysql.Pulser {
			p, err := mysql.OpenPulse(mysql.Config{Flavor: mysql.MariaDB, Host: memberIP(i), Port: port, User: "ordinal",
				Password: "any", ConnectTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = p.Close() })
			return p
		})
	})
}
