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
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/manager"
	"github.com/ordinal-dev/ordinal/internal/version"
)

// fieldManager names the plugin's writes (the switchover annotation, MySQLBackups).
const fieldManager = "kubectl-ordinal"

// pollInterval is how often the waiting commands look at the cluster again.
const pollInterval = time.Second

// Options are what every command shares: the kubeconfig flags and the streams.
type Options struct {
	Flags   *genericclioptions.ConfigFlags
	Streams genericiooptions.IOStreams
	// NewClient builds the API client; tests replace it.
	NewClient func() (client.Client, error)
}

// NewOptions returns the standard flags. The kubeconfig --user flag is left out: `credentials`
// and `mysql` use --user for the database user (pick a kubeconfig user with --context).
func NewOptions(streams genericiooptions.IOStreams) *Options {
	flags := genericclioptions.NewConfigFlags(true)
	flags.AuthInfoName = nil
	o := &Options{Flags: flags, Streams: streams}
	o.NewClient = o.restClient
	return o
}

func (o *Options) restClient() (client.Client, error) {
	cfg, err := o.Flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: manager.Scheme()})
	if err != nil {
		return nil, fmt.Errorf("create API client: %w", err)
	}
	return c, nil
}

// Namespace is -n, else the kubeconfig context's namespace, else "default".
func (o *Options) Namespace() (string, error) {
	ns, _, err := o.Flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", fmt.Errorf("resolve namespace: %w", err)
	}
	return ns, nil
}

// connect is the API client and the namespace a command works in.
func (o *Options) connect() (client.Client, string, error) {
	c, err := o.NewClient()
	if err != nil {
		return nil, "", err
	}
	ns, err := o.Namespace()
	if err != nil {
		return nil, "", err
	}
	return c, ns, nil
}

// clusterOf is the API client and the named MySQLCluster of the command's namespace.
func (o *Options) clusterOf(ctx context.Context, name string) (client.Client, *v1alpha1.MySQLCluster, error) {
	c, ns, err := o.connect()
	if err != nil {
		return nil, nil, err
	}
	mc, err := getCluster(ctx, c, ns, name)
	return c, mc, err
}

// NewCommand is `kubectl ordinal` with every subcommand.
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(streams)
	root := &cobra.Command{
		Use:           "kubectl-ordinal",
		Short:         "Operate Ordinal MySQL/MariaDB clusters",
		Long:          "kubectl ordinal shows and operates MySQLClusters managed by the Ordinal operator.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl ordinal"},
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	o.Flags.AddFlags(root.PersistentFlags())
	root.AddCommand(newStatusCommand(o), newSwitchoverCommand(o), newHistoryCommand(o),
		newCredentialsCommand(o), newMySQLCommand(o), newBackupCommand(o), newVersionCommand(o))
	return root
}

func newVersionCommand(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(o.Streams.Out, "kubectl-ordinal %s\n", version.Version)
			return err
		},
	}
}
