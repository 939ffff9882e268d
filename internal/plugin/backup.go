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
	"io"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

type backupOptions struct {
	*Options
	name    string
	wait    bool
	timeout time.Duration
	output  string
}

func newBackupCommand(o *Options) *cobra.Command {
	bo := &backupOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "backup CLUSTER [--name NAME] [--wait]",
		Short: "Take a base backup now: create a MySQLBackup (the cluster needs spec.backup)",
		Long: `Creates a MySQLBackup of the cluster, named NAME or CLUSTER-manual-YYYYMMDDHHMMSS (UTC). With
--wait it waits until the backup succeeded or failed and prints its size and duration; a failed
backup makes the command fail. Retention never deletes a backup it did not schedule.`,
		Example: `  kubectl ordinal backup mysql --wait
  kubectl ordinal backup mysql --name before-upgrade --wait -o yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(bo.output); err != nil {
				return err
			}
			return bo.run(cmd.Context(), args[0])
		},
	}
	cmd.Flags().StringVar(&bo.name, "name", "", "Name of the MySQLBackup (default CLUSTER-manual-<UTC time>)")
	cmd.Flags().BoolVar(&bo.wait, "wait", false, "Wait until the backup succeeded or failed")
	cmd.Flags().DurationVar(&bo.timeout, "timeout", 30*time.Minute, "How long --wait waits")
	cmd.Flags().StringVarP(&bo.output, "output", "o", "table", "Output format: table, json or yaml (the MySQLBackup)")
	return cmd
}

func (bo *backupOptions) run(ctx context.Context, cluster string) error {
	c, mc, err := bo.clusterOf(ctx, cluster)
	if err != nil {
		return err
	}
	if mc.Spec.Backup == nil {
		return fmt.Errorf("%s has no spec.backup: configure an object store first (docs/backups.md)", cluster)
	}
	b := NewBackup(mc, bo.name, time.Now())
	if errs := validation.IsDNS1123Subdomain(b.Name); len(errs) > 0 {
		return fmt.Errorf("backup name %q: %v", b.Name, errs)
	}
	if err := c.Create(ctx, b, client.FieldOwner(fieldManager)); err != nil {
		return fmt.Errorf("create MySQLBackup %s: %w", b.Name, err)
	}
	fmt.Fprintf(bo.Streams.ErrOut, "Created MySQLBackup %s/%s\n", mc.Namespace, b.Name)
	if bo.wait {
		if b, err = bo.waitDone(ctx, c, b); err != nil {
			return err
		}
	}
	b.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("MySQLBackup"))
	if done, err := printStructured(bo.output, b, bo.Streams.Out); done || err != nil {
		return err
	}
	return PrintBackup(b, bo.Streams.Out)
}

// NewBackup is the MySQLBackup the command creates, labelled with its cluster like the
// scheduled ones (so retention keeps the binary logs it needs) but not as scheduled.
func NewBackup(mc *v1alpha1.MySQLCluster, name string, now time.Time) *v1alpha1.MySQLBackup {
	if name == "" {
		name = fmt.Sprintf("%s-manual-%s", mc.Name, now.UTC().Format("20060102150405"))
	}
	return &v1alpha1.MySQLBackup{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: mc.Namespace,
			Labels: map[string]string{v1alpha1.LabelCluster: mc.Name}},
		Spec: v1alpha1.MySQLBackupSpec{Cluster: mc.Name},
	}
}

// waitDone polls the backup until it succeeded (returned) or failed (an error).
func (bo *backupOptions) waitDone(ctx context.Context, c client.Client, b *v1alpha1.MySQLBackup) (*v1alpha1.MySQLBackup, error) {
	ctx, cancel := context.WithTimeout(ctx, bo.timeout)
	defer cancel()
	phase := ""
	for {
		cur := &v1alpha1.MySQLBackup{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(b), cur); err == nil {
			if cur.Status.Phase != phase {
				phase = cur.Status.Phase
				fmt.Fprintf(bo.Streams.ErrOut, "  %s: %s %s\n", time.Now().UTC().Format("15:04:05"), dash(phase), cur.Status.Member)
			}
			switch phase {
			case v1alpha1.BackupSucceeded:
				return cur, nil
			case v1alpha1.BackupFailed:
				return nil, fmt.Errorf("backup %s failed: %s", b.Name, cur.Status.Error)
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("backup %s is still %s after %s", b.Name, dash(phase), bo.timeout)
		case <-time.After(2 * pollInterval):
		}
	}
}

// PrintBackup writes a backup's outcome as far as it is known.
func PrintBackup(b *v1alpha1.MySQLBackup, out io.Writer) error {
	fmt.Fprintf(out, "MySQLBackup %s/%s: %s\n", b.Namespace, b.Name, dash(b.Status.Phase))
	if b.Status.Phase != v1alpha1.BackupSucceeded {
		_, err := fmt.Fprintf(out, "Follow it with: kubectl get mysqlbackup %s -n %s -w\n", b.Name, b.Namespace)
		return err
	}
	_, err := fmt.Fprintf(out, "Member %s, size %s, took %s, GTID position %s\n",
		b.Status.Member, humanBytes(b.Status.Size), dash(b.Status.Duration), dash(b.Status.GTIDPosition))
	return err
}

// humanBytes is a size in binary units (1.5 MiB).
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
