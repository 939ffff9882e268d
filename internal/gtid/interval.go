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

package gtid

import (
	"fmt"
	"slices"
)

// MaxSeq is the largest sequence number accepted (MySQL's GNO limit, 2^63-1).
const MaxSeq = 1<<63 - 1

// Interval is a closed range of sequence numbers, Start <= End, both >= 1.
type Interval struct {
	Start, End uint64
}

// len is the number of sequence numbers in the interval.
func (iv Interval) len() uint64 { return iv.End - iv.Start + 1 }

func (iv Interval) String() string {
	if iv.Start == iv.End {
		return fmt.Sprint(iv.Start)
	}
	return fmt.Sprintf("%d-%d", iv.Start, iv.End)
}

// normalize sorts ivs and merges overlapping or adjacent intervals. It
// returns a fresh slice so callers never share backing arrays between Sets.
func normalize(ivs []Interval) []Interval {
	in := slices.Clone(ivs)
	slices.SortFunc(in, func(a, b Interval) int {
		switch {
		case a.Start < b.Start:
			return -1
		case a.Start > b.Start:
			return 1
		}
		return 0
	})
	out := make([]Interval, 0, len(in))
	for _, iv := range in {
		n := len(out)
		// Bounds are <= MaxSeq, so End+1 cannot overflow.
		if n > 0 && iv.Start <= out[n-1].End+1 {
			out[n-1].End = max(out[n-1].End, iv.End)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// subtractIntervals returns a − b for normalized lists.
func subtractIntervals(a, b []Interval) []Interval {
	var out []Interval
	j := 0
	for _, iv := range a {
		cur := iv
		for j < len(b) && b[j].End < cur.Start {
			j++
		}
		k := j
		for ; k < len(b) && b[k].Start <= cur.End; k++ {
			if b[k].Start > cur.Start {
				out = append(out, Interval{cur.Start, b[k].Start - 1})
			}
			if b[k].End >= cur.End {
				cur.Start = cur.End + 1 // fully consumed
				break
			}
			cur.Start = b[k].End + 1
		}
		if cur.Start <= cur.End {
			out = append(out, cur)
		}
	}
	return out
}

// containsIntervals reports whether every interval of a lies within b, both
// normalized. Because b is merged, each interval of a must fit in a single
// interval of b.
func containsIntervals(b, a []Interval) bool {
	j := 0
	for _, iv := range a {
		for j < len(b) && b[j].End < iv.Start {
			j++
		}
		if j == len(b) || b[j].Start > iv.Start || b[j].End < iv.End {
			return false
		}
	}
	return true
}
