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

package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// recorder is a session that records statements and answers queries from
// canned rows, matched by statement prefix.
type recorder struct {
	calls []string
	rows  map[string][]row   // prefix -> result
	queue map[string][][]row // prefix -> results of successive calls, before rows
	errs  map[string]error   // prefix -> error
}

func newRecorder() *recorder {
	return &recorder{rows: map[string][]row{}, queue: map[string][][]row{}, errs: map[string]error{}}
}

func (r *recorder) record(ctx context.Context, st stmt) error {
	call := st.sql
	if len(st.args) > 0 {
		call += " " + fmt.Sprint(st.args)
	}
	r.calls = append(r.calls, call)
	for p, err := range r.errs {
		if strings.HasPrefix(st.sql, p) {
			return err
		}
	}
	return nil
}

func (r *recorder) exec(ctx context.Context, st stmt) error { return r.record(ctx, st) }

func (r *recorder) query(ctx context.Context, st stmt) ([]row, error) {
	if err := r.record(ctx, st); err != nil {
		return nil, err
	}
	for p, q := range r.queue {
		if strings.HasPrefix(st.sql, p) && len(q) > 0 {
			r.queue[p] = q[1:]
			return q[0], nil
		}
	}
	for p, rows := range r.rows {
		if strings.HasPrefix(st.sql, p) {
			return rows, nil
		}
	}
	return nil, nil
}

// mkRow builds a row from "col", "value" pairs; a value "NULL" is NULL.
func mkRow(kv ...string) row {
	r := row{}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i]] = sql.NullString{String: kv[i+1], Valid: kv[i+1] != "NULL"}
	}
	return r
}

func testClient(f Flavor) (*Client, *recorder) {
	rec := newRecorder()
	return newClient(Config{Flavor: f, Host: "127.0.0.201", Port: 3306}, rec), rec
}
