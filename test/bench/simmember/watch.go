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

package simmember

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// podServers starts a member's server when its pod has an IP and stops it
// when the pod goes: one server per pod incarnation (UID).
type podServers struct {
	f    *Fleet
	mu   sync.Mutex
	uids map[string]types.UID
}

// WatchPods runs a server for every pod the field selector matches (e.g.
// spec.nodeName=hollow-1) until ctx ends. It returns once the pod cache
// has synced.
func (f *Fleet) WatchPods(ctx context.Context, cs kubernetes.Interface, fieldSelector string) error {
	ps := &podServers{f: f, uids: map[string]types.UID{}}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 10*time.Minute,
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) { lo.FieldSelector = fieldSelector }))
	inf := factory.Core().V1().Pods().Informer()
	pod := func(obj any) *corev1.Pod {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		p, _ := obj.(*corev1.Pod)
		return p
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { ps.sync(pod(obj), false) },
		UpdateFunc: func(_, obj any) { ps.sync(pod(obj), false) },
		DeleteFunc: func(obj any) { ps.sync(pod(obj), true) },
	})
	if err != nil {
		return fmt.Errorf("watching pods: %w", err)
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("pod cache did not sync")
	}
	return nil
}

func (ps *podServers) sync(p *corev1.Pod, deleted bool) {
	if p == nil {
		return
	}
	key := p.Namespace + "/" + p.Name
	ps.mu.Lock()
	defer ps.mu.Unlock()
	running, ok := ps.uids[key]
	switch {
	case deleted || p.DeletionTimestamp != nil:
		if ok && running == p.UID {
			ps.f.Stop(key)
			delete(ps.uids, key)
		}
	case p.Status.PodIP == "" || (ok && running == p.UID):
	default:
		if err := ps.f.Start(key, p.Status.PodIP, serverID(p)); err != nil {
			ps.f.log.Error("Starting a simulated member failed", "pod", key, "err", err)
			return
		}
		ps.uids[key] = p.UID
	}
}

// serverID is SERVER_ID_BASE (from the pod's environment) + the ordinal,
// as the real member's config renders it.
func serverID(p *corev1.Pod) uint32 {
	base := 1
	for _, c := range append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		for _, e := range c.Env {
			if e.Name == "SERVER_ID_BASE" {
				if n, err := strconv.Atoi(e.Value); err == nil {
					base = n
				}
			}
		}
	}
	ord := 0
	if i := strings.LastIndex(p.Name, "-"); i >= 0 {
		ord, _ = strconv.Atoi(p.Name[i+1:])
	}
	return uint32(base + ord)
}
