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

package workload

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// OpKind is a key operation.
type OpKind int

const (
	OpRead OpKind = iota
	OpWrite
	OpCAS
)

func (k OpKind) String() string {
	return [...]string{"read", "write", "cas"}[k]
}

// Op is one key operation as a client saw it. Values are unique per write, so the checker's
// search stays small.
type Op struct {
	Client int
	Kind   OpKind
	Key    int
	// Value written (write, CAS new value) or read (read).
	Value int64
	// Expected is the CAS's old value.
	Expected int64
	// OK: a CAS that swapped (false: it found another value).
	OK bool
	// Unknown: sent but not answered; it may or may not have taken effect.
	Unknown bool
	// Host that served it ("" if unknown).
	Host        string
	Call, Reply time.Time
}

func (o Op) String() string {
	out := ""
	switch o.Kind {
	case OpRead:
		out = fmt.Sprintf("read(k%d) -> %d", o.Key, o.Value)
	case OpWrite:
		out = fmt.Sprintf("write(k%d, %d)", o.Key, o.Value)
	case OpCAS:
		out = fmt.Sprintf("cas(k%d, %d -> %d) = %v", o.Key, o.Expected, o.Value, o.OK)
	}
	if o.Unknown {
		out += " ?"
	}
	return fmt.Sprintf("c%d %s @%s [%s +%s]", o.Client, out, o.Host, o.Call.Format("15:04:05.000"), o.Reply.Sub(o.Call).Round(time.Millisecond))
}

// maxUnknownPerClient caps the indeterminate operations of one client: each may linearize anywhere
// after its call, and porcupine's search grows with their number. Past the cap a client only reads.
const maxUnknownPerClient = 10

// client runs random reads, writes and compare-and-sets on the keys through the primary Service.
func (w *Workload) client(ctx context.Context, db *sql.DB, id int) {
	rng := rand.New(rand.NewPCG(uint64(id)+1, uint64(time.Now().UnixNano())))
	last := map[int]int64{}
	var seq int64
	unknown := 0
	for n := 0; n < w.o.MaxOps && ctx.Err() == nil; n++ {
		key := rng.IntN(w.o.Keys)
		op := Op{Client: id, Key: key}
		switch r := rng.IntN(10); {
		case r < 4:
			op.Kind = OpRead
		case r < 7:
			op.Kind = OpWrite
		default:
			op.Kind = OpCAS
			op.Expected = last[key]
		}
		if op.Kind != OpRead && unknown >= maxUnknownPerClient {
			op.Kind = OpRead // enough indeterminate writes: the checker's search grows with each
		}
		if op.Kind != OpRead {
			seq++
			op.Value = int64(id+1)<<40 | seq
		}
		done := w.runOp(ctx, db, &op)
		if done {
			if op.Kind == OpRead && !op.Unknown {
				last[key] = op.Value
			}
			w.mu.Lock()
			w.h.Ops = append(w.h.Ops, op)
			w.mu.Unlock()
		}
		pause := w.o.OpInterval
		if op.Unknown {
			unknown++
			pause = 10 * w.o.OpInterval // few indeterminate operations keep the check tractable
		}
		sleep(ctx, pause)
	}
}

// runOp performs op; it returns false when the op certainly did nothing and is left out of the
// history (no connection, refused by a read-only server, a failed read).
func (w *Workload) runOp(ctx context.Context, db *sql.DB, op *Op) bool {
	c, host, err := conn(ctx, db)
	if err != nil {
		return false
	}
	defer c.Close()
	op.Host = host
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	op.Call = time.Now()
	switch op.Kind {
	case OpRead:
		err = c.QueryRowContext(ectx, "SELECT v FROM kv WHERE k = ?", op.Key).Scan(&op.Value)
		op.Reply = time.Now()
		return err == nil // a failed read tells nothing
	case OpWrite:
		_, err = c.ExecContext(ectx, "UPDATE kv SET v = ? WHERE k = ?", op.Value, op.Key)
	case OpCAS:
		var res sql.Result
		res, err = c.ExecContext(ectx, "UPDATE kv SET v = ? WHERE k = ? AND v = ?", op.Value, op.Key, op.Expected)
		if err == nil {
			n, _ := res.RowsAffected()
			op.OK = n == 1
		}
	}
	op.Reply = time.Now()
	switch classify(err) {
	case outcomeOK:
		return true
	case outcomeUnknown:
		op.Unknown = true
		return true
	default:
		return false
	}
}

