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

package localkube_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordinal-dev/ordinal/test/localkube"
	"github.com/ordinal-dev/ordinal/test/localkube/node"
)

// hollowNode joins a hollow node, runs a pod with an init container on it
// (Running and Ready with an IP from the node's block, nothing started),
// deletes it and checks that the next pod gets the freed IP.
func hollowNode(t *testing.T, c *localkube.Cluster, cs kubernetes.Interface) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, err := c.StartHollowNode(ctx, 1, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := h.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	first := runHollowPod(t, ctx, cs, "hollow-a")
	if first != "127.11.128.1" { // the first address of hollow-1's block of the test cluster's 127.11.0.0/16
		t.Errorf("hollow pod IP %s, want 127.11.128.1", first)
	}
	if err := cs.CoreV1().Pods(ns).Delete(ctx, "hollow-a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "hollow-a gone", func() error {
		_, err := cs.CoreV1().Pods(ns).Get(ctx, "hollow-a", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})
	if again := runHollowPod(t, ctx, cs, "hollow-b"); again != first {
		t.Errorf("the next hollow pod got %s, want the freed %s", again, first)
	}
	_ = cs.CoreV1().Pods(ns).Delete(ctx, "hollow-b", metav1.DeleteOptions{})
}

// runHollowPod creates a pod for hollow-1 and returns its IP once it is
// Running and Ready with its init container terminated(0).
func runHollowPod(t *testing.T, ctx context.Context, cs kubernetes.Interface, name string) string {
	never := []string{"/bin/false"} // would fail if anything ran it
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: corev1.PodSpec{
		NodeSelector:   map[string]string{node.HollowLabel: "true"},
		Tolerations:    []corev1.Toleration{{Key: node.HollowTaint, Operator: corev1.TolerationOpExists}},
		InitContainers: []corev1.Container{{Name: "init", Image: "busybox", Command: never}},
		Containers:     []corev1.Container{{Name: "main", Image: "busybox", Command: never}},
	}}
	// Right after the namespace is made its default ServiceAccount may not exist yet.
	eventually(t, 20*time.Second, "create "+name, func() error {
		_, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
		return err
	})
	var ip string
	eventually(t, 20*time.Second, name+" Running and Ready on hollow-1", func() error {
		got := pod(t, cs, name)
		switch {
		case got.Spec.NodeName != "hollow-1":
			return fmt.Errorf("on node %q", got.Spec.NodeName)
		case got.Status.Phase != corev1.PodRunning || !isReady(got) || got.Status.PodIP == "":
			return fmt.Errorf("phase %s, ready %v, IP %q", got.Status.Phase, isReady(got), got.Status.PodIP)
		case len(got.Status.InitContainerStatuses) != 1 || got.Status.InitContainerStatuses[0].State.Terminated == nil ||
			got.Status.InitContainerStatuses[0].State.Terminated.ExitCode != 0:
			return fmt.Errorf("init container status %+v", got.Status.InitContainerStatuses)
		case len(got.Status.ContainerStatuses) != 1 || got.Status.ContainerStatuses[0].State.Running == nil:
			return fmt.Errorf("container status %+v", got.Status.ContainerStatuses)
		}
		ip = got.Status.PodIP
		return nil
	})
	return ip
}
