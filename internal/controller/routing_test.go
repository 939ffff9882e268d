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
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

// recordHarness is a reconciler on a fake API whose first status patch conflicts, after which
// the stored cluster records concurrent as its primary.
func recordHarness(t *testing.T, concurrent string) (*ClusterReconciler, *v1alpha1.MySQLCluster, client.Client) {
	t.Helper()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	c := testCluster(3)
	c.Status.CurrentPrimary = "mysql-0"
	conflicted := false
	var base client.Client
	base = fake.NewClientBuilder().WithScheme(scheme).WithObjects(c).WithStatusSubresource(c).
		WithInterceptorFuncs(interceptor.Funcs{
			SubResourcePatch: func(ctx context.Context, cl client.Client, sub string, obj client.Object, p client.Patch, o ...client.SubResourcePatchOption) error {
				if !conflicted {
					conflicted = true
					stored := &v1alpha1.MySQLCluster{}
					_ = cl.Get(ctx, client.ObjectKeyFromObject(obj), stored)
					stored.Status.CurrentPrimary = concurrent
					if err := cl.Status().Update(ctx, stored); err != nil {
						return err
					}
					return apierrors.NewConflict(schema.GroupResource{Resource: "mysqlclusters"}, obj.GetName(), nil)
				}
				return cl.SubResource(sub).Patch(ctx, obj, p, o...)
			},
		}).Build()
	r := &ClusterReconciler{Client: base, APIReader: base, Scheme: scheme}
	live := &v1alpha1.MySQLCluster{}
	if err := base.Get(context.Background(), client.ObjectKeyFromObject(c), live); err != nil {
		t.Fatal(err)
	}
	return r, live, base
}

// A promotion conflicting with an unrelated write is recorded on a fresh read, and the primary
// Service moves in the same call.
func TestRecordPrimaryRetriesAConflictThatKeptThePrimary(t *testing.T) {
	r, c, api := recordHarness(t, "mysql-0")
	w := &world{written: c.DeepCopy(), children: map[string]client.Object{}}
	if err := r.recordPrimary(context.Background(), c, w, "mysql-1"); err != nil {
		t.Fatalf("recordPrimary: %v", err)
	}
	stored := &v1alpha1.MySQLCluster{}
	_ = api.Get(context.Background(), client.ObjectKeyFromObject(c), stored)
	if stored.Status.CurrentPrimary != "mysql-1" {
		t.Errorf("stored primary %q; want mysql-1", stored.Status.CurrentPrimary)
	}
	svc := &corev1.Service{}
	if err := api.Get(context.Background(), client.ObjectKey{Namespace: c.Namespace, Name: c.PrimaryServiceName()}, svc); err != nil {
		t.Fatalf("primary Service not applied: %v", err)
	}
	if got := svc.Spec.Selector[appsv1.StatefulSetPodNameLabel]; got != "mysql-1" {
		t.Errorf("primary Service selects %q; want mysql-1", got)
	}
}

// A promotion is never recorded over another primary recorded meanwhile (review finding 8), and
// the in-memory status forgets it, so the end-of-pass status write does not record it either.
func TestRecordPrimaryRefusesWhenAnotherPrimaryWasRecorded(t *testing.T) {
	r, c, api := recordHarness(t, "mysql-2")
	w := &world{written: c.DeepCopy(), children: map[string]client.Object{}}
	if err := r.recordPrimary(context.Background(), c, w, "mysql-1"); err == nil {
		t.Fatal("recordPrimary succeeded over a primary recorded meanwhile")
	}
	if c.Status.CurrentPrimary != "mysql-0" {
		t.Errorf("in-memory primary %q after a refused record; want the old mysql-0", c.Status.CurrentPrimary)
	}
	stored := &v1alpha1.MySQLCluster{}
	_ = api.Get(context.Background(), client.ObjectKeyFromObject(c), stored)
	if stored.Status.CurrentPrimary != "mysql-2" {
		t.Errorf("stored primary %q; want mysql-2 untouched", stored.Status.CurrentPrimary)
	}
}
