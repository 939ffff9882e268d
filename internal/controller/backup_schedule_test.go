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
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// A cluster without backups costs the schedule no read from the API server; one with backups is
// read uncached, since the slot its previous pass recorded decides what is due.
func TestTheScheduleReadsOnlyClustersWithBackupsUncached(t *testing.T) {
	plain, backedUp := testCluster(3), testCluster(3)
	backedUp.Name, backedUp.UID = "backed-up", "u2"
	backedUp.Spec.Backup = &v1alpha1.Backup{}
	c := fake.NewClientBuilder().WithScheme(restScheme()).WithObjects(plain, backedUp).Build()
	api := &countingReader{Reader: c}
	r := &ScheduleReconciler{Client: c, APIReader: api, Scheme: restScheme()}
	for _, cl := range []*v1alpha1.MySQLCluster{plain, backedUp} {
		if _, err := r.Reconcile(t.Context(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(cl)}); err != nil {
			t.Fatalf("%s: %v", cl.Name, err)
		}
	}
	if api.gets != 1 {
		t.Errorf("%d uncached reads, want 1 (the cluster with backups)", api.gets)
	}
}
