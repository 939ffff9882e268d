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

package node

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Cgroups places each container in a cgroup v2 group
// <root>/<node>/<pod-uid>/<container>, so localkube can kill, freeze and
// firewall (iptables -m cgroup) a container, a pod or a whole node.
type Cgroups struct {
	mount string // where cgroup2 is mounted
	base  string // our group, relative to mount
}

// NewCgroups finds the cgroup2 mount and creates base under it; it returns
// nil (and localkube falls back to process groups) when there is none.
func NewCgroups(base string) (*Cgroups, error) {
	mnt, err := cgroup2Mount()
	if err != nil || mnt == "" {
		return nil, err
	}
	c := &Cgroups{mount: mnt, base: base}
	if err := os.MkdirAll(filepath.Join(mnt, base), 0o755); err != nil {
		return nil, fmt.Errorf("creating cgroup %s: %w", base, err)
	}
	return c, nil
}

func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("reading mountinfo: %w", err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i, fld := range fields {
			if fld == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" {
				return fields[4], nil
			}
		}
	}
	return "", sc.Err()
}

// Path is the absolute directory of a group below base.
func (c *Cgroups) Path(parts ...string) string {
	return filepath.Join(append([]string{c.mount, c.base}, parts...)...)
}

// Rel is a group's path relative to the cgroup2 root, as iptables wants it.
func (c *Cgroups) Rel(parts ...string) string {
	return filepath.Join(append([]string{c.base}, parts...)...)
}

// Ensure creates a group and returns an open directory fd for
// SysProcAttr.CgroupFD; the caller closes it.
func (c *Cgroups) Ensure(parts ...string) (*os.File, error) {
	p := c.Path(parts...)
	if err := os.MkdirAll(p, 0o755); err != nil {
		return nil, fmt.Errorf("creating cgroup %s: %w", p, err)
	}
	return os.Open(p)
}

// Fresh recreates an empty group (a group once written to cgroup.kill
// SIGKILLs processes cloned into it on some kernels) and opens it.
func (c *Cgroups) Fresh(parts ...string) (*os.File, error) {
	p := c.Path(parts...)
	if !c.Populated(parts...) {
		_ = os.Remove(p)
	}
	return c.Ensure(parts...)
}

// Freeze freezes (or thaws) every process in a group and its children.
func (c *Cgroups) Freeze(frozen bool, parts ...string) error {
	v := "0"
	if frozen {
		v = "1"
	}
	return os.WriteFile(filepath.Join(c.Path(parts...), "cgroup.freeze"), []byte(v), 0o644)
}

// Kill SIGKILLs every process in a group and its children.
func (c *Cgroups) Kill(parts ...string) error {
	err := os.WriteFile(filepath.Join(c.Path(parts...), "cgroup.kill"), []byte("1"), 0o644)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Populated reports whether any process is left in a group (or below it).
func (c *Cgroups) Populated(parts ...string) bool {
	b, err := os.ReadFile(filepath.Join(c.Path(parts...), "cgroup.events"))
	return err == nil && strings.Contains(string(b), "populated 1")
}

// Remove kills what is left in a group and removes it, children first.
func (c *Cgroups) Remove(parts ...string) error {
	p := c.Path(parts...)
	_ = c.Kill(parts...)
	deadline := time.Now().Add(5 * time.Second)
	for c.Populated(parts...) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var dirs []string
	_ = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Remove(dirs[i]); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing cgroup %s: %w", dirs[i], err)
		}
	}
	return nil
}

// Procs lists the pids in a group and below it.
func (c *Cgroups) Procs(parts ...string) []string {
	var pids []string
	_ = filepath.WalkDir(c.Path(parts...), func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "cgroup.procs" {
			b, _ := os.ReadFile(path)
			pids = append(pids, strings.Fields(string(b))...)
		}
		return nil
	})
	return pids
}

// OpenCgroups returns base's group if it exists (nil otherwise), without
// creating anything.
func OpenCgroups(base string) *Cgroups {
	mnt, err := cgroup2Mount()
	if err != nil || mnt == "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(mnt, base)); err != nil {
		return nil
	}
	return &Cgroups{mount: mnt, base: base}
}
