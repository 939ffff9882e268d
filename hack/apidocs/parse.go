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

package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strings"
)

// model is what the reference shows of one API package.
type model struct {
	group  string
	types  map[string]*typeInfo
	consts map[string][]constInfo // string constants by their named type
	plain  []constInfo            // untyped string constants, in source order
}

// typeInfo is one named type of the package.
type typeInfo struct {
	name       string
	doc        string
	markers    []string // kubebuilder markers on the type, without the leading '+'
	fields     []field  // nil unless a struct
	underlying string   // the Go type of a non-struct named type
}

// field is one struct field.
type field struct {
	json, goType string
	ref          string // the package's type it refers to, if any
	doc          string
	markers      []string
	optional     bool
	inline       bool
}

// constInfo is one string constant of a named type (an enum value).
type constInfo struct{ name, value, doc string }

// parseAPI reads every non-test Go file of dir.
func parseAPI(dir string) (*model, error) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	m := &model{types: map[string]*typeInfo{}, consts: map[string][]constInfo{}}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, "zz_generated") {
			continue
		}
		f, err := parser.ParseFile(fset, dir+"/"+n, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		m.addFile(f)
	}
	if m.group == "" {
		return nil, fmt.Errorf("no +groupName marker in %s", dir)
	}
	return m, nil
}

func (m *model) addFile(f *ast.File) {
	if _, markers := splitComment(f.Doc); m.group == "" {
		for _, mk := range markers {
			if g, ok := strings.CutPrefix(mk, "groupName="); ok {
				m.group = g
			}
		}
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		switch gd.Tok {
		case token.TYPE:
			for _, s := range gd.Specs {
				m.addType(gd, s.(*ast.TypeSpec))
			}
		case token.CONST:
			m.addConsts(gd)
		}
	}
}

func (m *model) addType(gd *ast.GenDecl, ts *ast.TypeSpec) {
	cg := ts.Doc
	if cg == nil && len(gd.Specs) == 1 {
		cg = gd.Doc
	}
	doc, markers := splitComment(cg)
	t := &typeInfo{name: ts.Name.Name, doc: doc, markers: markers}
	if st, ok := ts.Type.(*ast.StructType); ok {
		t.fields = []field{}
		for _, f := range st.Fields.List {
			t.fields = append(t.fields, m.newField(f))
		}
	} else {
		t.underlying, _ = typeString(ts.Type)
	}
	m.types[t.name] = t
}

func (m *model) newField(f *ast.Field) field {
	doc, markers := splitComment(f.Doc)
	goType, ref := typeString(f.Type)
	out := field{goType: goType, ref: ref, doc: doc, markers: markers, optional: slices.Contains(markers, "optional")}
	tag := ""
	if f.Tag != nil {
		tag = strings.Trim(f.Tag.Value, "`")
	}
	name, opts, _ := strings.Cut(jsonTag(tag), ",")
	out.json = name
	out.inline = strings.Contains(opts, "inline")
	out.optional = out.optional || strings.Contains(opts, "omitempty")
	if name == "" && len(f.Names) > 0 {
		out.json = f.Names[0].Name
	}
	return out
}

// addConsts records typed string constants: the values of enum-like types.
func (m *model) addConsts(gd *ast.GenDecl) {
	for _, s := range gd.Specs {
		vs := s.(*ast.ValueSpec)
		if len(vs.Values) != len(vs.Names) {
			continue
		}
		doc, _ := splitComment(vs.Doc)
		for i, n := range vs.Names {
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			c := constInfo{name: n.Name, value: strings.Trim(lit.Value, `"`), doc: doc}
			if id, typed := vs.Type.(*ast.Ident); typed {
				m.consts[id.Name] = append(m.consts[id.Name], c)
			} else if vs.Type == nil {
				m.plain = append(m.plain, c)
			}
		}
	}
}

// jsonTag is the value of the json key of a struct tag.
func jsonTag(tag string) string {
	_, rest, ok := strings.Cut(tag, `json:"`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// splitComment separates a doc comment into its prose (one paragraph per blank line) and its
// "+" markers.
func splitComment(cg *ast.CommentGroup) (string, []string) {
	if cg == nil {
		return "", nil
	}
	var prose, markers []string
	for _, c := range cg.List {
		line := strings.TrimPrefix(strings.TrimPrefix(c.Text, "//"), " ")
		if mk, ok := strings.CutPrefix(strings.TrimSpace(line), "+"); ok {
			markers = append(markers, mk)
			continue
		}
		prose = append(prose, strings.TrimSpace(line))
	}
	return strings.TrimSpace(strings.Join(prose, "\n")), markers
}

// typeString renders a field's type the way the reference shows it, and names the package type
// it refers to (through pointers, slices and maps) so the reference can link it.
func typeString(e ast.Expr) (string, string) {
	switch t := e.(type) {
	case *ast.Ident:
		if ast.IsExported(t.Name) {
			return t.Name, t.Name
		}
		return t.Name, ""
	case *ast.StarExpr:
		return typeString(t.X)
	case *ast.ArrayType:
		s, ref := typeString(t.Elt)
		return "[]" + s, ref
	case *ast.MapType:
		k, _ := typeString(t.Key)
		v, ref := typeString(t.Value)
		return "map[" + k + "]" + v, ref
	case *ast.SelectorExpr:
		pkg, _ := typeString(t.X)
		return pkg + "." + t.Sel.Name, ""
	}
	return fmt.Sprintf("%T", e), ""
}