// register-per-key model for porcupine.

type kvInput struct {
	kind            OpKind
	key             int
	value, expected int64
}

type kvOutput struct {
	value   int64
	ok      bool
	unknown bool
}

// KVModel is a register per key, partitioned by key. Every register starts at 0. An operation
// with an unknown outcome returns "at infinity": it may take effect at any point after its call,
// or never (linearized last, nothing observes it).
var KVModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[int][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(kvInput).key
			byKey[k] = append(byKey[k], op)
		}
		keys := make([]int, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return int64(0) },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(int64), input.(kvInput), output.(kvOutput)
		switch in.kind {
		case OpRead:
			return out.value == s, s
		case OpWrite:
			return true, in.value
		default: // CAS
			if out.unknown {
				if s == in.expected {
					return true, in.value
				}
				return true, s
			}
			if out.ok {
				return s == in.expected, in.value
			}
			return s != in.expected, s
		}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(kvInput), output.(kvOutput)
		q := ""
		if out.unknown {
			q = " ?"
		}
		switch in.kind {
		case OpRead:
			return fmt.Sprintf("read(k%d) -> %d", in.key, out.value)
		case OpWrite:
			return fmt.Sprintf("write(k%d, %d)%s", in.key, in.value, q)
		default:
			return fmt.Sprintf("cas(k%d, %d -> %d) = %v%s", in.key, in.expected, in.value, out.ok, q)
		}
	},
}

// PorcupineHistory converts recorded ops; times are nanoseconds since base.
func PorcupineHistory(ops []Op, base time.Time) []porcupine.Operation {
	out := make([]porcupine.Operation, 0, len(ops))
	for _, op := range ops {
		ret := op.Reply.Sub(base).Nanoseconds()
		if op.Unknown {
			ret = math.MaxInt64
		}
		out = append(out, porcupine.Operation{
			ClientId: op.Client,
			Input:    kvInput{kind: op.Kind, key: op.Key, value: op.Value, expected: op.Expected},
			Output:   kvOutput{value: op.Value, ok: op.OK, unknown: op.Unknown},
			Call:     op.Call.Sub(base).Nanoseconds(),
			Return:   ret,
		})
	}
	return out
}

// Linearizability is the result of checking a key history.
type Linearizability struct {
	Result  porcupine.CheckResult
	Ops     int
	Unknown int
	// Detail names, for an illegal history, the longest linearizable prefix's last operations
	// per bad key and where a visualization was written (if asked).
	Detail string
}

// CheckLinearizable checks ops against KVModel within timeout. If vizPath is set and the history
// is not linearizable, porcupine's HTML visualization is written there.
func CheckLinearizable(ops []Op, timeout time.Duration, vizPath string) Linearizability {
	l := Linearizability{Ops: len(ops)}
	if len(ops) == 0 {
		l.Result = porcupine.Ok
		return l
	}
	base := ops[0].Call
	for _, op := range ops {
		if op.Call.Before(base) {
			base = op.Call
		}
		if op.Unknown {
			l.Unknown++
		}
	}
	history := PorcupineHistory(ops, base)
	res, info := porcupine.CheckOperationsVerbose(KVModel, history, timeout)
	l.Result = res
	if res == porcupine.Illegal {
		var b strings.Builder
		parts := KVModel.Partition(history)
		for i, part := range info.PartialLinearizationsOperations() {
			longest := []porcupine.Operation(nil)
			for _, lin := range part {
				if len(lin) > len(longest) {
					longest = lin
				}
			}
			if i < len(parts) && len(longest) == len(parts[i]) {
				continue // this key is linearizable
			}
			if len(longest) == 0 {
				if i < len(parts) && len(parts[i]) > 0 {
					fmt.Fprintf(&b, "k%d: no operation can come first; ", parts[i][0].Input.(kvInput).key)
				}
				continue
			}
			tail := longest[max(0, len(longest)-3):]
			fmt.Fprintf(&b, "longest linearizable prefix (%d ops) ends:", len(longest))
			for _, op := range tail {
				fmt.Fprintf(&b, " [%s]", KVModel.DescribeOperation(op.Input, op.Output))
			}
			b.WriteString("; ")
		}
		if vizPath != "" {
			if err := porcupine.VisualizePath(KVModel, info, vizPath); err == nil {
				fmt.Fprintf(&b, "visualization: %s", vizPath)
			}
		}
		l.Detail = b.String()
	}
	return l
}
