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
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// HollowLabel and HollowTaint mark hollow nodes: only pods that tolerate
// the taint and select the label land there.
const (
	HollowLabel = "ordinal.dev/hollow"
	HollowTaint = "ordinal.dev/hollow"
)

// HollowConfig describes a hollow node.
type HollowConfig struct {
	Name string
	// IP is the node's InternalIP (nothing listens there).
	IP      string
	MaxPods int
	// IPAM hands out the pod IPs; give it a range no process node uses.
	IPAM           *IPAM
	Client         kubernetes.Interface
	KubeletVersion string
	Log            *slog.Logger
}

// Hollow is a node that runs nothing (like kubemark's hollow kubelet): a
// pod bound to it gets an IP and is reported Running and Ready at once,
// with every init container terminated successfully. Whatever should
// answer on the pod IP (a simulator) runs elsewhere.
type Hollow struct {
	n   *Node
	cfg HollowConfig
	mu  sync.Mutex
	// done holds the pods whose Running status was pushed, by UID.
	done map[types.UID]string
	// next holds, per pod with a running worker, the version it syncs
	// next (nil: none newer than the one in progress).
	next map[types.UID]*corev1.Pod
}

// NewHollow returns a hollow node; Run registers it and keeps it alive.
func NewHollow(cfg HollowConfig) *Hollow {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	sh := &Shared{Client: cfg.Client, IPAM: cfg.IPAM, Log: cfg.Log}
	n := &Node{sh: sh, workers: map[types.UID]*podWorker{}, cfg: Config{Name: cfg.Name, IP: cfg.IP,
		CPU: "4000", Memory: "64Ti", MaxPods: cfg.MaxPods, KubeletVersion: cfg.KubeletVersion}}
	n.gate.open()
	return &Hollow{n: n, cfg: cfg, done: map[types.UID]string{}, next: map[types.UID]*corev1.Pod{}}
}

// Name is the Node's name.
func (h *Hollow) Name() string { return h.cfg.Name }

// Run registers the Node (labelled and tainted) and renews its status and
// Lease like a process node until ctx ends.
func (h *Hollow) Run(ctx context.Context) error {
	if err := h.register(ctx); err != nil {
		return err
	}
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := h.n.beat(ctx); err != nil && ctx.Err() == nil {
			h.cfg.Log.Warn("Hollow node heartbeat failed", "node", h.cfg.Name, "err", err)
		}
	}
}

func (h *Hollow) register(ctx context.Context) error {
	c := h.cfg.Client.CoreV1().Nodes()
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: h.cfg.Name, Labels: map[string]string{
			"kubernetes.io/hostname": h.cfg.Name, "kubernetes.io/os": "linux", HollowLabel: "true"}},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: HollowTaint, Value: "true", Effect: corev1.TaintEffectNoSchedule}}},
	}
	_, err := c.Create(ctx, node, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("registering hollow node %s: %w", h.cfg.Name, err)
	}
	return h.n.beat(ctx)
}

// Ready reports whether the Node object exists and is Ready.
func (h *Hollow) Ready(ctx context.Context) bool {
	n, err := h.cfg.Client.CoreV1().Nodes().Get(ctx, h.cfg.Name, metav1.GetOptions{})
	if err != nil {
		return false
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Deregister deletes the Node object; the pod garbage collector then
// deletes the pods still bound to it.
func (h *Hollow) Deregister(ctx context.Context) error {
	err := h.cfg.Client.CoreV1().Nodes().Delete(ctx, h.cfg.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting hollow node %s: %w", h.cfg.Name, err)
	}
	return nil
}

// Sync hands the node a new version of a pod bound to it. It never blocks
// the caller's informer: the API calls run in a goroutine per pod, one at
// a time per pod, always on the newest version seen.
func (h *Hollow) Sync(pod *corev1.Pod) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ip, pushed := h.done[pod.UID]
	if pushed && pod.DeletionTimestamp == nil && pod.Status.PodIP == ip && pod.Status.Phase == corev1.PodRunning {
		return
	}
	_, running := h.next[pod.UID]
	h.next[pod.UID] = pod
	if !running {
		go h.worker(pod.UID)
	}
}

// worker syncs the newest version of one pod until none is left.
func (h *Hollow) worker(uid types.UID) {
	for {
		h.mu.Lock()
		pod := h.next[uid]
		if pod == nil {
			delete(h.next, uid)
			h.mu.Unlock()
			return
		}
		h.next[uid] = nil // running, nothing newer yet
		h.mu.Unlock()
		if err := h.sync(pod); err != nil && !apierrors.IsNotFound(err) {
			h.cfg.Log.Warn("Hollow pod sync failed", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		}
	}
}

// Forget frees the pod's IP once the pod object is gone.
func (h *Hollow) Forget(pod *corev1.Pod) {
	h.mu.Lock()
	delete(h.done, pod.UID)
	h.mu.Unlock()
	h.cfg.IPAM.Release(string(pod.UID))
}

func (h *Hollow) sync(pod *corev1.Pod) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if pod.DeletionTimestamp != nil {
		// Nothing runs: the pod is gone as soon as it is asked to go.
		opts := metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &pod.UID}}
		err := h.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, opts)
		if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			h.Forget(pod)
			return nil
		}
		return err
	}
	ip, err := h.cfg.IPAM.Allocate(string(pod.UID), pod.Status.PodIP)
	if err != nil {
		return err
	}
	p := pod.DeepCopy()
	p.Status = mergeStatus(p.Status, hollowStatus(p, h.cfg.IP, ip, time.Now()))
	if _, err := h.cfg.Client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsConflict(err) { // a newer version is on its way to Sync
			return nil
		}
		return err
	}
	h.mu.Lock()
	h.done[pod.UID] = ip
	h.mu.Unlock()
	return nil
}

// hollowStatus is a pod whose init containers all succeeded and whose
// containers all run and are Ready.
func hollowStatus(pod *corev1.Pod, hostIP, ip string, now time.Time) corev1.PodStatus {
	t := metav1.NewTime(now)
	if pod.Status.StartTime != nil {
		t = *pod.Status.StartTime
	}
	st := corev1.PodStatus{Phase: corev1.PodRunning, HostIP: hostIP, HostIPs: []corev1.HostIP{{IP: hostIP}},
		PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}, StartTime: &t}
	id := func(c corev1.Container) string { return "hollow://" + string(pod.UID) + "/" + c.Name }
	for _, c := range pod.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image,
			ImageID: "hollow://" + c.Image, ContainerID: id(c), Ready: true, Started: ptr.To(false),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed",
				StartedAt: t, FinishedAt: t, ContainerID: id(c)}}})
	}
	for _, c := range pod.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image,
			ImageID: "hollow://" + c.Image, ContainerID: id(c), Ready: true, Started: ptr.To(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: t}}})
	}
	for _, typ := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized,
		corev1.ContainersReady, corev1.PodReady, corev1.PodScheduled} {
		st.Conditions = append(st.Conditions, corev1.PodCondition{Type: typ, Status: corev1.ConditionTrue, LastTransitionTime: t})
	}
	return st
}
