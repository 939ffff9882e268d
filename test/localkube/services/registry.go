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

package services

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// Registry watches Services and Pods and tells subscribers when
// they change (debounced).
type Registry struct {
	services listerscorev1.ServiceLister
	pods     listerscorev1.PodLister
	mu       sync.Mutex
	subs     []func()
	timer    *time.Timer
}

// NewRegistry registers its informers with factory; start the factory after.
func NewRegistry(factory informers.SharedInformerFactory) (*Registry, error) {
	r := &Registry{}
	svc := factory.Core().V1().Services()
	pods := factory.Core().V1().Pods()
	r.services, r.pods = svc.Lister(), pods.Lister()
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { r.changed() },
		UpdateFunc: func(any, any) { r.changed() },
		DeleteFunc: func(any) { r.changed() },
	}
	if _, err := svc.Informer().AddEventHandler(h); err != nil {
		return nil, fmt.Errorf("watching services: %w", err)
	}
	if _, err := pods.Informer().AddEventHandler(h); err != nil {
		return nil, fmt.Errorf("watching pods: %w", err)
	}
	return r, nil
}

// Subscribe calls f (from another goroutine) after each burst of changes.
func (r *Registry) Subscribe(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs = append(r.subs, f)
}

func (r *Registry) changed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer != nil {
		return
	}
	r.timer = time.AfterFunc(100*time.Millisecond, func() {
		r.mu.Lock()
		r.timer = nil
		subs := append([]func(){}, r.subs...)
		r.mu.Unlock()
		for _, f := range subs {
			f()
		}
	})
}

// Hosts renders the hosts-file records a pod in namespace ns sees: every
// Service's ClusterIP, and every headless Service's ready endpoints (with
// pod records for pods whose subdomain is the Service).
func (r *Registry) Hosts(ns string) string {
	svcs, err := r.services.List(labels.Everything())
	if err != nil {
		return ""
	}
	var lines []string
	for _, s := range svcs {
		if s.Spec.ClusterIP != corev1.ClusterIPNone && s.Spec.ClusterIP != "" {
			lines = append(lines, s.Spec.ClusterIP+"\t"+names(s.Name, s.Namespace, ns))
			continue
		}
		for _, ep := range r.endpoints(s) {
			if !ep.ready {
				continue
			}
			lines = append(lines, ep.ip+"\t"+names(s.Name, s.Namespace, ns))
			if h := ep.hostname(s.Name); h != "" {
				lines = append(lines, ep.ip+"\t"+names(h+"."+s.Name, s.Namespace, ns))
			}
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// names lists the forms a name resolves by: FQDN, .svc, .ns and, in the
// same namespace, the bare name.
func names(name, svcNS, podNS string) string {
	n := fmt.Sprintf("%s.%s.svc.cluster.local %s.%s.svc %s.%s", name, svcNS, name, svcNS, name, svcNS)
	if svcNS == podNS {
		n += " " + name
	}
	return n
}
