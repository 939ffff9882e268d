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
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusLoop pushes the pod's status whenever it changes.
func (w *podWorker) statusLoop(ctx context.Context) {
	var last *corev1.PodStatus
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.dirty:
		}
		// Coalesce bursts (a container start flips several fields).
		sleepCtx(ctx, 50*time.Millisecond)
		if w.n.gate.isLost() {
			continue // a lost node reports nothing
		}
		st := w.buildStatus()
		if last != nil && equality.Semantic.DeepEqual(*last, st) {
			continue
		}
		if err := w.pushStatus(ctx, st); err != nil {
			if ctx.Err() == nil && !apierrors.IsNotFound(err) {
				w.n.sh.Log.Warn("updating pod status", "pod", w.name(), "err", err)
				w.markDirty()
				sleepCtx(ctx, time.Second)
			}
			continue
		}
		last = &st
	}
}

func (w *podWorker) pushStatus(ctx context.Context, st corev1.PodStatus) error {
	c := w.n.sh.Client.CoreV1()
	pod := w.currentPod().DeepCopy()
	for attempt := 0; attempt < 5; attempt++ {
		pod.Status = mergeStatus(pod.Status, st)
		updated, err := c.Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		if err == nil {
			w.update(updated)
			return nil
		}
		if !apierrors.IsConflict(err) {
			return err
		}
		if pod, err = c.Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{}); err != nil {
			return err
		}
		if pod.UID != w.uid {
			return nil
		}
	}
	return apierrors.NewConflict(corev1.Resource("pods"), pod.Name, nil)
}

// mergeStatus keeps conditions other components own (PodScheduled,
// DisruptionTarget) and transition times of unchanged conditions.
func mergeStatus(old, st corev1.PodStatus) corev1.PodStatus {
	out := st
	out.QOSClass = old.QOSClass
	mine := map[corev1.PodConditionType]bool{}
	for i, c := range st.Conditions {
		mine[c.Type] = true
		for _, o := range old.Conditions {
			if o.Type == c.Type && o.Status == c.Status {
				out.Conditions[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	for _, o := range old.Conditions {
		if !mine[o.Type] {
			out.Conditions = append(out.Conditions, o)
		}
	}
	return out
}

// buildStatus computes the pod's status from its containers.
func (w *podWorker) buildStatus() corev1.PodStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	pod := w.pod
	now := metav1.NewTime(w.n.sh.now())
	st := corev1.PodStatus{HostIP: w.n.cfg.IP, HostIPs: []corev1.HostIP{{IP: w.n.cfg.IP}}, StartTime: &metav1.Time{Time: w.startTime}}
	if w.ip != "" {
		st.PodIP, st.PodIPs = w.ip, []corev1.PodIP{{IP: w.ip}}
	}
	for _, c := range w.initCs {
		st.InitContainerStatuses = append(st.InitContainerStatuses, c.status(pod))
	}
	allReady := true
	for _, c := range w.appCs {
		cs := c.status(pod)
		allReady = allReady && cs.Ready
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	st.Phase = w.phase()
	if w.failed != "" {
		st.Reason, st.Message = "Failed", w.failed
	}
	cond := func(t corev1.PodConditionType, ok bool, reason string) corev1.PodCondition {
		c := corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, LastTransitionTime: now, Reason: reason}
		if ok {
			c.Status, c.Reason = corev1.ConditionTrue, ""
		}
		return c
	}
	ready := allReady && w.initialized && st.Phase == corev1.PodRunning
	st.Conditions = []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, w.ip != "", ""),
		cond(corev1.PodInitialized, w.initialized, "ContainersNotInitialized"),
		cond(corev1.ContainersReady, ready, "ContainersNotReady"),
		cond(corev1.PodReady, ready, "ContainersNotReady"),
		cond(corev1.PodScheduled, true, ""),
	}
	return st
}

// phase follows the kubelet: Pending until init is done and a container
// ran, Succeeded/Failed once every container finished for good.
func (w *podWorker) phase() corev1.PodPhase {
	if w.failed != "" {
		return corev1.PodFailed
	}
	if !w.initialized {
		return corev1.PodPending
	}
	finished, failed, ran := 0, false, false
	for _, c := range w.appCs {
		if c.finished {
			finished++
			failed = failed || (c.state.Terminated != nil && c.state.Terminated.ExitCode != 0)
		}
		ran = ran || c.state.Running != nil || c.state.Terminated != nil || c.restarts > 0
	}
	switch {
	case finished == len(w.appCs) && failed:
		return corev1.PodFailed
	case finished == len(w.appCs):
		return corev1.PodSucceeded
	case ran:
		return corev1.PodRunning
	}
	return corev1.PodPending
}

func (c *ctr) status(pod *corev1.Pod) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: c.spec.Name, Image: c.spec.Image, ImageID: "localkube://" + c.spec.Image,
		State: c.state, LastTerminationState: c.last, Ready: c.ready, RestartCount: c.restarts}
	started := c.started && c.state.Running != nil
	cs.Started = &started
	if c.state.Running != nil || c.state.Terminated != nil {
		cs.ContainerID = c.id()
	}
	if c.init && c.finished {
		cs.Ready = true
	}
	return cs
}
