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

func newStatusCommand(o *Options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "status CLUSTER",
		Short: "Show a cluster's members, roles, GTIDs, lag and conditions",
		Example: `  kubectl ordinal status mysql
  kubectl ordinal status mysql -n shop -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			_, mc, err := o.clusterOf(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			s := BuildStatus(mc)
			if done, err := printStructured(output, s, o.Streams.Out); done || err != nil {
				return err
			}
			return PrintStatusTable(s, o.Streams.Out)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "Output format: table, json or yaml")
	return cmd
}
