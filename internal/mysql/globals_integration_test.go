//go:build integration

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

package mysql_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/mycnf"
	"github.com/ordinal-dev/ordinal/internal/mysql"
	"github.com/ordinal-dev/ordinal/internal/mysql/mysqltest"
)

// Every setting the operator applies live must be one the server changes at run time: a wrong
// entry would leave a changed setting silently unapplied until some later restart.
func TestLiveKeysAreDynamicOnMariaDB(t *testing.T) {
	e := newEnv(t, 1)
	db := e.cluster.Members[0].DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	for _, k := range mycnf.LiveKeys(v1alpha1.FlavorMariaDB) {
		var readOnly, scope string
		err := db.QueryRowContext(e.ctx, "SELECT READ_ONLY, VARIABLE_SCOPE FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_NAME = ?",
			strings.ToUpper(k)).Scan(&readOnly, &scope)
		switch {
		case err == sql.ErrNoRows:
			t.Errorf("%s: not a system variable of this server", k)
		case err != nil:
			t.Fatal(err)
		case readOnly != "NO" || scope == "SESSION ONLY":
			t.Errorf("%s: READ_ONLY=%s scope=%s, want a dynamic global variable", k, readOnly, scope)
		}
	}
}

func TestSetGlobalsChangesTheRunningServer(t *testing.T) {
	e := newEnv(t, 1)
	db := e.cluster.Members[0].DB(t, mysqltest.RootUser, mysqltest.RootPassword)
	e.must(e.clients[0].SetGlobals(e.ctx, []mysql.GlobalSetting{{Name: "wait_timeout", Value: "77"}}))
	e.must(e.clients[0].SetGlobals(e.ctx, []mysql.GlobalSetting{
		{Name: "max_connections", Value: "321"},
		{Name: "max_allowed_packet", Value: "67108864"},
		{Name: "long_query_time", Value: "0.5"},
		{Name: "sql_mode", Value: "STRICT_ALL_TABLES,NO_ZERO_DATE", Quoted: true},
		{Name: "slow_query_log", Value: "ON", Quoted: true},
		{Name: "wait_timeout", Default: true},
	}))
	for q, want := range map[string]string{
		"@@GLOBAL.max_connections": "321", "@@GLOBAL.max_allowed_packet": "67108864",
		"@@GLOBAL.long_query_time": "0.5", "@@GLOBAL.sql_mode": "STRICT_ALL_TABLES,NO_ZERO_DATE",
		"@@GLOBAL.slow_query_log": "1", "@@GLOBAL.wait_timeout": "28800",
	} {
		var got string
		e.must(db.QueryRowContext(e.ctx, "SELECT "+q).Scan(&got))
		if got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	err := e.clients[0].SetGlobals(e.ctx, []mysql.GlobalSetting{{Name: "back_log", Value: "90"}})
	if mysql.ErrorNumber(err) != 1238 {
		t.Errorf("setting a read-only variable: %v, want error 1238 naming it", err)
	}
}
