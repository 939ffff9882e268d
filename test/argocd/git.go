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

package argocd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// gitTimeout bounds one git command; they all work on a local repository.
const gitTimeout = 30 * time.Second

// GitRepo is the repository the environment's git daemon serves: a plain working repository that
// tests commit to, fetched by the repo server from git://127.0.0.1:PORT/NAME.
type GitRepo struct {
	dir string
	env []string
	mu  sync.Mutex // one commit at a time
}

// Commit is one commit made by a test.
type Commit struct {
	SHA  string
	Time time.Time // when the commit command returned: what a commit-to-Healthy time starts at
}

func newGitRepo(dir, home string) (*GitRepo, error) {
	r := &GitRepo{dir: dir, env: []string{
		"HOME=" + home, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=ordinal-e2e", "GIT_AUTHOR_EMAIL=e2e@ordinal.invalid",
		"GIT_COMMITTER_NAME=ordinal-e2e", "GIT_COMMITTER_EMAIL=e2e@ordinal.invalid",
	}}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the git repository: %w", err)
	}
	if _, err := r.git("init", "-q", "-b", "main"); err != nil {
		return nil, err
	}
	// Argo CD needs a revision to resolve HEAD to before any test has committed.
	if err := r.write("README.md", "Ordinal e2e: MySQLClusters for Argo CD\n"); err != nil {
		return nil, err
	}
	if _, err := r.commitAll("initial commit"); err != nil {
		return nil, err
	}
	return r, nil
}

// Write commits files (path relative to the repository → content; "" removes the file).
func (r *GitRepo) Write(message string, files map[string]string) (Commit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for path, content := range files {
		var err error
		if content == "" {
			err = os.Remove(filepath.Join(r.dir, path))
		} else {
			err = r.write(path, content)
		}
		if err != nil {
			return Commit{}, fmt.Errorf("change %s: %w", path, err)
		}
	}
	return r.commitAll(message)
}

// Read returns a committed file's content.
func (r *GitRepo) Read(path string) (string, error) {
	b, err := os.ReadFile(filepath.Join(r.dir, path))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return string(b), nil
}

func (r *GitRepo) write(path, content string) error {
	full := filepath.Join(r.dir, path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	return os.WriteFile(full, []byte(content), 0o644)
}

func (r *GitRepo) commitAll(message string) (Commit, error) {
	if _, err := r.git("add", "-A"); err != nil {
		return Commit{}, err
	}
	if _, err := r.git("commit", "-q", "-m", message); err != nil {
		return Commit{}, err
	}
	sha, err := r.git("rev-parse", "HEAD")
	if err != nil {
		return Commit{}, err
	}
	return Commit{SHA: sha, Time: time.Now()}, nil
}

func (r *GitRepo) git(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), r.env...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(out.String()), nil
}
