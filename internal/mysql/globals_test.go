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
	"reflect"
	"testing"
)

func TestSetGlobalsStatements(t *testing.T) {
	for _, f := range []Flavor{MariaDB, MySQL} {
		rec := newRecorder()
		c := newClient(Config{Flavor: f, Host: "h", Port: 3306}, rec)
		err := c.SetGlobals(context.Background(), []GlobalSetting{
			{Name: "max_connections", Value: "300"},
			{Name: "long_query_time", Value: "0.5"},
			{Name: "innodb_buffer_pool_size", Value: "18446744073709551615"},
			{Name: "sql_mode", Value: "ANSI'; DROP TABLE x; --", Quoted: true},
			{Name: "wait_timeout", Default: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"SET GLOBAL max_connections = ? [300]",
			"SET GLOBAL long_query_time = ? [0.5]",
			"SET GLOBAL innodb_buffer_pool_size = ? [18446744073709551615]",
			"SET GLOBAL sql_mode = ? [ANSI'; DROP TABLE x; --]",
			"SET GLOBAL wait_timeout = DEFAULT",
		}
		if !reflect.DeepEqual(rec.calls, want) {
			t.Errorf("%s: statements\n%q\nwant\n%q", f, rec.calls, want)
		}
	}
}

func TestSetGlobalsRefusesWhatIsNotAVariableOrANumber(t *testing.T) {
	for _, s := range []GlobalSetting{
		{Name: "max_connections; DROP TABLE x", Value: "1"},
		{Name: "MAX_CONNECTIONS", Value: "1"},
		{Name: "max_connections", Value: "1 OR 1"},
	} {
		rec := newRecorder()
		c := newClient(Config{Flavor: MariaDB, Host: "h", Port: 3306}, rec)
		if err := c.SetGlobals(context.Background(), []GlobalSetting{s}); err == nil || len(rec.calls) > 0 {
			t.Errorf("%+v: err %v, statements %q: want refused before reaching the server", s, err, rec.calls)
		}
	}
}
