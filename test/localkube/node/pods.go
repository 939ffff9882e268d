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

package node

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Sync hands the node a new version of a pod bound to it.
func (n *Node) Sync(pod *corev1.Pod) {
	n.mu.Lock()
	w, ok := n.workers[pod.UID]
	if !ok {
		if pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			n.mu.Unlock()
			n.cleanupOrphan(pod)
			return
		}
		w = newWorker(n, pod)
		n.workers[pod.UID] = w
		n.mu.Unlock()
		n.sh.IPAM.Reserve(string(pod.UID), pod.Status.PodIP)
		n.sh.Log.Info("starting pod", "node", n.cfg.Name, "pod", pod.Namespace+"/"+pod.Name)
		go w.run()
		return
	}
	n.mu.Unlock()
	w.update(pod)
	if pod.DeletionTimestamp != nil {
		grace := time.Duration(ptr.Deref(pod.DeletionGracePeriodSeconds, 30)) * time.Second
		w.terminate(grace, true)
	}
}

// cleanupOrphan removes a deleting pod that has nothing running here.
func (n *Node) cleanupOrphan(pod *corev1.Pod) {
	if pod.DeletionTimestamp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &pod.UID}}
	_ = n.sh.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, opts)
}

// Forget is called when the pod object is gone: whatever still runs stops
// quickly and the worker is dropped.
func (n *Node) Forget(pod *corev1.Pod) {
	n.mu.Lock()
	w, ok := n.workers[pod.UID]
	delete(n.workers, pod.UID)
	n.mu.Unlock()
	if ok {
		w.terminate(2*time.Second, true)
	}
}

// worker finds the pod's worker by namespace and name.
func (n *Node) worker(ns, name string) *podWorker {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, w := range n.workers {
		p := w.currentPod()
		if p.Namespace == ns && p.Name == name {
			select {
			case <-w.done:
				continue
			default:
				return w
			}
		}
	}
	return nil
}

func (n *Node) allWorkers() []*podWorker {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]*podWorker, 0, len(n.workers))
	for _, w := range n.workers {
		out = append(out, w)
	}
	return out
}

// RefreshNames rewrites every pod's /etc/hosts (Services changed).
func (n *Node) RefreshNames() {
	for _, w := range n.allWorkers() {
		w.mu.Lock()
		ready := w.ip != ""
		w.mu.Unlock()
		if ready {
			if err := w.writeNameFiles(); err != nil {
				n.sh.Log.Warn("rewriting hosts file", "pod", w.name(), "err", err)
			}
		}
	}
}

// Shutdown stops every pod (keeping the pod objects, like a node going
// down) within grace per container, and waits for them.
func (n *Node) Shutdown(grace time.Duration) {
	if n.Lost() {
		_ = n.Restore()
	}
	ws := n.allWorkers()
	for _, w := range ws {
		w.terminate(grace, false)
	}
	for _, w := range ws {
		<-w.done
	}
}
