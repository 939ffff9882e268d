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
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Reasons are the reasons found in the source: where each is used, by reason.
type Reasons struct {
	Conditions map[string]string // condition reason -> a file:line that sets it
	Events     map[string]string // event reason -> a file:line that emits it
	// Unresolved are reason expressions whose values the extraction cannot tell: a test fails on
	// them so that a new way of building a reason cannot slip past the docs check.
	Unresolved []string
}

// pkgSrc is one parsed package.
type pkgSrc struct {
	name   string
	fset   *token.FileSet
	files  []*ast.File
	funcs  map[string]*ast.FuncDecl
	consts map[string]string   // string constants by name
	typed  map[string][]string // values of string constants by their type's name
}

// fieldValues are the values of struct fields a reason is copied from, where the field holds a
// fixed set of constants rather than a reason built elsewhere: a MySQLBackup condition's reason is
// the backup's (or its verification's) phase, and a topology step's event reason is its Kind.
var fieldValues = map[string]func(pkgs map[string]*pkgSrc) []string{
	"Phase": func(pkgs map[string]*pkgSrc) []string {
		var out []string
		for n, v := range pkgs["v1alpha1"].consts {
			if strings.HasPrefix(n, "Backup") || strings.HasPrefix(n, "Verification") {
				out = append(out, v)
			}
		}
		return out
	},
	"Kind": func(pkgs map[string]*pkgSrc) []string { return pkgs["topology"].typed["Kind"] },
}

// Extract finds every condition reason and event reason set in the packages under dirs (relative
// to root), resolving constants of the packages in constDirs too.
func Extract(root string, dirs, constDirs []string) (*Reasons, error) {
	pkgs := map[string]*pkgSrc{}
	for _, d := range append(append([]string{}, dirs...), constDirs...) {
		p, err := parsePkg(filepath.Join(root, d))
		if err != nil {
			return nil, err
		}
		pkgs[p.name] = p
	}
	r := &Reasons{Conditions: map[string]string{}, Events: map[string]string{}}
	for _, d := range dirs {
		x := &extractor{pkgs: pkgs, pkg: pkgs[filepath.Base(d)], out: r}
		for _, f := range x.pkg.files {
			for _, decl := range f.Decls {
				if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil {
					x.fn = fd
					x.walk(fd.Body, nil)
				}
			}
		}
	}
	sort.Strings(r.Unresolved)
	return r, nil
}

func parsePkg(dir string) (*pkgSrc, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	p := &pkgSrc{fset: token.NewFileSet(), funcs: map[string]*ast.FuncDecl{}, consts: map[string]string{}, typed: map[string][]string{}}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(p.fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", e.Name(), err)
		}
		p.name = f.Name.Name
		p.files = append(p.files, f)
		p.addDecls(f)
	}
	return p, nil
}

func (p *pkgSrc) addDecls(f *ast.File) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				p.funcs[d.Name.Name] = d
			}
		case *ast.GenDecl:
			if d.Tok != token.CONST {
				continue
			}
			for _, s := range d.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						p.consts[n.Name] = v
						if id, ok := vs.Type.(*ast.Ident); ok {
							p.typed[id.Name] = append(p.typed[id.Name], v)
						}
					}
				}
			}
		}
	}
}
