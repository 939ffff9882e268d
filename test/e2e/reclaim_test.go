//go:build e2e

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

package e2e

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// reclaimWait bounds how long the suite waits, before it stops localkube, for the namespaces its
// specs deleted to go and their volumes with them.
const reclaimWait = 5 * time.Minute

// awaitReclaimed waits until no namespace is terminating and no volume is Released, so a
// localkube stopped next does not keep the deleted specs' datadirs on disk: PVs are reclaimed by
// the controller-manager, which only runs while localkube does (gigabytes per bench section).
// What is left after the bound is printed, not failed: the specs' own results stand.
func awaitReclaimed(ctx context.Context, c client.Client) {
	deadline := time.Now().Add(reclaimWait)
	for {
		left, err := unreclaimed(ctx, c)
		if err == nil && left == "" {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			GinkgoWriter.Printf("not reclaimed after %s (left on disk until localkube runs again): %s %v\n", reclaimWait, left, err)
			return
		}
		time.Sleep(2 * time.Second)
	}
}

// unreclaimed names the terminating namespaces and the Released volumes, "" when none is.
func unreclaimed(ctx context.Context, c client.Client) (string, error) {
	var nss corev1.NamespaceList
	if err := c.List(ctx, &nss); err != nil {
		return "", fmt.Errorf("listing namespaces: %w", err)
	}
	var left []string
	for _, ns := range nss.Items {
		if ns.DeletionTimestamp != nil {
			left = append(left, "namespace/"+ns.Name)
		}
	}
	var pvs corev1.PersistentVolumeList
	if err := c.List(ctx, &pvs); err != nil {
		return "", fmt.Errorf("listing volumes: %w", err)
	}
	for _, pv := range pvs.Items {
		if pv.Status.Phase == corev1.VolumeReleased && pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete {
			left = append(left, "pv/"+pv.Name)
		}
	}
	return strings.Join(left, ", "), nil
}
