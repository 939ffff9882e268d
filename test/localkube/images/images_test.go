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

package images

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCommand(t *testing.T) {
	m := Default("/repo")
	cases := []struct {
		image   string
		command []string
		args    []string
		want    []string
		err     error
	}{
		{"mariadb:11.4", []string{"mariadbd"}, []string{"--x"}, []string{"mariadbd", "--x"}, nil},
		{"docker.io/library/mysql:8.4", []string{"mysqld"}, nil, []string{"mysqld"}, nil},
		{"ghcr.io/ordinal-dev/ordinal:v1", []string{"/ordinal"}, []string{"init"}, []string{"/repo/bin/ordinal", "init"}, nil},
		{"localhost:5000/ordinal-dev/ordinal@sha256:abc", []string{"/ordinal", "manager"}, nil, []string{"/repo/bin/ordinal", "manager"}, nil},
		{"busybox", []string{"sh", "-c", "true"}, nil, []string{"sh", "-c", "true"}, nil},
		{"notmariadb:1", []string{"x"}, nil, nil, ErrUnknownImage},
		{"nginx", []string{"nginx"}, nil, nil, ErrUnknownImage},
	}
	for _, c := range cases {
		got, err := m.Command(c.image, c.command, c.args)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%s: err = %v, want %v", c.image, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, %v; want %v", c.image, got, err, c.want)
		}
	}
}

// TestCommandByTag: bin/ordinal-TAG stands for the tag TAG when it exists, bin/ordinal otherwise.
func TestCommandByTag(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "ordinal-0.3.0"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	m := Default(root)
	for image, want := range map[string]string{
		"ghcr.io/ordinal-dev/ordinal:0.3.0":            "ordinal-0.3.0",
		"ghcr.io/ordinal-dev/ordinal:0.3.0@sha256:abc": "ordinal-0.3.0",
		"ghcr.io/ordinal-dev/ordinal:0.2.0":            "ordinal",
		"ghcr.io/ordinal-dev/ordinal@sha256:abc":       "ordinal",
		"localhost:5000/ordinal-dev/ordinal":           "ordinal",
	} {
		got, err := m.Command(image, []string{"/ordinal"}, []string{"agent"})
		if err != nil || got[0] != filepath.Join(root, "bin", want) {
			t.Errorf("%s: %v, %v; want bin/%s", image, got, err, want)
		}
	}
}

func TestCommandRequiresCommand(t *testing.T) {
	if _, err := Default("/r").Command("mariadb", nil, []string{"--a"}); err == nil {
		t.Fatal("want an error for a container without command")
	}
}

func TestRepository(t *testing.T) {
	for in, want := range map[string]string{
		"a":                "a",
		"a:1":              "a",
		"reg:5000/x/y:tag": "reg:5000/x/y",
		"reg:5000/x/y":     "reg:5000/x/y",
		"x/y@sha256:00":    "x/y",
		"x/y:t@sha256:00":  "x/y",
	} {
		if got := Repository(in); got != want {
			t.Errorf("Repository(%q) = %q, want %q", in, got, want)
		}
	}
}
