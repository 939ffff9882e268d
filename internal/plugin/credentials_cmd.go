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
	"github.com/spf13/cobra"
)

func newCredentialsCommand(o *Options) *cobra.Command {
	var output, user string
	var show bool
	cmd := &cobra.Command{
		Use:   "credentials CLUSTER [--user root|APP_USER] [--show-password]",
		Short: "Print how to connect: host, port, user and (with --show-password) the password",
		Long: `Prints the read/write host (the NAME-primary Service), the read-only host, the port, the user
and where its password is kept. The password is masked unless --show-password is given, so the
command is safe on a shared screen; -o json|yaml includes it only with --show-password too.`,
		Example: `  kubectl ordinal credentials mysql
  kubectl ordinal credentials mysql --show-password -o json | jq -r .password`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, mc, err := o.clusterOf(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			cr, err := loadCredentials(cmd.Context(), c, mc, user)
			if err != nil {
				return err
			}
			if !show {
				cr.Password = ""
			}
			if done, err := printStructured(output, cr, o.Streams.Out); done || err != nil {
				return err
			}
			return PrintCredentials(cr, show, o.Streams.Out)
		},
	}
	cmd.Flags().StringVar(&user, "user", RootUser, "The database user: root, or the application user of spec.user")
	cmd.Flags().BoolVar(&show, "show-password", false, "Print the password")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "Output format: table, json or yaml")
	return cmd
}
