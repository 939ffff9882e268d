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

package argocd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	lua "github.com/yuin/gopher-lua"
)

const (
	// HealthScriptPath is the health check's one copy, relative to the repository root.
	HealthScriptPath = "config/argocd/health.lua"
	// HealthKey is the argocd-cm key Argo CD reads a MySQLCluster's health check from.
	HealthKey = "resource.customizations.health.mysql.ordinal.dev_MySQLCluster"
	// luaTimeout is the time Argo CD gives a health script.
	luaTimeout = time.Second
)

// HealthStatus is what a health check returns: Healthy, Progressing, Degraded, Suspended,
// Missing or Unknown, and a message.
type HealthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// ReadHealthScript reads the health check from the repository at root.
func ReadHealthScript(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, HealthScriptPath))
	if err != nil {
		return "", fmt.Errorf("read the health check: %w", err)
	}
	return string(b), nil
}

// Health runs script on obj (an object as decoded from JSON) as Argo CD runs an argocd-cm health
// check: only the package, base and table libraries, obj as a global, one second.
func Health(script string, obj map[string]any) (HealthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	// Argo CD also opens a reduced os library; the check does not use it, so it is left out and a
	// script that starts to will fail here first.
	for name, open := range map[string]lua.LGFunction{
		lua.LoadLibName: lua.OpenPackage, lua.BaseLibName: lua.OpenBase, lua.TabLibName: lua.OpenTable,
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(open), Protect: true}, lua.LString(name)); err != nil {
			return HealthStatus{}, fmt.Errorf("open Lua library %q: %w", name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), luaTimeout)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return HealthStatus{}, fmt.Errorf("run the health check: %w", err)
	}
	return result(l.Get(-1))
}

// result converts the script's return value like Argo CD does: a table with a known status.
func result(v lua.LValue) (HealthStatus, error) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return HealthStatus{}, fmt.Errorf("the health check returned a %s, not a table", v.Type())
	}
	hs := HealthStatus{Status: lua.LVAsString(t.RawGetString("status")), Message: lua.LVAsString(t.RawGetString("message"))}
	switch hs.Status {
	case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
		return hs, nil
	}
	return HealthStatus{}, fmt.Errorf("the health check returned the unknown status %q", hs.Status)
}

// toLua converts a decoded JSON value as Argo CD's decodeValue does (util/lua): objects and
// arrays become tables, numbers Lua numbers.
func toLua(l *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case int:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case json.Number:
		return lua.LString(x)
	case []any:
		t := l.CreateTable(len(x), 0)
		for _, item := range x {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(x))
		for k, item := range x {
			t.RawSetH(lua.LString(k), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}
