//go:build envtest

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

package envtest

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ordinal-dev/ordinal/api/v1alpha1"
)

const (
	timeout = 30 * time.Second
	poll    = 100 * time.Millisecond
)

// newNamespace creates a namespace for one spec and deletes it afterwards.
func newNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "envtest-"}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) { _ = k8s.Delete(ctx, ns) })
	return ns.Name
}

// mariadbCluster is a 3-member MariaDB cluster named mysql, as in config/samples.
func mariadbCluster(ns string) *v1alpha1.MySQLCluster {
	return &v1alpha1.MySQLCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "mysql"},
		Spec: v1alpha1.MySQLClusterSpec{
			Replicas: ptr.To[int32](3),
			Engine:   v1alpha1.Engine{Flavor: v1alpha1.FlavorMariaDB, Version: "11.4"},
			Storage:  v1alpha1.Storage{Size: ptr.To(resource.MustParse("1Gi"))},
		},
	}
}

// get reads an object into a fresh value of its type and fails the spec on error.
func get[T client.Object](ctx context.Context, obj T, ns, name string) T {
	GinkgoHelper()
	Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)).To(Succeed())
	return obj
}

// eventuallyGet waits until an object exists and returns it.
func eventuallyGet[T client.Object](ctx context.Context, obj T, ns, name string) T {
	GinkgoHelper()
	Eventually(func() error {
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(poll).Should(Succeed(), "waiting for %s", name)
	return obj
}

// eventuallyGone waits until an object no longer exists.
func eventuallyGone(ctx context.Context, obj client.Object, ns, name string) {
	GinkgoHelper()
	Eventually(func() bool {
		err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)
		return apierrors.IsNotFound(err)
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(poll).Should(BeTrue(), "waiting for %s to be deleted", name)
}

// observed waits until the cluster's status describes its current generation.
func observed(ctx context.Context, c *v1alpha1.MySQLCluster) *v1alpha1.MySQLCluster {
	GinkgoHelper()
	out := &v1alpha1.MySQLCluster{}
	Eventually(func() (int64, error) {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(c), out)
		return out.Status.ObservedGeneration - out.Generation, err
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(poll).Should(BeZero())
	return out
}

func describe(obj client.Object) string {
	return fmt.Sprintf("%T %s/%s", obj, obj.GetNamespace(), obj.GetName())
}

// update changes the cluster with a read-modify-write, retrying on conflicts.
func update(ctx context.Context, c *v1alpha1.MySQLCluster, mutate func(*v1alpha1.MySQLCluster)) {
	GinkgoHelper()
	Eventually(func() error {
		cur := &v1alpha1.MySQLCluster{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(c), cur); err != nil {
			return err
		}
		mutate(cur)
		return k8s.Update(ctx, cur)
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(poll).Should(Succeed())
}

// resourceVersions reads the objects and returns their resourceVersions.
func resourceVersions(ctx context.Context, ns string, objs []client.Object, names []string) []string {
	GinkgoHelper()
	out := make([]string, len(objs))
	for i, obj := range objs {
		out[i] = get(ctx, obj, ns, names[i]).GetResourceVersion()
	}
	return out
}
