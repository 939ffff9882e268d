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
	"go/ast"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// maxDepth bounds how far a reason is followed through variables, calls and closures.
const maxDepth = 8

// extractor walks one package's functions for the places that set a reason.
type extractor struct {
	pkgs map[string]*pkgSrc
	pkg  *pkgSrc
	fn   *ast.FuncDecl
	out  *Reasons
}

// walk visits n; lits are the function literals n is inside, innermost last.
func (x *extractor) walk(n ast.Node, lits []*ast.FuncLit) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			x.walk(n.Body, append(slices.Clone(lits), n))
			return false
		case *ast.CallExpr:
			x.event(n, lits)
		case *ast.CompositeLit:
			x.conditionLit(n, lits)
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Reason" && len(n.Rhs) == len(n.Lhs) {
					x.record(x.out.Conditions, n.Rhs[i], lits)
				}
			}
		}
		return true
	})
}

// event reads the reason of an events.EventRecorder call: Eventf(regarding, related, type,
// reason, action, note, args...).
func (x *extractor) event(c *ast.CallExpr, lits []*ast.FuncLit) {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || (sel.Sel.Name != "Eventf" && sel.Sel.Name != "Event") || len(c.Args) < 6 {
		return
	}
	x.record(x.out.Events, c.Args[3], lits)
}

// conditionLit reads the reason of a condition literal: metav1.Condition, topology.Condition or
// the controller's condition{reason, message}.
func (x *extractor) conditionLit(c *ast.CompositeLit, lits []*ast.FuncLit) {
	name := ""
	switch t := c.Type.(type) {
	case *ast.Ident:
		name = t.Name
	case *ast.SelectorExpr:
		name = t.Sel.Name
	}
	if !strings.EqualFold(name, "condition") || len(c.Elts) == 0 {
		return
	}
	if _, keyed := c.Elts[0].(*ast.KeyValueExpr); !keyed {
		x.record(x.out.Conditions, c.Elts[0], lits)
		return
	}
	for _, e := range c.Elts {
		if kv := e.(*ast.KeyValueExpr); isIdent(kv.Key, "Reason") {
			x.record(x.out.Conditions, kv.Value, lits)
		}
	}
}

func (x *extractor) record(into map[string]string, e ast.Expr, lits []*ast.FuncLit) {
	pos := x.pkg.fset.Position(e.Pos())
	where := filepath.Base(filepath.Dir(pos.Filename)) + "/" + filepath.Base(pos.Filename) + ":" + strconv.Itoa(pos.Line)
	vals, ok := x.resolve(x.pkg, x.fn, e, lits, 0)
	if !ok {
		x.out.Unresolved = append(x.out.Unresolved, where+": "+exprString(e))
	}
	for _, v := range vals {
		if _, seen := into[v]; !seen && v != "" {
			into[v] = where
		}
	}
}

// resolve returns the string values e can take in fn, and false when it cannot tell.
func (x *extractor) resolve(p *pkgSrc, fn *ast.FuncDecl, e ast.Expr, lits []*ast.FuncLit, depth int) ([]string, bool) {
	if depth > maxDepth {
		return nil, false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		v, err := strconv.Unquote(e.Value)
		return []string{v}, e.Kind == token.STRING && err == nil
	case *ast.ParenExpr:
		return x.resolve(p, fn, e.X, lits, depth+1)
	case *ast.Ident:
		return x.resolveIdent(p, fn, e.Name, lits, depth)
	case *ast.SelectorExpr:
		return x.resolveSelector(e)
	case *ast.CallExpr:
		if isIdent(e.Fun, "string") && len(e.Args) == 1 {
			return x.resolve(p, fn, e.Args[0], lits, depth+1)
		}
		if id, ok := e.Fun.(*ast.Ident); ok && p.funcs[id.Name] != nil {
			return x.returns(p, p.funcs[id.Name], 0, depth+1)
		}
	case *ast.IndexExpr:
		if m, ok := e.X.(*ast.CompositeLit); ok {
			return x.resolveAll(p, fn, valuesOf(m), lits, depth)
		}
	}
	return nil, false
}

