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

package instance

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ordinal-dev/ordinal/internal/mycnf"
)

// InitMain is "ordinal init": it prepares the pod before the server starts.
func InitMain(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("init takes no arguments, got %v", args)
	}
	env, err := LoadEnv(osEnv)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	if err := copyFile(self, filepath.Join(ToolsDir, "ordinal"), 0o755); err != nil {
		return err
	}
	return writeMemberConfig(env, ClusterConfig, MemberConfig)
}

// writeMemberConfig adds the member's own settings to the cluster-wide config.
func writeMemberConfig(env Env, from, to string) error {
	base, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("read cluster config: %w", err)
	}
	ord, err := env.Ordinal()
	if err != nil {
		return err
	}
	out := mycnf.Member(base, mycnf.MemberSettings{
		ServerID: env.ServerIDBase + uint32(ord), ReportHost: env.Host(), BindAddress: env.PodIP,
	})
	if err := os.WriteFile(to, out, 0o644); err != nil {
		return fmt.Errorf("write member config: %w", err)
	}
	return nil
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("open %s: %w", from, err)
	}
	defer in.Close()
	tmp := to + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy to %s: %w", tmp, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	return os.Rename(tmp, to)
}
