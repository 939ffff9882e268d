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
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

type switchoverOptions struct {
	*Options
	to      string
	timeout time.Duration
}

func newSwitchoverCommand(o *Options) *cobra.Command {
	so := &switchoverOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "switchover CLUSTER [--to POD]",
		Short: "Ask the operator for a planned switchover and wait until the new primary serves",
		Long: `Sets the mysql.ordinal.dev/switchover-to annotation (never the spec) and waits until
status.currentPrimary is the target. Without --to the plugin picks the ready, serving replica with
the least lag. If the operator refuses, the timeout passes or the command is interrupted, the
annotation is removed again so the switchover does not happen later, and the command fails with
the operator's reason.`,
		Example: `  kubectl ordinal switchover mysql
  kubectl ordinal switchover mysql --to mysql-2 --timeout 2m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return so.run(cmd.Context(), args[0]) },
	}
	cmd.Flags().StringVar(&so.to, "to", "", "The member (pod) to promote; default: the best serving replica")
	cmd.Flags().DurationVar(&so.timeout, "timeout", 5*time.Minute, "How long to wait for the new primary")
	return cmd
}

func (so *switchoverOptions) run(ctx context.Context, name string) error {
	c, mc, err := so.clusterOf(ctx, name)
	if err != nil {
		return err
	}
	to, err := switchoverTarget(mc, so.to)
	if err != nil {
		return err
	}
	ns, from, start := mc.Namespace, mc.Status.CurrentPrimary, time.Now()
	fmt.Fprintf(so.Streams.ErrOut, "Asking the operator to switch %s/%s over from %s to %s\n", ns, name, from, to)
	if err := setSwitchover(ctx, c, mc, to); err != nil {
		return err
	}
	if err := so.wait(ctx, c, mc, to); err != nil {
		return errors.Join(err, so.withdraw(c, mc, to))
	}
	elapsed := time.Since(start).Round(100 * time.Millisecond)
	fmt.Fprintf(so.Streams.Out, "Switched over %s/%s: the primary is now %s (was %s) after %s.\n", ns, name, to, from, elapsed)
	_, err = fmt.Fprintln(so.Streams.Out, pauseReport(ctx, c, ns, name, to, start))
	return err
}

// switchoverTarget checks --to, or picks the serving replica with the least lag.
func switchoverTarget(mc *v1alpha1.MySQLCluster, to string) (string, error) {
	primary := mc.Status.CurrentPrimary
	if primary == "" {
		return "", fmt.Errorf("%s has no recorded primary: nothing to switch over from", mc.Name)
	}
	if to != "" {
		return to, checkTarget(mc, to)
	}
	best := bestReplica(mc)
	if best == "" {
		return "", fmt.Errorf("%s has no ready, serving replica to switch over to", mc.Name)
	}
	return best, checkTarget(mc, best)
}

// checkTarget refuses what the operator would ignore: itself, a stranger, a repeated request.
func checkTarget(mc *v1alpha1.MySQLCluster, to string) error {
	if _, ok := mc.Ordinal(to); !ok {
		return fmt.Errorf("%s is not a member of %s (members are %s-0, %s-1, …)", to, mc.Name, mc.Name, mc.Name)
	}
	if to == mc.Status.CurrentPrimary {
		return fmt.Errorf("%s is already the primary", to)
	}
	if to == mc.Status.CompletedSwitchover && mc.Annotations[v1alpha1.AnnotationSwitchoverTo] == to {
		return fmt.Errorf("the operator already carried out a switchover to %s (status.completedSwitchover) and "+
			"does not repeat one request; switch over to another member first", to)
	}
	return nil
}

// setSwitchover writes the annotation with a merge patch: only metadata, never the spec.
func setSwitchover(ctx context.Context, c client.Client, mc *v1alpha1.MySQLCluster, to string) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, v1alpha1.AnnotationSwitchoverTo, to)
	err := c.Patch(ctx, mc, client.RawPatch(types.MergePatchType, []byte(patch)), client.FieldOwner(fieldManager))
	if err != nil {
		return fmt.Errorf("annotate %s with %s=%s: %w", mc.Name, v1alpha1.AnnotationSwitchoverTo, to, err)
	}
	return nil
}

// withdraw removes the annotation if it still asks for to, so a given-up switchover never runs later.
func (so *switchoverOptions) withdraw(c client.Client, mc *v1alpha1.MySQLCluster, to string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fresh, err := getCluster(ctx, c, mc.Namespace, mc.Name)
	if err != nil || fresh.Annotations[v1alpha1.AnnotationSwitchoverTo] != to || fresh.Status.CurrentPrimary == to {
		return err
	}
	patch := fmt.Sprintf(`{"metadata":{"resourceVersion":%q,"annotations":{%q:null}}}`,
		fresh.ResourceVersion, v1alpha1.AnnotationSwitchoverTo)
	if err := c.Patch(ctx, fresh, client.RawPatch(types.MergePatchType, []byte(patch)), client.FieldOwner(fieldManager)); err != nil {
		return fmt.Errorf("withdraw the switchover request (remove it with kubectl annotate mysqlcluster %s %s-): %w",
			mc.Name, v1alpha1.AnnotationSwitchoverTo, err)
	}
	fmt.Fprintf(so.Streams.ErrOut, "Withdrew the switchover request (annotation %s removed)\n", v1alpha1.AnnotationSwitchoverTo)
	return nil
}

// wait polls until to is the recorded primary, the operator refuses, or the timeout passes; it
// prints what the operator says it waits for whenever that changes.
func (so *switchoverOptions) wait(ctx context.Context, c client.Client, mc *v1alpha1.MySQLCluster, to string) error {
	ctx, cancel := context.WithTimeout(ctx, so.timeout)
	defer cancel()
	last := ""
	for {
		cur, err := getCluster(ctx, c, mc.Namespace, mc.Name)
		switch {
		case err == nil && cur.Status.CurrentPrimary == to:
			return nil
		case err == nil && refusal(cur, to) != "":
			return fmt.Errorf("the operator refused: %s", refusal(cur, to))
		case err == nil:
			if msg := progress(cur); msg != last && msg != "" {
				fmt.Fprintf(so.Streams.ErrOut, "  operator: %s\n", msg)
				last = msg
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not become the primary within %s (last: %s)", to, so.timeout, dash(last))
		case <-time.After(pollInterval):
		}
	}
}

// refusal is the Stalled condition's message when it refuses the switchover to to.
func refusal(mc *v1alpha1.MySQLCluster, to string) string {
	cond := meta.FindStatusCondition(mc.Status.Conditions, v1alpha1.ConditionStalled)
	if cond == nil || cond.Status != metav1.ConditionTrue || !strings.HasPrefix(cond.Message, "switchover to "+to+" refused") {
		return ""
	}
	return cond.Message
}

// progress is what the operator reports it is doing (the Reconciling condition).
func progress(mc *v1alpha1.MySQLCluster) string {
	if cond := meta.FindStatusCondition(mc.Status.Conditions, v1alpha1.ConditionReconciling); cond != nil && cond.Status == metav1.ConditionTrue {
		return cond.Message
	}
	return ""
}

// pauseReport says how long writes paused, from the operator's Fence and Promote events; the
// events are written asynchronously, so they are looked for a few seconds.
func pauseReport(ctx context.Context, c client.Client, ns, name, to string, since time.Time) string {
	for range 10 {
		if h, err := loadHistory(ctx, c, ns, name); err == nil {
			for i := len(h.Entries) - 1; i >= 0; i-- {
				e := h.Entries[i]
				if e.Kind == EntrySwitchover && e.To == to && e.Pause != "" && !e.Time.Before(&metav1.Time{Time: since.Add(-time.Minute)}) {
					return "Writes paused " + e.Pause + " (from fencing " + e.From + " to promoting " + to + ", per the operator's events)."
				}
			}
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(500 * time.Millisecond):
		}
	}
	return "The operator's events do not show the write pause; it is at most the elapsed time above."
}
