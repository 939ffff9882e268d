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
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Rule says that images whose repository ends with Repository (compared by
// whole path components, ignoring registry, tag and digest) run on the host.
// Rewrite replaces a command's first word: an absolute path inside the image
// mapped to the host program that stands in for it.
// With ByTag, a rewritten program PROG stands for the image's tag TAG as PROG-TAG when that file
// exists (PROG otherwise): several versions of one image, e.g. an operator upgrade, on one host.
type Rule struct {
	Repository string            `json:"repository"`
	Rewrite    map[string]string `json:"rewrite,omitempty"`
	ByTag      bool              `json:"byTag,omitempty"`
}

// Mapping is an ordered list of rules; the first match wins.
type Mapping struct {
	Rules []Rule `json:"rules"`
}

// ErrUnknownImage is returned for images no rule covers.
var ErrUnknownImage = errors.New("image has no host mapping in localkube")

// Default is the built-in mapping; repoRoot locates bin/ordinal.
func Default(repoRoot string) Mapping {
	return Mapping{Rules: []Rule{
		{Repository: "mariadb"},
		{Repository: "mysql"},
		{Repository: "ordinal-dev/ordinal", ByTag: true, Rewrite: map[string]string{
			"/ordinal": filepath.Join(repoRoot, "bin", "ordinal"),
		}},
		{Repository: "busybox"},
		{Repository: "localkube/host"},
	}}
}

// Load reads a mapping from a JSON file; a missing file yields def.
func Load(path string, def Mapping) (Mapping, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return def, nil
	}
	if err != nil {
		return Mapping{}, fmt.Errorf("reading image mapping: %w", err)
	}
	var m Mapping
	if err := json.Unmarshal(b, &m); err != nil {
		return Mapping{}, fmt.Errorf("decoding image mapping %s: %w", path, err)
	}
	return m, nil
}

// Save writes the mapping as JSON so users can edit it.
func (m Mapping) Save(path string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding image mapping: %w", err)
	}
	return os.WriteFile(path, b, 0o644)
}

// Command returns the host command line for a container of image with the
// given command and args (Kubernetes semantics, without an entrypoint).
func (m Mapping) Command(image string, command, args []string) ([]string, error) {
	rule, ok := m.match(image)
	if !ok {
		return nil, fmt.Errorf("%w: %q (known: %s)", ErrUnknownImage, image, m.known())
	}
	argv := append(append([]string{}, command...), args...)
	if len(command) == 0 {
		return nil, fmt.Errorf("image %q: localkube has no image entrypoint, so the container must set command", image)
	}
	if host, ok := rule.Rewrite[argv[0]]; ok {
		argv[0] = host
		if tagged := host + "-" + Tag(image); rule.ByTag && Tag(image) != "" {
			if _, err := os.Stat(tagged); err == nil {
				argv[0] = tagged
			}
		}
	}
	return argv, nil
}

// Tag is the tag of an image reference, "" when it has none.
func Tag(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[i+1:]
	}
	return ""
}

func (m Mapping) match(image string) (Rule, bool) {
	repo := Repository(image)
	for _, r := range m.Rules {
		if repo == r.Repository || strings.HasSuffix(repo, "/"+r.Repository) {
			return r, true
		}
	}
	return Rule{}, false
}

func (m Mapping) known() string {
	names := make([]string, 0, len(m.Rules))
	for _, r := range m.Rules {
		names = append(names, r.Repository)
	}
	return strings.Join(names, ", ")
}

// Repository strips the digest and tag from an image reference.
func Repository(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	// A colon after the last slash starts a tag; before it, a registry port.
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}
