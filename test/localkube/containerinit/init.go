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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Run is the container-init mode: it must run in a process cloned with
// CLONE_NEWNS|CLONE_NEWUTS. It prepares the namespace and never returns on
// success (the process becomes the container's command).
func Run(specPath string) error {
	s, err := Read(specPath)
	if err != nil {
		return err
	}
	// Without this, mounts would propagate back to the host's namespace.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making / private: %w", err)
	}
	// Pin every host path this namespace needs before anything is mounted: a volume mounted at
	// /tmp would otherwise hide sources and scratch space that live under /tmp (a state directory
	// in a clone under /tmp, as CI may have).
	if err := pinPaths(s); err != nil {
		return err
	}
	m := &mounter{scratch: s.ScratchDir, overlaid: map[string]bool{}}
	// Create mount points first: an overlay made for a later mount point
	// would otherwise hide earlier bind mounts below it (/etc/hosts).
	if err := m.prepare(s.Mounts); err != nil {
		return err
	}
	for _, mnt := range s.Mounts {
		if err := m.bind(mnt); err != nil {
			return err
		}
	}
	if s.Hostname != "" {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fmt.Errorf("setting hostname %q: %w", s.Hostname, err)
		}
	}
	if s.Dir != "" {
		if err := m.ensure(s.Dir, true); err != nil {
			return fmt.Errorf("creating working directory: %w", err)
		}
	}
	return become(s)
}

// pinPaths replaces each mount source and the scratch directory with /proc/self/fd/N, an O_PATH
// descriptor opened now, so later mounts cannot shadow them. The descriptors close on exec.
func pinPaths(s *Spec) error {
	pin := func(path string) (string, error) {
		fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", fmt.Errorf("opening %s: %w", path, err)
		}
		return "/proc/self/fd/" + strconv.Itoa(fd), nil
	}
	for i := range s.Mounts {
		p, err := pin(s.Mounts[i].Source)
		if err != nil {
			return fmt.Errorf("volume source for %s: %w", s.Mounts[i].Target, err)
		}
		s.Mounts[i].Source = p
	}
	if s.ScratchDir == "" {
		return nil
	}
	if err := os.MkdirAll(s.ScratchDir, 0o755); err != nil {
		return fmt.Errorf("creating scratch dir: %w", err)
	}
	p, err := pin(s.ScratchDir)
	if err != nil {
		return err
	}
	s.ScratchDir = p
	return nil
}

// Enter is the exec mode: the caller (nsenter) already joined the
// container's namespaces; only the user, directory and command remain.
func Enter(specPath string, argv []string) error {
	s, err := Read(specPath)
	if err != nil {
		return err
	}
	s.Argv = argv
	return become(s)
}

// become drops privileges to the spec's user and execs its command.
func become(s *Spec) error {
	if s.Dir != "" {
		if err := os.Chdir(s.Dir); err != nil {
			return fmt.Errorf("changing to working directory %s: %w", s.Dir, err)
		}
	}
	if err := dropPrivileges(s); err != nil {
		return err
	}
	path, err := lookPath(s.Argv[0], s.Env)
	if err != nil {
		return err
	}
	// Setting credentials clears the parent-death signal; set it again so
	// the container dies with its node.
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
	if err := syscall.Exec(path, s.Argv, s.Env); err != nil {
		return fmt.Errorf("executing %s: %w", path, err)
	}
	return nil
}

func dropPrivileges(s *Spec) error {
	if s.UID == nil && s.GID == nil && len(s.Groups) == 0 {
		return nil
	}
	groups := make([]int, 0, len(s.Groups))
	for _, g := range s.Groups {
		groups = append(groups, int(g))
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("setting supplementary groups %v: %w", groups, err)
	}
	if s.GID != nil {
		if err := syscall.Setgid(int(*s.GID)); err != nil {
			return fmt.Errorf("setting gid %d: %w", *s.GID, err)
		}
	}
	if s.UID != nil {
		if err := syscall.Setuid(int(*s.UID)); err != nil {
			return fmt.Errorf("setting uid %d: %w", *s.UID, err)
		}
	}
	return nil
}

// lookPath resolves a command name with the container's PATH, not ours.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathVar := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	for _, dir := range filepath.SplitList(pathVar) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("executable %q not found in PATH %s: %w", name, pathVar, exec.ErrNotFound)
}
