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

package localkube

import "testing"

func TestHollowBlock(t *testing.T) {
	for _, tc := range []struct {
		cidr  string
		index int
		want  string
	}{
		{"127.10.0.0/16", 1, "127.10.128.0/20"},
		{"127.10.0.0/16", 2, "127.10.144.0/20"},
		{"127.10.0.0/16", 8, "127.10.240.0/20"},
		{"127.11.0.0/16", 1, "127.11.128.0/20"},
		{"127.0.0.0/8", 1, "127.128.0.0/12"},
		{"127.10.0.0/16", 9, ""},
		{"127.10.0.0/16", 0, ""},
		{"127.10.0.0/24", 1, ""},
	} {
		got, err := hollowBlock(tc.cidr, tc.index)
		if tc.want == "" {
			if err == nil {
				t.Errorf("hollowBlock(%s, %d) = %s, want an error", tc.cidr, tc.index, got)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("hollowBlock(%s, %d) = %s, %v; want %s", tc.cidr, tc.index, got, err, tc.want)
		}
	}
}
