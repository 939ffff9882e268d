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

package docs

import (
	"bytes"
	"go/ast"
	"go/printer"
	"go/token"
)

// assignment is one value given to a variable: an expression, or result index of a call.
type assignment struct {
	expr  ast.Expr
	call  *ast.Ident
	index int
}

// assignments are the values fn gives the local variable name (:=, =, var).
func assignments(fn *ast.FuncDecl, name string) []assignment {
	var out []assignment
	add := func(lhs []ast.Expr, rhs []ast.Expr) {
		for i, l := range lhs {
			if !isIdent(l, name) {
				continue
			}
			if len(rhs) == len(lhs) {
				out = append(out, assignment{expr: rhs[i]})
			} else if c, ok := rhs[0].(*ast.CallExpr); ok && len(rhs) == 1 {
				id, _ := c.Fun.(*ast.Ident)
				out = append(out, assignment{expr: c, call: id, index: i})
			}
		}
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			add(n.Lhs, n.Rhs)
		case *ast.ValueSpec:
			var lhs []ast.Expr
			for _, id := range n.Names {
				lhs = append(lhs, id)
			}
			if len(n.Values) > 0 {
				add(lhs, n.Values)
			}
		}
		return true
	})
	return out
}

// paramIndex is the position of the parameter name in ft, -1 when it has none.
func paramIndex(ft *ast.FuncType, name string) int {
	i := 0
	for _, f := range ft.Params.List {
		if len(f.Names) == 0 {
			i++
		}
		for _, n := range f.Names {
			if n.Name == name {
				return i
			}
			i++
		}
	}
	return -1
}

// calleeName is the name of the function or method a call calls.
func calleeName(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// valuesOf are the values of a map or slice literal.
func valuesOf(m *ast.CompositeLit) []ast.Expr {
	var out []ast.Expr
	for _, e := range m.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			e = kv.Value
		}
		out = append(out, e)
	}
	return out
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func exprString(e ast.Expr) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, token.NewFileSet(), e)
	return b.String()
}
