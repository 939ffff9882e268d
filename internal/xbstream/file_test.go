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

package xbstream

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestOutFileGoesBufferedAtTheFirstUnalignedWrite writes aligned chunks with O_DIRECT, then a
// tail that is not aligned, then more: the file holds every byte in order either way.
func TestOutFileGoesBufferedAtTheFirstUnalignedWrite(t *testing.T) {
	cases := map[string]struct {
		chunks     []int // chunk sizes, written in order
		unaligned  bool  // the chunks' memory starts off the alignment
		directThen []bool
	}{
		"pages then a tail":    {chunks: []int{2 * directAlign, 16 * directAlign, 100, directAlign}, directThen: []bool{true, true, false, false}},
		"a small file":         {chunks: []int{10}, directThen: []bool{false}},
		"a part-aligned chunk": {chunks: []int{directAlign + 1, directAlign}, directThen: []bool{false, false}},
		"memory off alignment": {chunks: []int{directAlign}, unaligned: true, directThen: []bool{false}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			o, err := createFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !o.direct {
				t.Skip("no O_DIRECT on this file system")
			}
			var want []byte
			for i, n := range tc.chunks {
				b := alignedBuffer(n + 1)[:n]
				if tc.unaligned {
					b = alignedBuffer(n + 1)[1:]
				}
				for j := range b {
					b[j] = byte(i*7 + j)
				}
				want = append(want, b...)
				if err := o.write(b); err != nil {
					t.Fatalf("chunk %d: %v", i, err)
				}
				if o.direct != tc.directThen[i] {
					t.Errorf("after chunk %d: direct %v, want %v", i, o.direct, tc.directThen[i])
				}
			}
			if err := o.finish(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want) || o.written != int64(len(want)) {
				t.Errorf("file holds %d bytes (%v), counted %d; want %d", len(got), err, o.written, len(want))
			}
		})
	}
}

func TestAlignedBuffer(t *testing.T) {
	for _, n := range []int{1, directAlign, 10 << 20} {
		if b := alignedBuffer(n); len(b) != n || cap(b) != n || !aligned(b) {
			t.Errorf("alignedBuffer(%d): len %d cap %d aligned %v", n, len(b), cap(b), aligned(b))
		}
	}
}
