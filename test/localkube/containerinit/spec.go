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

package containerinit

import (
	"encoding/json"
	"fmt"
	"os"
)

// Mount is one bind mount made inside the container's mount namespace.
type Mount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// Spec is everything the child needs to become the container's process.
type Spec struct {
	Hostname string  `json:"hostname,omitempty"`
	Mounts   []Mount `json:"mounts,omitempty"`
	// ScratchDir holds overlay upper/work directories used to create mount
	// points that do not exist on the host without touching the host.
	ScratchDir string   `json:"scratchDir,omitempty"`
	UID        *int64   `json:"uid,omitempty"`
	GID        *int64   `json:"gid,omitempty"`
	Groups     []int64  `json:"groups,omitempty"`
	Dir        string   `json:"dir,omitempty"`
	Argv       []string `json:"argv"`
	Env        []string `json:"env,omitempty"`
}

// Write stores the spec as JSON at path.
func (s *Spec) Write(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding container spec: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("writing container spec %s: %w", path, err)
	}
	return nil
}

// Read loads a spec written by Write.
func Read(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading container spec: %w", err)
	}
	s := &Spec{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("decoding container spec %s: %w", path, err)
	}
	if len(s.Argv) == 0 {
		return nil, fmt.Errorf("container spec %s has no command", path)
	}
	return s, nil
}
