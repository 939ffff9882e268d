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

package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// ExitError carries the exit code of the client session, so `kubectl ordinal mysql` exits as the
// client did.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

type mysqlOptions struct {
	*Options
	pod     string
	replica bool
}

func newMySQLCommand(o *Options) *cobra.Command {
	mo := &mysqlOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "mysql CLUSTER [--replica|--pod POD] [-- CLIENT_ARGS...]",
		Short: "Open a mariadb/mysql client session as root on the primary (or a replica)",
		Long: `Runs the engine's client (mariadb or mysql) as root in the member's mysql container through
"kubectl exec" (the kubectl on PATH, or $KUBECTL), over the server's Unix socket. The password is
read inside the container from the environment the pod already has: it never appears on a command
line. A TTY is used when stdin is a terminal; otherwise stdin is passed through, so a script can be
piped in. Arguments after -- go to the client.`,
		Example: `  kubectl ordinal mysql mysql
  kubectl ordinal mysql mysql --replica -- -e 'SHOW REPLICA STATUS\G'
  kubectl ordinal mysql mysql < schema.sql`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash > 1 || dash < 0 && len(args) > 1 {
				return fmt.Errorf("one CLUSTER, then client arguments after --")
			}
			return mo.run(cmd.Context(), args[0], args[1:])
		},
	}
	cmd.Flags().StringVar(&mo.pod, "pod", "", "The member (pod) to connect to")
	cmd.Flags().BoolVar(&mo.replica, "replica", false, "Connect to the serving replica with the least lag")
	return cmd
}

func (mo *mysqlOptions) run(ctx context.Context, name string, clientArgs []string) error {
	_, mc, err := mo.clusterOf(ctx, name)
	if err != nil {
		return err
	}
	pod, err := sessionPod(mc, mo.pod, mo.replica)
	if err != nil {
		return err
	}
	kubectl, err := kubectlPath()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, kubectl, ExecArgs(kubectlFlags(mo.Flags), mc.Namespace, pod, clientBinary(mc), isTerminal(mo.Streams.In), clientArgs)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = mo.Streams.In, mo.Streams.Out, mo.Streams.ErrOut
	var exitErr *exec.ExitError
	if err := cmd.Run(); errors.As(err, &exitErr) {
		return &ExitError{Code: exitErr.ExitCode()}
	} else if err != nil {
		return fmt.Errorf("run %s: %w", kubectl, err)
	}
	return nil
}

// kubectlPath is $KUBECTL, else kubectl on PATH.
func kubectlPath() (string, error) {
	if k := os.Getenv("KUBECTL"); k != "" {
		return k, nil
	}
	p, err := exec.LookPath("kubectl")
	if err != nil {
		return "", fmt.Errorf("the mysql command runs kubectl exec: put kubectl on PATH or set KUBECTL: %w", err)
	}
	return p, nil
}

func isTerminal(in any) bool {
	f, ok := in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
