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

	"github.com/spf13/cobra"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// eventsNote is printed with every history: events are not kept for long.
const eventsNote = "Events expire: the API server keeps them for its --event-ttl (1 h by default), so older failovers and switchovers are not listed."

func newHistoryCommand(o *Options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "history CLUSTER",
		Short: "List failovers, switchovers and refused promotions, oldest first (from events)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, ns, err := o.connect()
			if err != nil {
				return err
			}
			h, err := loadHistory(cmd.Context(), c, ns, args[0])
			if err != nil {
				return err
			}
			if done, err := printStructured(output, h, o.Streams.Out); done || err != nil {
				return err
			}
			return PrintHistoryTable(h, o.Streams.Out)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "Output format: table, json or yaml")
	return cmd
}

// loadHistory reads the cluster (for the status fields) and its namespace's events.
func loadHistory(ctx context.Context, c client.Client, ns, name string) (*History, error) {
	mc, err := getCluster(ctx, c, ns, name)
	if err != nil {
		return nil, err
	}
	var events eventsv1.EventList
	if err := c.List(ctx, &events, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("list events in %s: %w", ns, err)
	}
	h := BuildHistory(name, ns, events.Items)
	h.CurrentPrimary, h.CompletedSwitchover = mc.Status.CurrentPrimary, mc.Status.CompletedSwitchover
	return h, nil
}

// PrintHistoryTable writes the entries, oldest first, and what the events cover.
func PrintHistoryTable(h *History, out io.Writer) error {
	w := printers.GetNewTabWriter(out)
	fmt.Fprintln(w, "TIME\tKIND\tFROM\tTO\tPAUSE\tREASON")
	for _, e := range h.Entries {
		reason := e.Reason
		if e.Count > 1 {
			reason = fmt.Sprintf("(%d times) %s", e.Count, reason)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format("2006-01-02T15:04:05Z"), e.Kind,
			dash(e.From), dash(e.To), pauseCell(e), reason)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(h.Entries) == 0 {
		fmt.Fprintln(out, "No failover, switchover or refused promotion in the stored events.")
	}
	fmt.Fprintf(out, "\nCurrent primary: %s", dash(h.CurrentPrimary))
	if h.CompletedSwitchover != "" {
		fmt.Fprintf(out, " (last switchover recorded in status: to %s)", h.CompletedSwitchover)
	}
	fmt.Fprintln(out)
	if h.EventsSince != nil {
		fmt.Fprintf(out, "Events since %s. ", h.EventsSince.UTC().Format("2006-01-02T15:04:05Z"))
	}
	_, err := fmt.Fprintln(out, eventsNote)
	return err
}

func pauseCell(e HistoryEntry) string {
	if e.Pause == "" {
		return "-"
	}
	if e.PauseAtLeast {
		return ">=" + e.Pause
	}
	return e.Pause
}