// resolveSelector reads pkg.Const, or a field whose values are known (fieldValues); a field
// named Reason is a copy of a reason set elsewhere, which the walk finds there.
func (x *extractor) resolveSelector(e *ast.SelectorExpr) ([]string, bool) {
	if id, ok := e.X.(*ast.Ident); ok && x.pkgs[id.Name] != nil {
		v, ok := x.pkgs[id.Name].consts[e.Sel.Name]
		return []string{v}, ok
	}
	if e.Sel.Name == "Reason" {
		return nil, true
	}
	if f := fieldValues[e.Sel.Name]; f != nil {
		return f(x.pkgs), true
	}
	return nil, false
}

// resolveIdent follows a name: a closure's or function's parameter to its call sites, a local
// variable to its assignments, else a constant of the package.
func (x *extractor) resolveIdent(p *pkgSrc, fn *ast.FuncDecl, name string, lits []*ast.FuncLit, depth int) ([]string, bool) {
	for i := len(lits) - 1; i >= 0; i-- {
		if k := paramIndex(lits[i].Type, name); k >= 0 {
			return x.closureArgs(p, fn, lits[i], k, lits[:i], depth)
		}
	}
	if k := paramIndex(fn.Type, name); k >= 0 {
		return x.callerArgs(p, fn.Name.Name, k, depth)
	}
	if rhs := assignments(fn, name); len(rhs) > 0 {
		var out []string
		for _, a := range rhs {
			var vals []string
			var ok bool
			if a.call != nil {
				vals, ok = x.returns(p, p.funcs[a.call.Name], a.index, depth+1)
			} else {
				vals, ok = x.resolve(p, fn, a.expr, lits, depth+1)
			}
			if !ok {
				return nil, false
			}
			out = append(out, vals...)
		}
		return out, true
	}
	v, ok := p.consts[name]
	return []string{v}, ok
}

func (x *extractor) resolveAll(p *pkgSrc, fn *ast.FuncDecl, es []ast.Expr, lits []*ast.FuncLit, depth int) ([]string, bool) {
	var out []string
	for _, e := range es {
		vals, ok := x.resolve(p, fn, e, lits, depth+1)
		if !ok {
			return nil, false
		}
		out = append(out, vals...)
	}
	return out, true
}

// returns resolves the index-th result of every return statement of fd.
func (x *extractor) returns(p *pkgSrc, fd *ast.FuncDecl, index, depth int) ([]string, bool) {
	if fd == nil || fd.Body == nil {
		return nil, false
	}
	var results []ast.Expr
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			if index < len(n.Results) {
				results = append(results, n.Results[index])
			}
		}
		return true
	})
	return x.resolveAll(p, fd, results, nil, depth)
}

// closureArgs resolves argument k of every call of the closure lit, found by the name it is
// assigned to in fn.
func (x *extractor) closureArgs(p *pkgSrc, fn *ast.FuncDecl, lit *ast.FuncLit, k int, outer []*ast.FuncLit, depth int) ([]string, bool) {
	name := ""
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if a, ok := n.(*ast.AssignStmt); ok {
			for i, r := range a.Rhs {
				if r == lit && i < len(a.Lhs) {
					name = exprString(a.Lhs[i])
				}
			}
		}
		return true
	})
	var args []ast.Expr
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && name != "" && isIdent(c.Fun, name) && k < len(c.Args) {
			args = append(args, c.Args[k])
		}
		return true
	})
	if len(args) == 0 {
		return nil, false
	}
	return x.resolveAll(p, fn, args, outer, depth)
}

// callerArgs resolves argument k of every call of the package's function or method named name.
func (x *extractor) callerArgs(p *pkgSrc, name string, k, depth int) ([]string, bool) {
	var out []string
	found, ok := false, true
	for _, f := range p.files {
		for _, decl := range f.Decls {
			fd, isFn := decl.(*ast.FuncDecl)
			if !isFn || fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				c, isCall := n.(*ast.CallExpr)
				if !isCall || calleeName(c) != name || k >= len(c.Args) {
					return true
				}
				found = true
				vals, good := x.resolve(p, fd, c.Args[k], nil, depth+1)
				out, ok = append(out, vals...), ok && good
				return true
			})
		}
	}
	return out, found && ok
}
