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

package controller

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
	"github.com/ordinal-dev/ordinal/internal/desired"
)

// bySecret indexes the cached clusters by the Secrets a pass of theirs reads: a Secret event
// finds its clusters by a lookup (at an operator's start, every Secret of a namespace otherwise
// copied every cluster of that namespace).
const bySecret = "ordinal.dev/secret"

// byCluster indexes the cached pods and PVCs by their cluster label: a pass finds its cluster's
// among the thousands of a namespace by a lookup instead of matching every object's labels (at a
// thousand clusters, the operator's restart spent a tenth of its time there).
const byCluster = "ordinal.dev/cluster"

// indexedByCluster are the kinds listed per cluster on every pass.
func indexedByCluster() []client.Object {
	return []client.Object{&corev1.Pod{}, &corev1.PersistentVolumeClaim{}}
}

// clusterOf is the index's value: the cluster label, when there is one.
func clusterOf(o client.Object) []string {
	if name, ok := o.GetLabels()[v1alpha1.LabelCluster]; ok {
		return []string{name}
	}
	return nil
}

// secretsOf is the secret index's value: the names of the Secrets c reads.
func secretsOf(o client.Object) []string {
	c, ok := o.(*v1alpha1.MySQLCluster)
	if !ok {
		return nil
	}
	var out []string
	for _, name := range referencedSecrets(c) {
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// setUpIndexes registers the indexes on the manager's cache (or a unit test's fake client).
func setUpIndexes(ctx context.Context, indexer client.FieldIndexer) error {
	for _, obj := range indexedByCluster() {
		if err := indexer.IndexField(ctx, obj, byCluster, clusterOf); err != nil {
			return fmt.Errorf("index %T by cluster: %w", obj, err)
		}
	}
	if err := indexer.IndexField(ctx, &v1alpha1.MySQLCluster{}, bySecret, secretsOf); err != nil {
		return fmt.Errorf("index clusters by secret: %w", err)
	}
	return nil
}

// ofCluster selects c's own pods or PVCs: the index narrows, the selector labels decide.
func ofCluster(c *v1alpha1.MySQLCluster) []client.ListOption {
	return []client.ListOption{client.InNamespace(c.Namespace), client.MatchingFields{byCluster: c.Name},
		client.MatchingLabels(desired.SelectorLabels(c))}
}
