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
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// Paths relative to the repository root.
const (
	apiDir  = "api/v1alpha1"
	outFile = "docs/reference/api.md"
)

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	if err := write(*root); err != nil {
		fmt.Fprintln(os.Stderr, "apidocs:", err)
		os.Exit(1)
	}
}

// write renders the reference from root's API package into root's docs.
func write(root string) error {
	out, err := generate(filepath.Join(root, apiDir))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(root, outFile)), 0o755); err != nil {
		return fmt.Errorf("create the docs directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, outFile), out, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", outFile, err)
	}
	return nil
}

// generate parses dir and renders its reference.
func generate(dir string) ([]byte, error) {
	m, err := parseAPI(dir)
	if err != nil {
		return nil, err
	}
	return render(m), nil
}
