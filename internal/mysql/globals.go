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
	"fmt"
	"regexp"
	"strconv"
)

// GlobalSetting is one SET GLOBAL: a system variable and its new value.
type GlobalSetting struct {
	// Name is the variable, canonical spelling (lower case, '_').
	Name string
	// Value is the value as written in my.cnf after unit expansion; Default resets the variable to
	// the server's compiled-in default instead.
	Value   string
	Default bool
	// Quoted sends Value as a string; otherwise it is a number.
	Quoted bool
}

// variableName is what a system variable name may be: it is part of the statement's text, so
// anything else is refused rather than quoted.
var variableName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// setGlobal is the statement for one setting, with the value as a parameter so no value is ever
// spliced into SQL. Both engines spell it the same way.
func setGlobal(s GlobalSetting) (stmt, error) {
	if !variableName.MatchString(s.Name) {
		return stmt{}, fmt.Errorf("%q is not a system variable name", s.Name)
	}
	if s.Default {
		return statement("SET GLOBAL " + s.Name + " = DEFAULT"), nil
	}
	if s.Quoted {
		return statement("SET GLOBAL "+s.Name+" = ?", s.Value), nil
	}
	if n, err := strconv.ParseInt(s.Value, 10, 64); err == nil {
		return statement("SET GLOBAL "+s.Name+" = ?", n), nil
	}
	if n, err := strconv.ParseUint(s.Value, 10, 64); err == nil {
		return statement("SET GLOBAL "+s.Name+" = ?", n), nil
	}
	f, err := strconv.ParseFloat(s.Value, 64)
	if err != nil {
		return stmt{}, fmt.Errorf("%s: %q is not a number", s.Name, s.Value)
	}
	return statement("SET GLOBAL "+s.Name+" = ?", f), nil
}

// SetGlobals applies settings to the running server, in order; sessions that start afterwards
// see them. It stops at the first one the server refuses and says which.
func (c *Client) SetGlobals(ctx context.Context, settings []GlobalSetting) error {
	for _, s := range settings {
		st, err := setGlobal(s)
		if err != nil {
			return c.fail(stmt{sql: "SET GLOBAL " + s.Name}, err)
		}
		if err := c.s.exec(ctx, st); err != nil {
			return err
		}
	}
	return nil
}
