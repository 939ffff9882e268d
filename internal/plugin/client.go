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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// OutputAPIVersion is the apiVersion of the documents -o json|yaml print (docs/kubectl-plugin.md).
// The structure is the plugin's, not a served API: fields are only ever added to it.
const OutputAPIVersion = "plugin.ordinal.dev/v1alpha1"

// getCluster reads the named MySQLCluster.
func getCluster(ctx context.Context, c client.Client, ns, name string) (*v1alpha1.MySQLCluster, error) {
	mc := &v1alpha1.MySQLCluster{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, mc); err != nil {
		return nil, fmt.Errorf("get MySQLCluster %s/%s: %w", ns, name, err)
	}
	return mc, nil
}

// checkOutput refuses an -o value the command cannot print.
func checkOutput(format string) error {
	switch format {
	case "", "table", "json", "yaml":
		return nil
	}
	return fmt.Errorf("unknown output format %q: use table, json or yaml", format)
}

// printStructured prints obj with cli-runtime's printer for json or yaml; false for a table.
func printStructured(format string, obj runtime.Object, w io.Writer) (bool, error) {
	var p printers.ResourcePrinter
	switch strings.ToLower(format) {
	case "json":
		p = &printers.JSONPrinter{}
	case "yaml":
		p = &printers.YAMLPrinter{}
	default:
		return false, nil
	}
	return true, p.PrintObj(obj, w)
}

// deepCopyJSON copies a plain JSON-shaped report; the reports carry no pointers to share.
func deepCopyJSON[T any](in *T) *T {
	var buf bytes.Buffer
	out := new(T)
	if err := json.NewEncoder(&buf).Encode(in); err != nil {
		panic(err)
	}
	if err := json.NewDecoder(&buf).Decode(out); err != nil {
		panic(err)
	}
	return out
}

// dash shows an empty value as "-" in tables.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// yesNo is a table cell for a boolean.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
